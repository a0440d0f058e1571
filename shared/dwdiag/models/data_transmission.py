"""Evidence for `data_transmission`: data sources, their sharing rules, DataQuery security strategies."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from dwdiag.models.common import RegionScoped, CallError, EnvEntry, IdStr, PascalWire, Plain, Workspace
from dwdiag.models.packed import Packed


class SharedRule(PascalWire):
    """ListDataSourceSharedRules: an empty SharedUser shares the source with the whole target workspace."""

    id: Optional[IdStr] = None
    data_source_id: Optional[IdStr] = None
    source_project_id: Optional[IdStr] = None
    target_project_id: Optional[IdStr] = None
    env_type: Optional[str] = None
    shared_user: Optional[str] = None
    shared_data_source_name: Optional[str] = None


class DataSourceEntry(EnvEntry):
    shared_rules: Optional[list[SharedRule]] = Field(default=None, alias="shared_rules")
    shared_rules_error: Optional[CallError] = Field(default=None, alias="shared_rules_error")


class DataSourceGroup(PascalWire):
    """A 2024 ListDataSources group: one name and type, with its Dev and Prod entries."""

    name: str
    type: str = ""
    entries: list[DataSourceEntry] = Field(default_factory=list, alias="DataSource")


DATA_QUERY = "DataQuery"  # ListSecurityStrategies ControlModule of the data-query strategies


class SecurityStrategy(PascalWire):
    id: Optional[IdStr] = None
    name: Optional[str] = None
    control_module: Optional[str] = None
    control_sub_module: Optional[str] = None
    control_dw_scope: Optional[str] = None
    workspaces: list[IdStr] = Field(default_factory=list)
    enabled: Optional[bool] = None


class WorkspaceDataSources(Plain):
    workspace: Workspace
    data_sources: list[DataSourceGroup] = Field(default_factory=list)
    data_sources_error: Optional[CallError] = None


class DataTransmissionEvidence(RegionScoped):
    workspaces: Packed[WorkspaceDataSources] = Field(default_factory=list, validate_default=True)
    workspaces_error: Optional[CallError] = None
    security_strategies: list[SecurityStrategy] = Field(default_factory=list)
    security_strategies_error: Optional[CallError] = None
