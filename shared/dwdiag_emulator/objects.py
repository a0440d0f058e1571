"""Wire objects of the world file (DataWorks, MaxCompute), validated with pydantic v2.

Wire objects keep the SDK's wire names (PascalCase for the POP products, lowerCamel for
MaxCompute and ActionTrail events) so a response is the stored object dumped as it is.
Lower-case snake keys (members, data_sources, shared_rules, ...) are emulator structure and
never reach the wire (pydantic `exclude=True`).
"""
from __future__ import annotations

from typing import Any, Dict, List, Optional, Union

from pydantic import BaseModel, ConfigDict, Field

Props = Union[Dict[str, Any], str]  # ConnectionProperties arrives as an object or a JSON string


class Wire(BaseModel):
    model_config = ConfigDict(extra="forbid")

    def wire(self, **kw: Any) -> Dict[str, Any]:
        return self.model_dump(exclude_none=True, **kw)


def hidden(default: Any = None, factory: Any = None) -> Any:
    """A field that is world structure only, never rendered."""
    if factory is not None:
        return Field(default_factory=factory, exclude=True)
    return Field(default=default, exclude=True)


# --- DataWorks 2024-05-18 ------------------------------------------------------------------

class Tag(Wire):
    Key: str
    Value: str = ""


class Role(Wire):
    Code: str
    Name: str = ""
    Type: str = "System"


class Member(Wire):
    UserId: str
    UserName: str = ""
    Status: str = "Normal"
    Roles: List[Role] = Field(default_factory=list)


class SharedRule(Wire):
    Id: int
    TargetProjectId: int
    EnvType: str = "Prod"
    SharedUser: str = ""
    SharedDataSourceName: Optional[str] = None
    CreateUser: Optional[str] = None
    CreateTime: Optional[int] = None


class DataSourceEntry(Wire):
    Id: int
    ConnectionProperties: Props = Field(default_factory=dict)
    ConnectionPropertiesMode: str = "UrlMode"
    QualifiedName: Optional[str] = None
    Description: Optional[str] = None
    CreateTime: Optional[int] = None
    CreateUser: Optional[str] = None
    ModifyTime: Optional[int] = None
    ModifyUser: Optional[str] = None
    shared_rules: List[SharedRule] = hidden(factory=list)


class DataSourceGroup(Wire):
    Name: str
    Type: str
    DataSource: List[DataSourceEntry] = Field(default_factory=list)


class ComputeEntry(Wire):
    Id: int
    ConnectionProperties: Props = Field(default_factory=dict)
    ConnectionPropertiesMode: str = "UrlMode"
    QualifiedName: Optional[str] = hidden()  # GetComputeResource only
    WhetherDefault: Optional[bool] = None
    Description: Optional[str] = None
    CreateTime: Optional[int] = None
    CreateUser: Optional[str] = None
    ModifyTime: Optional[int] = None
    ModifyUser: Optional[str] = None


class ComputeGroup(Wire):
    Name: str
    Type: str
    ComputeResource: List[ComputeEntry] = Field(default_factory=list)


class DeployedItem(Wire):
    FileId: int
    FileVersion: int
    Status: Optional[int] = None


class Deployment(Wire):
    Id: int
    Name: str = ""
    Status: int = 1
    Creator: Optional[str] = None
    Executor: Optional[str] = None
    CreateTime: Optional[int] = None
    ExecuteTime: Optional[int] = None
    ErrorMessage: Optional[str] = None
    HandlerId: Optional[str] = hidden()  # GetDeploymentPackage only; defaults to Executor
    FromEnvironment: int = hidden(1)
    ToEnvironment: int = hidden(2)
    CheckingStatus: Optional[int] = hidden()
    DeployedItems: List[DeployedItem] = hidden(factory=list)


class FileVersion(Wire):
    FileVersion: int
    FileName: Optional[str] = None
    CommitUser: Optional[str] = None
    CommitTime: Optional[int] = None
    ChangeType: Optional[str] = None
    Status: Optional[str] = None
    IsCurrentProd: Optional[bool] = None
    UseType: Optional[str] = None
    NodeId: Optional[int] = None
    Comment: Optional[str] = None
    FileContent: Optional[str] = None
    FilePropertyContent: Optional[str] = None
    NodeContent: Optional[str] = None


class DwFile(Wire):
    FileId: int
    FileName: str = ""
    FileType: Optional[int] = None
    Owner: Optional[str] = None
    CreateUser: Optional[str] = None
    LastEditUser: Optional[str] = None
    CreateTime: Optional[int] = None
    LastEditTime: Optional[int] = None
    CurrentVersion: Optional[int] = None
    CommitStatus: Optional[int] = None
    NodeId: Optional[int] = None
    UseType: Optional[str] = None
    DeletedStatus: Optional[str] = None
    FileDescription: Optional[str] = None
    FileFolderId: Optional[str] = None
    ConnectionName: Optional[str] = None
    Content: Optional[str] = None
    BizId: Optional[int] = None
    BusinessId: Optional[int] = None
    ParentId: Optional[int] = None
    IsMaxCompute: Optional[bool] = None
    AutoParsing: Optional[bool] = None
    AdvancedSettings: Optional[str] = None
    versions: List[FileVersion] = hidden(factory=list)


class Stage(Wire):
    Step: int
    Code: Optional[str] = None
    Name: Optional[str] = None
    Type: Optional[str] = None
    Status: Optional[str] = None
    Description: Optional[str] = None
    Message: Optional[str] = None
    Detail: Optional[Dict[str, Any]] = None


class PipelineRunItem(Wire):
    Id: str
    Name: Optional[str] = None
    Type: Optional[str] = None
    Version: Optional[int] = None
    Status: Optional[str] = None
    Message: Optional[str] = None
    CreateTime: Optional[int] = None
    ModifyTime: Optional[int] = None
    Spec: Optional[str] = None


class PipelineRun(Wire):
    Id: str
    Creator: Optional[str] = None
    Status: str = "Success"
    Description: Optional[str] = None
    Message: Optional[str] = None
    CreateTime: Optional[int] = None
    ModifyTime: Optional[int] = None
    Stages: List[Stage] = Field(default_factory=list)
    items: List[PipelineRunItem] = hidden(factory=list)


class Snapshot(Wire):
    Id: str
    ObjectId: str
    Type: str = "Saved"
    Version: Optional[int] = None
    Creator: Optional[str] = None
    CreateTime: Optional[int] = None
    Comment: Optional[str] = None


class CodeReview(Wire):
    Id: str
    ProjectId: Optional[int] = None  # rendered from the workspace unless set here
    RegionId: Optional[str] = None
    ObjectId: Optional[str] = None
    ObjectName: Optional[str] = None
    ObjectType: Optional[str] = None
    Command: Optional[str] = None
    Creator: Optional[str] = None
    Reviewers: List[str] = Field(default_factory=list)
    FinalReviewer: Optional[str] = None
    Status: str = "Accepted"
    Description: Optional[str] = None
    CreateTime: Optional[int] = None
    ModifyTime: Optional[int] = None
    ReviewTime: Optional[int] = None


class CalcEngine(Wire):
    """DataWorks 2020-05-18 ListCalcEngines entry."""
    EngineId: int
    Name: str
    CalcEngineType: str
    EnvType: str = "PRD"
    BindingProjectName: Optional[str] = None
    IsDefault: Optional[bool] = None
    TaskAuthType: Optional[str] = None
    Region: Optional[str] = None
    DwRegion: Optional[str] = None
    TenantId: Optional[int] = None
    GmtCreate: Optional[str] = None
    EngineInfo: Dict[str, Any] = Field(default_factory=dict)


class Workspace(Wire):
    Id: int
    Name: str
    DisplayName: Optional[str] = None
    Description: Optional[str] = None
    Status: str = "Available"
    Owner: Optional[str] = None
    DevEnvironmentEnabled: bool = True
    DevRoleDisabled: Optional[bool] = None
    PaiTaskEnabled: Optional[bool] = None
    AliyunResourceGroupId: Optional[str] = None
    AliyunResourceTags: Optional[List[Tag]] = None
    members: List[Member] = hidden(factory=list)
    data_sources: List[DataSourceGroup] = hidden(factory=list)
    compute_resources: List[ComputeGroup] = hidden(factory=list)
    calc_engines: List[CalcEngine] = hidden(factory=list)
    deployments: List[Deployment] = hidden(factory=list)
    files: List[DwFile] = hidden(factory=list)
    pipeline_runs: List[PipelineRun] = hidden(factory=list)
    snapshots: List[Snapshot] = hidden(factory=list)
    code_reviews: List[CodeReview] = hidden(factory=list)


class SecurityStrategy(Wire):
    Id: str
    Name: str
    Description: Optional[str] = None
    SchemaName: Optional[str] = None
    ControlModule: str
    ControlSubModule: Optional[str] = None
    ControlDwScope: str = "Workspace"
    Workspaces: List[int] = Field(default_factory=list)
    Enabled: bool = True
    OriginPolicyId: Optional[int] = None
    Creator: Optional[str] = None
    Updater: Optional[str] = None
    CreateTime: Optional[str] = None
    UpdateTime: Optional[str] = None
    Content: Optional[Dict[str, Any]] = None


# --- MaxCompute 2022-01-04 -----------------------------------------------------------------

class Protection(Wire):
    protected: bool = False
    exceptionPolicy: Optional[str] = None


class SecurityProperties(Wire):
    labelSecurity: Optional[bool] = None
    enableDownloadPrivilege: Optional[bool] = None
    enableNamespacePrivilege: Optional[bool] = None
    objectCreatorHasAccessPermission: Optional[bool] = None
    objectCreatorHasGrantPermission: Optional[bool] = None
    usingAcl: Optional[bool] = None
    usingPolicy: Optional[bool] = None
    projectProtection: Optional[Protection] = None


class Encryption(Wire):
    enable: bool = False
    algorithm: Optional[str] = None
    key: Optional[str] = None


class McProperties(Wire):
    model_config = ConfigDict(extra="allow")  # many engine settings; the checked ones are typed
    retentionDays: Optional[int] = None
    encryption: Optional[Encryption] = None
    allowFullScan: Optional[bool] = None
    enableDecimal2: Optional[bool] = None
    timezone: Optional[str] = None
    typeSystem: Optional[str] = None
    sqlMeteringMax: Optional[str] = None
    tunnelQuota: Optional[str] = None


class McProject(Wire):
    name: str
    owner: Optional[str] = None
    comment: Optional[str] = None
    type: str = "managed"
    status: str = "AVAILABLE"
    defaultQuota: Optional[str] = None
    createdTime: Optional[int] = None
    costStorage: Optional[str] = None
    productType: Optional[str] = None
    threeTierModel: Optional[bool] = None
    superAdmins: Optional[List[str]] = None
    ipWhiteList: Optional[Dict[str, Any]] = None
    saleTag: Optional[Dict[str, Any]] = None
    properties: Optional[McProperties] = None
    securityProperties: Optional[SecurityProperties] = None
