"""Evidence for `computing_storage`: MaxCompute projects and the EMR compute resources of workspaces."""

from __future__ import annotations

from typing import Optional

from pydantic import ConfigDict, Field

from dwdiag.models.common import (
    RegionScoped,
    CallError, CamelWire, EnvEntry, IdStr, JsonObject, PascalWire, Plain, Workspace, same,
)
from dwdiag.models.packed import Packed


class McProtection(CamelWire):
    protected: Optional[bool] = None
    exception_policy: Optional[str] = None


class McSecurityProperties(CamelWire):
    # Unknown keys are kept: the field that stands for the permission model is a setting.
    model_config = ConfigDict(extra="allow")

    label_security: Optional[bool] = None
    enable_download_privilege: Optional[bool] = None
    project_protection: Optional[McProtection] = None
    using_acl: Optional[bool] = None
    using_policy: Optional[bool] = None


class McEncryption(CamelWire):
    enable: Optional[bool] = None
    algorithm: Optional[str] = None
    key: Optional[str] = None


class McProperties(CamelWire):
    model_config = ConfigDict(extra="allow")

    retention_days: Optional[int] = None
    encryption: Optional[McEncryption] = None


class MaxComputeProject(CamelWire):
    """MaxCompute 2022-01-04 GetProject(verbose=true) `data`, plus the error if that call failed."""

    name: str
    owner: Optional[str] = None
    status: Optional[str] = None
    type: Optional[str] = None
    security_properties: Optional[McSecurityProperties] = None
    properties: Optional[McProperties] = None
    error: Optional[CallError] = Field(default=None, alias="error")


# Compute resource types are not documented as a list (CreateComputeResource's one example is
# "hologres"); these are the engine names of the data-source type table, none of which is an EMR
# cluster registered in Shortcut or Security mode. Any other type might be one.
NOT_EMR_TYPES = frozenset({
    "maxcompute", "hologres", "flink", "blink", "cdh", "clickhouse", "starrocks", "selectdb",
    "analyticdb_for_mysql", "analyticdb_for_postgresql", "doris",
})
EMR, NOT_EMR, UNKNOWN_TYPE = "emr", "not_emr", "unknown"


class ComputeResourceGroup(PascalWire):
    """A 2024 ListComputeResources group: one name and type, with its Dev and Prod entries."""

    name: str
    type: str = ""
    entries: list[EnvEntry] = Field(default_factory=list, alias="ComputeResource")

    @property
    def emr_kind(self) -> str:
        """EMR (type emr...), NOT_EMR (a documented engine type) or UNKNOWN_TYPE (could be EMR)."""
        kind = self.type.strip().lower()
        if kind.startswith("emr"):
            return EMR
        return NOT_EMR if kind in NOT_EMR_TYPES else UNKNOWN_TYPE


EMR_ENGINE = "EMR"  # 2020 ListCalcEngines CalcEngineType of EMR engines


class CalcEngine(PascalWire):
    """A 2020-05-18 ListCalcEngines entry (the second source for EMR access modes)."""

    engine_id: Optional[IdStr] = None
    name: str = ""
    calc_engine_type: Optional[str] = None
    env_type: Optional[str] = None
    task_auth_type: Optional[str] = None
    engine_info: JsonObject = None

    @property
    def is_emr(self) -> bool:
        return same(self.calc_engine_type, "EMR")


class WorkspaceComputeResources(Plain):
    workspace: Workspace
    compute_resources: list[ComputeResourceGroup] = Field(default_factory=list)
    compute_resources_error: Optional[CallError] = None
    emr_calc_engines: list[CalcEngine] = Field(default_factory=list)
    emr_calc_engines_error: Optional[CallError] = None


class ComputingStorageEvidence(RegionScoped):
    maxcompute_projects: Packed[MaxComputeProject] = Field(default_factory=list, validate_default=True)
    maxcompute_projects_error: Optional[CallError] = None
    workspaces: Packed[WorkspaceComputeResources] = Field(default_factory=list, validate_default=True)
    workspaces_error: Optional[CallError] = None
