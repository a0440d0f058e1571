"""Evidence for `data_production`: members, compute resources, deployments, reviews, scheduling identities."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import Field

from dwdiag.models.common import RegionScoped, CallError, IdStr, PascalWire, Plain, UtcDatetime, Workspace
from dwdiag.models.computing_storage import ComputeResourceGroup
from dwdiag.models.packed import Packed


class Role(PascalWire):
    code: str
    name: Optional[str] = None
    type: Optional[str] = None


class Member(PascalWire):
    """ListProjectMembers (2024-05-18)."""

    user_id: IdStr
    user_name: Optional[str] = None
    status: Optional[str] = None
    roles: list[Role] = Field(default_factory=list)


# --- legacy Data Studio deployments -----------------------------------------------------------

class FileVersion(PascalWire):
    file_version: int
    commit_user: Optional[IdStr] = None
    commit_time: Optional[int] = None
    status: Optional[str] = None
    is_current_prod: Optional[bool] = None
    node_id: Optional[IdStr] = None


class DeployedItem(PascalWire):
    """GetDeploymentPackage `DeployedItems[]`, with the file's versions (ListFileVersions)."""

    file_id: IdStr
    file_version: Optional[int] = None
    status: Optional[int] = None
    versions: Optional[list[FileVersion]] = Field(default=None, alias="versions")
    versions_error: Optional[CallError] = Field(default=None, alias="versions_error")


class DeploymentDetail(PascalWire):
    """GetDeploymentPackage `Data.Deployment`."""

    creator_id: Optional[IdStr] = None
    handler_id: Optional[IdStr] = None
    from_environment: Optional[int] = None
    to_environment: Optional[int] = None
    status: Optional[int] = None
    create_time: Optional[int] = None
    execute_time: Optional[int] = None


class DeploymentPackage(PascalWire):
    """ListDeploymentPackages entry, its detail and deployed items."""

    id: IdStr
    name: Optional[str] = None
    status: Optional[int] = None
    creator: Optional[IdStr] = None
    executor: Optional[IdStr] = None
    create_time: Optional[int] = None
    execute_time: Optional[int] = None
    detail: Optional[DeploymentDetail] = Field(default=None, alias="detail")
    items: list[DeployedItem] = Field(default_factory=list, alias="items")
    detail_error: Optional[CallError] = Field(default=None, alias="detail_error")


# --- new Data Studio pipeline runs ------------------------------------------------------------

class Stage(PascalWire):
    step: Optional[int] = None
    code: Optional[str] = None
    name: Optional[str] = None
    type: Optional[str] = None
    status: Optional[str] = None


class Snapshot(PascalWire):
    id: Optional[IdStr] = None
    version: Optional[int] = None
    type: Optional[str] = None
    creator: Optional[IdStr] = None
    create_time: Optional[int] = None


class PipelineRunItem(PascalWire):
    id: IdStr
    name: Optional[str] = None
    type: Optional[str] = None
    version: Optional[int] = None
    status: Optional[str] = None
    snapshots: Optional[list[Snapshot]] = Field(default=None, alias="snapshots")
    snapshots_error: Optional[CallError] = Field(default=None, alias="snapshots_error")


class PipelineRun(PascalWire):
    id: IdStr
    creator: Optional[IdStr] = None
    status: Optional[str] = None
    create_time: Optional[int] = None
    modify_time: Optional[int] = None
    stages: list[Stage] = Field(default_factory=list)
    items: list[PipelineRunItem] = Field(default_factory=list, alias="items")
    items_error: Optional[CallError] = Field(default=None, alias="items_error")


class CodeReview(PascalWire):
    id: Optional[IdStr] = None
    object_id: Optional[IdStr] = None
    object_name: Optional[str] = None
    object_type: Optional[str] = None
    creator: Optional[IdStr] = None
    reviewers: list[IdStr] = Field(default_factory=list)
    final_reviewer: Optional[IdStr] = None
    status: Optional[str] = None
    create_time: Optional[int] = None
    review_time: Optional[int] = None


class WorkspaceProduction(Plain):
    workspace: Workspace
    members: list[Member] = Field(default_factory=list)
    members_error: Optional[CallError] = None
    compute_resources: list[ComputeResourceGroup] = Field(default_factory=list)
    compute_resources_error: Optional[CallError] = None
    deployment_packages: list[DeploymentPackage] = Field(default_factory=list)
    deployment_packages_error: Optional[CallError] = None
    pipeline_runs: list[PipelineRun] = Field(default_factory=list)
    pipeline_runs_error: Optional[CallError] = None
    code_reviews: list[CodeReview] = Field(default_factory=list)
    code_reviews_error: Optional[CallError] = None


# --- scheduling identities --------------------------------------------------------------------

class RamUser(PascalWire):
    """RAM ListUsers / GetUser `User`."""

    user_id: IdStr
    user_name: str
    display_name: Optional[str] = None
    last_login_date: Optional[UtcDatetime] = None


class SigninEvent(Plain):
    """The parts of an ActionTrail ConsoleSignin event the rule needs (events arrive as raw dicts)."""

    event_id: str
    event_time: UtcDatetime
    user_name: Optional[str] = None
    identity_type: Optional[str] = None
    source_ip: Optional[str] = None
    storage_region: Optional[str] = None

    @classmethod
    def from_event(cls, event: dict[str, Any], storage_region: str) -> "SigninEvent":
        identity = event.get("userIdentity") or {}
        return cls(
            event_id=str(event.get("eventId") or ""),
            event_time=event.get("eventTime"),
            user_name=identity.get("userName"),
            identity_type=identity.get("type"),
            source_ip=event.get("sourceIpAddress"),
            storage_region=storage_region,
        )


class IdentityEvidence(Plain):
    """What was learned about one RAM user id that a Prod compute resource schedules as."""

    user_id: str
    user: Optional[RamUser] = None
    get_user_error: Optional[CallError] = None
    signin_events: list[SigninEvent] = Field(default_factory=list)
    signin_errors: list[CallError] = Field(default_factory=list)
    signin_regions: list[str] = Field(default_factory=list)


class DataProductionEvidence(RegionScoped):
    workspaces: Packed[WorkspaceProduction] = Field(default_factory=list, validate_default=True)
    workspaces_error: Optional[CallError] = None
    ram_users_error: Optional[CallError] = None
    identities: list[IdentityEvidence] = Field(default_factory=list)
