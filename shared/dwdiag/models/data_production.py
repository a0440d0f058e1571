"""Evidence for `data_production`: members, compute resources, deployments, reviews, scheduling identities."""

from __future__ import annotations

from typing import Annotated, Any, Iterable, Optional

from pydantic import BeforeValidator, Field

from dwdiag.models.common import RegionScoped, CallError, IdStr, PascalWire, Plain, UtcDatetime, Workspace, same
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


PUBLISHED = 1  # ListDeploymentPackages Status: 0 ready, 1 published, 2 failed, 6 rejected
PROD_ENVIRONMENT = 2  # GetDeploymentPackage ToEnvironment: 1 development, 2 production


class DeploymentDetail(PascalWire):
    """GetDeploymentPackage `Data.Deployment`: HandlerId is the user who executed the package."""

    creator_id: Optional[IdStr] = None
    handler_id: Optional[IdStr] = None
    from_environment: Optional[int] = None
    to_environment: Optional[int] = None
    status: Optional[int] = None
    create_time: Optional[int] = None
    execute_time: Optional[int] = None

    @property
    def targets_production(self) -> bool:
        return self.to_environment == PROD_ENVIRONMENT  # SubmitFile also makes packages, aimed at development


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

    @property
    def published(self) -> bool:
        return self.status == PUBLISHED

    @property
    def executed_at(self) -> Optional[int]:
        """When the package went out: the list entry's ExecuteTime, else the detail's."""
        if self.execute_time:
            return self.execute_time
        return self.detail.execute_time if self.detail else None


# --- new Data Studio pipeline runs ------------------------------------------------------------

class Stage(PascalWire):
    """A stage of a pipeline run. `Type` is documented as Deploy, Check, Offline, Build or Delete; `Code`
    values are not documented beyond the example DEV_CHECK (a deployment to production is observed as
    Code PROD, Type Deploy), so a Deploy stage counts as production unless its code says DEV."""

    step: Optional[int] = None
    code: Optional[str] = None
    name: Optional[str] = None
    type: Optional[str] = None
    status: Optional[str] = None

    @property
    def deploys_to_production(self) -> bool:
        development = (self.code or "").strip().upper().startswith("DEV")
        return same(self.type, "Deploy") and same(self.status, "Success") and not development


RUN_SUCCEEDED = "Success"  # ListPipelineRuns Status of a run that finished
SAVED = "Saved"  # ListSnapshots Type of a version a developer saved


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

    @property
    def deployed_to_production(self) -> bool:
        """A finished run that reached production (not only the development environment)."""
        return same(self.status, "Success") and any(s.deploys_to_production for s in self.stages)


def _blank(value: Any) -> Any:
    # A time the service leaves empty ("" or 0: ListCodeReviews' ReviewTime until a review is approved) is none.
    return None if (isinstance(value, str) and not value.strip()) or value == 0 else value


class CodeReview(PascalWire):
    """ListCodeReviews (2024-05-18, new Data Studio). `ObjectId` is the root review object; a review is
    created for an existing pipeline run (CreateCodeReview takes its PipelineRunId) but does not name it."""

    id: Optional[IdStr] = None
    object_id: Optional[IdStr] = None
    object_name: Optional[str] = None
    object_type: Optional[str] = None
    creator: Optional[IdStr] = None
    reviewers: list[IdStr] = Field(default_factory=list)
    final_reviewer: Optional[IdStr] = None
    status: Optional[str] = None
    create_time: Optional[int] = None
    review_time: Annotated[Optional[int], BeforeValidator(_blank)] = None  # empty until approved


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

EVENT_HISTORY_DAYS = 90  # ActionTrail LookupEvents keeps 90 days of events


def _never(value: Any) -> Any:
    # GetUser's LastLoginDate is "" for a user who never logged on with a password: never, not unreadable.
    return None if isinstance(value, str) and not value.strip() else value


class RamUser(PascalWire):
    """RAM ListUsers / GetUser `User` (ListUsers carries no LastLoginDate)."""

    user_id: IdStr
    user_name: str
    display_name: Optional[str] = None
    last_login_date: Annotated[Optional[UtcDatetime], BeforeValidator(_never)] = None


class SigninEvent(Plain):
    """The parts of an ActionTrail event the rule needs (LookupEvents returns events as raw dicts).

    A RAM user's console logon is documented as eventName ConsoleSignin, serviceName AasSub, with the
    user's name in userIdentity.userName; the rule counts only those."""

    event_id: str
    event_time: UtcDatetime
    event_name: Optional[str] = None
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
            event_name=event.get("eventName"),
            user_name=identity.get("userName"),
            identity_type=identity.get("type"),
            source_ip=event.get("sourceIpAddress"),
            storage_region=storage_region,
        )

    def is_console_signin_of(self, user_name: str) -> bool:
        return self.event_name == "ConsoleSignin" and self.user_name == user_name  # exact, as ActionTrail matches


class IdentityEvidence(Plain):
    """What was learned about one RAM user id that a Prod compute resource schedules as."""

    user_id: str
    user: Optional[RamUser] = None
    get_user_error: Optional[CallError] = None
    # Whether the user has a console password (RAM GetLoginProfile): False when it has none
    # (EntityNotExist.User.LoginProfile), so it cannot log on to the console at all.
    login_profile: Optional[bool] = None
    login_profile_error: Optional[CallError] = None
    signin_events: list[SigninEvent] = Field(default_factory=list)
    signin_errors: list[CallError] = Field(default_factory=list)
    signin_regions: list[str] = Field(default_factory=list)


def scheduling_identities(workspaces: Iterable[WorkspaceProduction]) -> dict[str, list[str]]:
    """RAM user id -> the Prod compute resources (`<workspace>/<name>`) of Available workspaces that schedule as it."""
    found: dict[str, list[str]] = {}
    for ws in workspaces:
        if not ws.workspace.available:
            continue
        for group in ws.compute_resources:
            for entry in group.entries:
                for uid in entry.scheduling_identities:
                    found.setdefault(uid, []).append(f"{ws.workspace.id}/{group.name}")
    return found


class DataProductionEvidence(RegionScoped):
    workspaces: Packed[WorkspaceProduction] = Field(default_factory=list, validate_default=True)
    workspaces_error: Optional[CallError] = None
    ram_users_error: Optional[CallError] = None
    identities: list[IdentityEvidence] = Field(default_factory=list)
