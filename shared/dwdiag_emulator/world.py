"""The world file: top level, ActionTrail, RAM, credentials, quotas, faults, and the loader.

A bad world raises WorldError naming each bad key with its line (from yaml's node marks).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Dict, List, Literal, Optional, Union

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .objects import McProject, SecurityStrategy, Wire, Workspace, hidden

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
    """A raw ActionTrail event: served as stored; these keys are needed to filter and page."""
    model_config = ConfigDict(extra="allow")
    eventId: str
    eventName: str
    eventTime: str


# --- RAM, STS, credentials -----------------------------------------------------------------

class RamUser(Wire):
    """A RAM user; no LastLoginDate = never logged on with a password (GetUser then serves "")."""
    UserId: str
    UserName: str
    DisplayName: Optional[str] = None
    CreateDate: Optional[str] = None
    UpdateDate: Optional[str] = None
    LastLoginDate: Optional[str] = None
    Comments: Optional[str] = None
    Email: Optional[str] = None
    MobilePhone: Optional[str] = None


class Identity(Wire):
    """What STS GetCallerIdentity answers for a credential."""
    AccountId: Optional[str] = None
    UserId: Optional[str] = None
    PrincipalId: Optional[str] = None
    Arn: Optional[str] = None
    IdentityType: str = "RAMUser"
    RoleId: Optional[str] = None


class AccessKey(BaseModel):
    model_config = ConfigDict(extra="forbid")
    AccessKeyId: str
    AccessKeySecret: str
    Status: Literal["Active", "Inactive"] = "Active"
    identity: Identity = Field(default_factory=Identity)


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

    def region_names(self) -> List[str]:
        names = list(self.regions) or ["cn-hangzhou"]
        if self.default_region and self.default_region not in names:
            names.insert(0, self.default_region)
        return names

    def home_region(self) -> str:
        return self.default_region or self.region_names()[0]


class WorldError(ValueError):
    """A world file that does not validate; the message names each bad key and its line."""


def load_world(source: Union[str, Path, Dict[str, Any], World]) -> World:
    """Read a world from a path, YAML text, a dict or a World."""
    if isinstance(source, World):
        return source
    if isinstance(source, dict):
        return _validate(source, None)
    text = Path(source).read_text(encoding="utf-8") if _is_path(source) else str(source)
    try:
        data = yaml.load(text, Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise WorldError(f"world is not valid YAML: {exc}") from exc
    return _validate(data, text)


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
