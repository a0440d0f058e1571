"""The world file: top level, ActionTrail, RAM, credentials, quotas, faults, and the loader.

A bad world raises WorldError naming each bad key with its line (from yaml's node marks).
"""
from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Union

import yaml
from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator,
                      model_validator)

from .objects import McProject, SecurityStrategy, Tag, Wire, Workspace, hidden

try:  # the C loader keeps a 1,000-workspace world fast to read
    _Loader: Any = yaml.CSafeLoader
except AttributeError:  # pragma: no cover
    _Loader = yaml.SafeLoader


# --- ActionTrail 2020-07-06 ----------------------------------------------------------------

class TrailStatus(Wire):
    IsLogging: bool = True
    OssBucketStatus: Optional[bool] = None
    SlsLogStoreStatus: Optional[bool] = None
    LatestDeliveryTime: Optional[str] = None
    LatestDeliveryError: Optional[str] = None
    LatestDeliveryLogServiceTime: Optional[str] = None
    LatestDeliveryLogServiceError: Optional[str] = None
    StartLoggingTime: Optional[str] = None
    StopLoggingTime: Optional[str] = None


class Trail(Wire):
    """A DescribeTrails entry, listed under its home region (the region whose world lists it
    answers GetTrailStatus for it). IsOrganizationTrail true marks a multi-account trail, listed
    only with IncludeOrganizationTrail=true; OrganizationId is given for those only (DescribeTrails
    response docs)."""
    Name: str
    Status: str = "Enable"
    EventRW: str = "Write"
    TrailRegion: str = "All"
    HomeRegion: Optional[str] = None
    Region: Optional[str] = None
    TrailArn: Optional[str] = None
    SlsProjectArn: Optional[str] = None
    SlsWriteRoleArn: Optional[str] = None
    OssBucketName: Optional[str] = None
    OssBucketLocation: Optional[str] = None
    OssKeyPrefix: Optional[str] = None
    OssWriteRoleArn: Optional[str] = None
    MaxComputeProjectArn: Optional[str] = None
    MaxComputeWriteRoleArn: Optional[str] = None
    IsOrganizationTrail: Optional[bool] = None
    OrganizationId: Optional[str] = None
    CreateTime: Optional[str] = None
    UpdateTime: Optional[str] = None
    StartLoggingTime: Optional[str] = None
    StopLoggingTime: Optional[str] = None
    status: TrailStatus = hidden(factory=TrailStatus)


class Event(BaseModel):
    """A raw ActionTrail event: served as stored; these keys are needed to filter and page.
    `_available_at` (never served): when LookupEvents may first serve an event recorded at run time
    (changes.py: its eventTime plus the world's actiontrail_delivery_seconds); None = always (the
    world file's events)."""
    model_config = ConfigDict(extra="allow")
    eventId: str
    eventName: str
    eventTime: str
    _available_at: Optional[datetime] = PrivateAttr(default=None)


# --- RAM, STS, credentials -----------------------------------------------------------------

class LoginProfile(Wire):
    """A RAM user's console (password) logon settings: RAM 2015-05-01 GetLoginProfile serves UserName,
    CreateDate, PasswordResetRequired and MFABindRequired; IMS 2019-08-15 GetLoginProfile adds Status
    (Active, Inactive) and UpdateDate. Inactive = console logon disabled (IMS UpdateLoginProfile Status)."""
    Status: Literal["Active", "Inactive"] = "Active"
    CreateDate: Optional[str] = None
    UpdateDate: Optional[str] = None
    PasswordResetRequired: bool = False
    MFABindRequired: bool = False


class RamUser(Wire):
    """A RAM user; no LastLoginDate = never logged on with a password (GetUser then serves "").
    `login_profile`: its console logon settings; left out = an Active profile (the emulator's default,
    so worlds written before it keep users who can log on); `login_profile: null` = no console logon
    (GetLoginProfile answers EntityNotExist.User.LoginProfile)."""
    UserId: str
    UserName: str
    DisplayName: Optional[str] = None
    CreateDate: Optional[str] = None
    UpdateDate: Optional[str] = None
    LastLoginDate: Optional[str] = None
    Comments: Optional[str] = None
    Email: Optional[str] = None
    MobilePhone: Optional[str] = None
    login_profile: Optional[LoginProfile] = hidden(factory=LoginProfile)


class Identity(Wire):
    """What STS GetCallerIdentity answers for a credential."""
    AccountId: Optional[str] = None
    UserId: Optional[str] = None
    PrincipalId: Optional[str] = None
    Arn: Optional[str] = None
    IdentityType: str = "RAMUser"
    RoleId: Optional[str] = None


class AccessKey(BaseModel):
    """`allow`: the RAM actions the key's identity may call (`odps:UpdateProjectBasicMeta`,
    `actiontrail:Get*`, `*`; matched ignoring case, `*` and `?` as wildcards); left out = every action.
    `read_only: true` refuses every write action (permissions.WRITES) whatever `allow` says. A refused
    call gets the product's no-permission error (permissions.py, docs/evidence.md)."""
    model_config = ConfigDict(extra="forbid")
    AccessKeyId: str
    AccessKeySecret: str
    Status: Literal["Active", "Inactive"] = "Active"
    identity: Identity = Field(default_factory=Identity)
    allow: Optional[List[str]] = None
    read_only: bool = False


class StsToken(AccessKey):
    SecurityToken: str
    Expiration: Optional[str] = None  # ISO-8601 UTC; absent = never expires


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")
    access_keys: List[AccessKey] = Field(default_factory=list)
    sts_tokens: List[StsToken] = Field(default_factory=list)


# --- quotas and faults ----------------------------------------------------------------------

class Scope(BaseModel):
    """Which calls a quota or fault applies to; empty fields match everything."""
    model_config = ConfigDict(extra="forbid")
    product: Optional[str] = None
    version: Optional[str] = None
    actions: List[str] = Field(default_factory=list)
    regions: List[str] = Field(default_factory=list)
    params: Dict[str, str] = Field(default_factory=dict)


class Quota(Scope):
    name: str
    qps: Optional[float] = None
    daily: Optional[int] = None
    per_region: bool = True  # DataWorks quotas are per account per region
    status: Literal[400, 429] = 429
    retry_after_ms: Optional[int] = None


FaultKind = Literal["error", "forbidden", "maxcompute_error", "malformed", "non_json", "latency"]


class Fault(Scope):
    kind: FaultKind = "error"
    status: Optional[int] = None
    code: Optional[str] = None
    message: Optional[str] = None
    headers: Dict[str, str] = Field(default_factory=dict)
    body: Optional[str] = None
    latency_ms: int = 0
    times: Optional[int] = None  # fires this many times, then clears; None = forever


# --- top level ------------------------------------------------------------------------------

class RegionDataWorks(BaseModel):
    model_config = ConfigDict(extra="forbid")
    workspaces: List[Workspace] = Field(default_factory=list)


class RegionMaxCompute(BaseModel):
    model_config = ConfigDict(extra="forbid")
    projects: List[McProject] = Field(default_factory=list)


class RegionActionTrail(BaseModel):
    model_config = ConfigDict(extra="forbid")
    trails: List[Trail] = Field(default_factory=list)
    events: List[Event] = Field(default_factory=list)


class Region(BaseModel):
    model_config = ConfigDict(extra="forbid")
    dataworks: RegionDataWorks = Field(default_factory=RegionDataWorks)
    maxcompute: RegionMaxCompute = Field(default_factory=RegionMaxCompute)
    actiontrail: RegionActionTrail = Field(default_factory=RegionActionTrail)


class AuthSettings(BaseModel):
    model_config = ConfigDict(extra="forbid")
    verify_signatures: bool = True
    max_clock_skew_s: int = 900  # the gateway's 15-minute window


class World(BaseModel):
    model_config = ConfigDict(extra="forbid")
    account_id: str = "1234567890123456"
    now: Optional[str] = None  # fixes the service clock (ISO-8601 UTC) for time windows
    default_region: Optional[str] = None
    auth: AuthSettings = Field(default_factory=AuthSettings)
    credentials: Credentials = Field(default_factory=Credentials)
    ram_users: List[RamUser] = Field(default_factory=list)
    security_strategies: List[SecurityStrategy] = Field(default_factory=list)
    regions: Dict[str, Region] = Field(default_factory=dict)
    quotas: List[Quota] = Field(default_factory=list)
    faults: List[Fault] = Field(default_factory=list)
    log_limit: int = 10000  # request-log records kept; 0 turns the log off
    # Seconds between an ActionTrail event recorded at run time (a write API call, or a change made with
    # Emulator.change / POST /_emulator/changes) and LookupEvents serving it: served once the service
    # clock (`now`, moved by Emulator.advance / POST /_emulator/clock) reaches its eventTime plus this.
    # ActionTrail documents up to 10 minutes (600) before an event can be queried; 0 (the default) = at
    # once. The world file's own events are always served. A member's tenant that leaves it out takes
    # the management account's.
    actiontrail_delivery_seconds: int = Field(0, ge=0)
    organization: Optional[Organization] = None  # the Resource Directory this account manages

    @model_validator(mode="after")
    def _member_tenants(self) -> "World":
        """A member's tenant keeps its own data, quotas and faults; what it leaves out of `now`, `auth`
        and `actiontrail_delivery_seconds` it takes from the management account's world. A member entry
        for the management account itself stands for this world (it may give roles, never a tenant)."""
        if self.organization is None:
            return self
        keys: Dict[str, str] = {}
        for i, m in enumerate(self.organization.members):
            if m.AccountId == self.account_id:
                if m.tenant is not None:
                    raise ValueError(f"organization.members.{i}.tenant: {m.AccountId} is the management "
                                     "account, whose tenant is this world")
                continue
            tenant = m.tenant if m.tenant is not None else World(account_id=m.AccountId)
            if "now" not in tenant.model_fields_set:
                tenant.now = self.now
            if "auth" not in tenant.model_fields_set:
                tenant.auth = self.auth
            if "actiontrail_delivery_seconds" not in tenant.model_fields_set:
                tenant.actiontrail_delivery_seconds = self.actiontrail_delivery_seconds
            m.tenant = tenant
        for owner in [self, *(m.tenant for m in self.organization.members if m.tenant is not None)]:
            for key in [*owner.credentials.access_keys, *owner.credentials.sts_tokens]:
                if key.AccessKeyId in keys and keys[key.AccessKeyId] != owner.account_id:
                    raise ValueError(f"AccessKeyId {key.AccessKeyId} is held by both {keys[key.AccessKeyId]} "
                                     f"and {owner.account_id}; a key belongs to one account")
                keys[key.AccessKeyId] = owner.account_id
        return self

    def region_names(self) -> List[str]:
        names = list(self.regions) or ["cn-hangzhou"]
        if self.default_region and self.default_region not in names:
            names.insert(0, self.default_region)
        return names

    def home_region(self) -> str:
        return self.default_region or self.region_names()[0]


# --- Resource Directory (ResourceDirectoryMaster 2022-04-19) and member tenants ----------------

ACCOUNT_ID = r"^\d{16}$"
# ListAccounts Status: the values the API reference lists, plus the Create* states of a cloud account
# still being created that the alicloud Terraform provider documents for the same field.
MemberStatus = Literal["CreateSuccess", "CreateVerifying", "CreateFailed", "CreateExpired", "CreateCancelled",
                       "PromoteVerifying", "PromoteFailed", "PromoteExpired", "PromoteCancelled",
                       "PromoteSuccess", "InviteSuccess"]


class Folder(BaseModel):
    """A folder of the directory; no ParentFolderId = directly under the root folder."""
    model_config = ConfigDict(extra="forbid")
    FolderId: str = Field(pattern=r"^fd-[A-Za-z0-9]+$")
    FolderName: str
    ParentFolderId: Optional[str] = None


class MemberRole(BaseModel):
    """A RAM role in a member account, as far as STS AssumeRole sees it. `trusts`: the principals of
    its trust policy (an account id or `acs:ram::<uid>:root` = any RAM identity of that account; a RAM
    user or role ARN = only that one); empty = the management account. `deny: true` refuses every
    caller (the NoPermission answer of a role that does not trust you, or of a caller without
    sts:AssumeRole)."""
    model_config = ConfigDict(extra="forbid")
    trusts: List[str] = Field(default_factory=list)
    deny: bool = False
    max_session_duration: int = Field(3600, ge=3600, le=43200)  # RAM MaxSessionDuration
    RoleId: Optional[str] = None


class OrgMember(Wire):
    """A ListAccounts entry (ListAccountsResponseBodyAccountsAccount) plus the emulator's view of the
    account: its RAM roles and its own tenant (a world of its own, or a world file's path relative to
    the file that names it). ResourceDirectoryId/Path are filled in from the directory unless set."""
    AccountId: str = Field(pattern=ACCOUNT_ID)
    DisplayName: str
    AccountName: Optional[str] = None
    FolderId: Optional[str] = None  # default: the root folder
    JoinMethod: Literal["invited", "created"] = "created"
    JoinTime: Optional[str] = None
    ModifyTime: Optional[str] = None
    ResourceDirectoryId: Optional[str] = None
    ResourceDirectoryPath: Optional[str] = None
    Status: MemberStatus = "CreateSuccess"
    Type: Literal["CloudAccount", "ResourceAccount"] = "ResourceAccount"
    DeletionStatus: Optional[Literal["Checking", "Deleting", "CheckFailed", "DeleteFailed"]] = None
    tags: List[Tag] = hidden(factory=list)
    roles: Dict[str, MemberRole] = hidden(factory=dict)
    tenant: Optional["World"] = hidden()

    @field_validator("roles")
    @classmethod
    def _role_names(cls, roles: Dict[str, MemberRole]) -> Dict[str, MemberRole]:
        seen: Dict[str, str] = {}
        for name in roles:
            if not re.match(r"^[A-Za-z0-9.\-]{1,64}$", name):
                raise ValueError(f"role name {name!r}: 1 to 64 letters, digits, periods and hyphens (RAM CreateRole)")
            if name.lower() in seen:
                raise ValueError(f"role names {seen[name.lower()]!r} and {name!r} differ only in case")
            seen[name.lower()] = name
        return roles

    @model_validator(mode="after")
    def _own_tenant(self) -> "OrgMember":
        tenant = self.tenant
        if tenant is None:
            return self
        if "account_id" in tenant.model_fields_set and tenant.account_id != self.AccountId:
            raise ValueError(f"tenant.account_id {tenant.account_id} is not this member's AccountId "
                             f"{self.AccountId} (leave it out: it defaults to AccountId)")
        if tenant.organization is not None:
            raise ValueError("tenant.organization: a member account cannot hold a resource directory of its own")
        tenant.account_id = self.AccountId
        return self

    def role(self, name: str) -> Optional[MemberRole]:
        """RAM role names are matched without regard to case (UNCONFIRMED, docs/evidence.md)."""
        for key, role in self.roles.items():
            if key.lower() == name.lower():
                return role
        return None

    def role_name(self, name: str) -> str:
        return next((key for key in self.roles if key.lower() == name.lower()), name)


class Organization(BaseModel):
    """The Resource Directory the world's account manages."""
    model_config = ConfigDict(extra="forbid")
    resource_directory_id: str = Field("rd-emu01", pattern=r"^rd-[A-Za-z0-9]+$")
    root_folder_id: str = Field("r-emu001", pattern=r"^r-[A-Za-z0-9]+$")
    folders: List[Folder] = Field(default_factory=list)
    members: List[OrgMember] = Field(default_factory=list)

    @model_validator(mode="after")
    def _links(self) -> "Organization":
        ids = {f.FolderId for f in self.folders}
        if len(ids) != len(self.folders):
            raise ValueError("folders: a FolderId is given twice")
        for f in self.folders:
            if f.ParentFolderId not in (None, self.root_folder_id) and f.ParentFolderId not in ids:
                raise ValueError(f"folders: {f.FolderId}'s ParentFolderId {f.ParentFolderId} is neither "
                                 "a folder nor the root folder")
        seen = set()
        for i, m in enumerate(self.members):
            if m.AccountId in seen:
                raise ValueError(f"members.{i}.AccountId: {m.AccountId} is listed twice")
            seen.add(m.AccountId)
            folder = m.FolderId or self.root_folder_id
            if folder != self.root_folder_id and folder not in ids:
                raise ValueError(f"members.{i}.FolderId: {folder} is neither a folder nor the root folder")
            m.FolderId = folder
            m.ResourceDirectoryId = m.ResourceDirectoryId or self.resource_directory_id
            m.ResourceDirectoryPath = m.ResourceDirectoryPath or "/".join(
                [self.resource_directory_id, *self._folder_path(folder), m.AccountId])
        return self

    def _folder_path(self, folder: str) -> List[str]:
        parents = {f.FolderId: f.ParentFolderId for f in self.folders}
        path: List[str] = []
        while folder != self.root_folder_id and folder not in path:
            path.insert(0, folder)
            folder = parents.get(folder) or self.root_folder_id
        return [self.root_folder_id, *path]

    def member(self, account_id: str) -> Optional[OrgMember]:
        return next((m for m in self.members if m.AccountId == account_id), None)


OrgMember.model_rebuild()
World.model_rebuild()


class WorldError(ValueError):
    """A world file that does not validate; the message names each bad key and its line."""


def load_world(source: Union[str, Path, Dict[str, Any], World]) -> World:
    """Read a world from a path, YAML text, a dict or a World. A member's `tenant` given as a path is
    read relative to the file that names it (the working directory for text or a dict)."""
    if isinstance(source, World):
        return source
    if isinstance(source, dict):
        return _validate(_member_files(source, Path.cwd()), None)
    is_path = _is_path(source)
    text = Path(source).read_text(encoding="utf-8") if is_path else str(source)
    try:
        data = yaml.load(text, Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise WorldError(f"world is not valid YAML: {exc}") from exc
    base = Path(source).resolve().parent if is_path else Path.cwd()
    return _validate(_member_files(data, base), text)


def _member_files(data: Any, base: Path) -> Any:
    """Replace each member tenant given as a file path by the world read from it; a bad file is
    reported with the member's place and the file's own lines."""
    org = data.get("organization") if isinstance(data, dict) else None
    members = org.get("members") if isinstance(org, dict) else None
    if not isinstance(members, list) or not any(isinstance(m, dict) and isinstance(m.get("tenant"), str)
                                                for m in members):
        return data
    members = list(members)
    for i, member in enumerate(members):
        if not (isinstance(member, dict) and isinstance(member.get("tenant"), str)):
            continue
        path = (base / member["tenant"]).resolve()
        where = f"organization.members.{i}.tenant ({path})"
        if not path.is_file():
            raise WorldError(f"invalid world:\n  {where}: no such world file")
        try:
            tenant = load_world(path)
        except WorldError as exc:
            detail = str(exc).replace("invalid world:\n  ", "").replace("\n  ", "\n    ")
            raise WorldError(f"invalid world:\n  {where}: {detail}") from None
        members[i] = {**member, "tenant": tenant}
    return {**data, "organization": {**org, "members": members}}


def _is_path(source: Union[str, Path]) -> bool:
    return isinstance(source, Path) or ("\n" not in source and source.endswith((".yaml", ".yml")))


def _validate(data: Any, text: Optional[str]) -> World:
    try:
        return World.model_validate(data)
    except ValidationError as exc:
        root = yaml.compose(text, Loader=_Loader) if text else None
        lines = [_describe(err, root) for err in exc.errors()]
        raise WorldError("invalid world:\n  " + "\n  ".join(lines)) from None


def _describe(err: Dict[str, Any], root: Any) -> str:
    loc = [p for p in err["loc"]]
    path = ".".join(str(p) for p in loc)
    line = _line_of(root, loc) if root is not None else None
    where = f" (line {line})" if line else ""
    return f"{path}{where}: {err['msg']}"


def _line_of(node: Any, loc: List[Any]) -> Optional[int]:
    """Follow the error path through yaml nodes; the deepest node reached gives the line."""
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if k.value == str(part)]
            if not match:
                continue  # pydantic adds union-member names that are not keys
            key, node = match[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
    return line
