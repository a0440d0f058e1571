"""Changes to the world at run time, and the ActionTrail management events they leave.

Two sources of write events:
- the write API handlers (responses/: StartLogging, StopLogging, UpdateProjectBasicMeta, the RAM and IMS
  login-profile writes) record theirs with the calling key's identity (`record_call`);
- a test or a demo changes the world as someone would in the console or with another tool, through
  `Emulator.change(kind, ...)` or `POST /_emulator/changes` (`apply`, the KINDS below), which applies the
  change under `Backend.lock` and records the event that change leaves.

Each event goes into RegionState.events (newest first) of the region it names in `acsRegion`, with the
keys of ActionTrail's management event structure (doc 28819; docs/research-watch.md section 3), and is
served by LookupEvents once the service clock reaches its eventTime plus the world's
`actiontrail_delivery_seconds`. No event ever holds an AccessKey secret, an STS token or a password.
"""
from __future__ import annotations

import hashlib
import inspect
import uuid
from bisect import bisect_left
from datetime import timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple

from .backend import Backend, RegionState, format_time, parse_time
from .exceptions import new_request_id
from .objects import McProject, Member, Protection, Role, SecurityProperties, Workspace
from .protocol import VERSIONS
from .world import Event, StsToken, Trail

# serviceName by product (protocol.VERSIONS' product names), the one place these strings live.
# "Ram", "Ims" and "Actiontrail" are documented (sample events and Alibaba's own alert queries,
# docs/research-watch.md section 1). The DataWorks ("dataworks-public", its product code) and MaxCompute
# ("Odps") strings are UNCONFIRMED guesses: no stored doc names the serviceName of their events
# (docs/research-watch.md, section 1).
SERVICE_NAMES: Dict[str, str] = {
    "dataworks": "dataworks-public",  # UNCONFIRMED
    "maxcompute": "Odps",             # UNCONFIRMED
    "ram": "Ram",                     # RAM 2015-05-01 API calls
    "ims": "Ims",                     # RAM's IMS 2019-08-15 API calls
    "actiontrail": "Actiontrail",
}

# the API version an event of a run-time change names (the API that makes that change)
_API_VERSIONS = {"dataworks": "2020-05-18", "maxcompute": "2022-01-04", "actiontrail": "2020-07-06",
                 "ram": "2015-05-01", "ims": "2019-08-15"}
_GLOBAL = ("ram", "ims")  # global endpoints: the event is kept in the home region
SOURCE_IP = "203.0.113.10"  # TEST-NET-3: every event's sourceIpAddress

# DataWorks system roles: the Name ListProjectMembers serves with each Code (the first five as in
# worlds/demo.yaml; the names of role_project_pe, _security and _erd are UNCONFIRMED)
ROLE_NAMES = {"role_project_owner": "Workspace Owner", "role_project_admin": "Workspace Administrator",
              "role_project_dev": "Develop", "role_project_deploy": "Deploy", "role_project_pe": "O&M",
              "role_project_guest": "Visitor", "role_project_security": "Security Administrator",
              "role_project_erd": "Model Designer"}


# --- recording events -----------------------------------------------------------------------------

def _digits(text: str) -> str:
    """A stable 16-digit id for a name that has none in the world (a principalId)."""
    return str(int(hashlib.sha256(text.encode()).hexdigest(), 16))[:16]


def actor_identity(backend: Backend, actor: str) -> Dict[str, Any]:
    """userIdentity of a RAM user named `actor` of this account: its UserId when the world has the user,
    else a stable made-up one."""
    account = backend.world.account_id
    user = backend.ram_by_name.get(actor)
    return {"type": "ram-user", "userName": actor,
            "principalId": user.UserId if user is not None else _digits(f"{account}:{actor}"),
            "accountId": account}


def caller_identity(backend: Backend, access_key_id: str) -> Dict[str, Any]:
    """userIdentity of the caller signing with `access_key_id`, from the key's `identity`: an `Account`
    key is the root account, an STS token of an assumed role is "assumed-role" with userName
    "<role>:<session>" (as documented samples show); anything else is a "ram-user" named by its Arn
    (`...:user/<name>`) or by the RAM user with its UserId, else "unknown". accessKeyId is the key's id
    (an identifier, never its secret or token)."""
    account = backend.world.account_id
    key = backend.keys.get(access_key_id) if access_key_id else None
    if key is None:
        return {"type": "ram-user", "userName": "unknown", "principalId": _digits(f"{account}:unknown"),
                "accountId": account}
    ident = key.identity
    account = ident.AccountId or account
    arn = ident.Arn or ""
    found: Dict[str, Any]
    if ident.IdentityType == "Account" or arn.endswith(":root"):
        found = {"type": "root-account", "userName": "root", "principalId": account}
    elif isinstance(key, StsToken) and ":assumed-role/" in arn:
        role, _, session = arn.split(":assumed-role/", 1)[1].partition("/")
        found = {"type": "assumed-role", "userName": f"{role}:{session}",
                 "principalId": ident.PrincipalId or f"{ident.RoleId or _digits(role)}:{session}"}
    else:
        name = arn.split(":user/", 1)[1] if ":user/" in arn else None
        if name is None and ident.UserId:
            name = next((u.UserName for u in backend.ram_users if u.UserId == ident.UserId), None)
        found = {"type": "ram-user", "userName": name or "unknown",
                 "principalId": ident.PrincipalId or ident.UserId or _digits(f"{account}:{access_key_id}")}
    return {**found, "accountId": account, "accessKeyId": access_key_id}


def record_event(backend: Backend, product: str, name: str, *, region: str, identity: Dict[str, Any],
                 request_parameters: Dict[str, Any], resource_name: str, resource_type: str,
                 request_id: Optional[str] = None, api_version: Optional[str] = None) -> Dict[str, Any]:
    """Record one write ApiCall event of `product` (a SERVICE_NAMES key) in `region` and return it as
    LookupEvents serves it. Kept newest first; served from eventTime + actiontrail_delivery_seconds."""
    state = backend.region(region)
    now = backend.now()
    stamp = format_time(now)
    host = f"{product}.aliyuncs.com" if product in _GLOBAL else f"{product}.{state.name}.aliyuncs.com"
    record: Dict[str, Any] = {
        "eventId": str(uuid.uuid4()), "eventVersion": "1", "eventName": name, "eventType": "ApiCall",
        "eventRW": "Write", "eventTime": stamp, "eventSource": host, "serviceName": SERVICE_NAMES[product],
        "acsRegion": state.name, "requestId": request_id or new_request_id(), "sourceIpAddress": SOURCE_IP,
        "apiVersion": api_version or _API_VERSIONS[product], "userIdentity": dict(identity),
        "requestParameters": dict(request_parameters), "resourceName": resource_name,
        "resourceType": resource_type,
    }
    event = Event.model_validate(record)
    when = parse_time(stamp)
    event._available_at = when + timedelta(seconds=backend.world.actiontrail_delivery_seconds)
    with backend.lock:
        # a new list, not an insert: a LookupEvents reading the old one meanwhile is not disturbed
        events = list(state.events)
        # newest first; among events of the same second the one recorded last comes first
        at = bisect_left(events, -when.timestamp(), key=lambda pair: -pair[0].timestamp())
        events.insert(at, (when, event))
        state.events = events
    return _copy(record)


def _copy(record: Dict[str, Any]) -> Dict[str, Any]:
    return {k: dict(v) if isinstance(v, dict) else v for k, v in record.items()}


def record_call(call: Any, *, request_parameters: Dict[str, Any], resource_name: str, resource_type: str,
                region: Optional[str] = None) -> Dict[str, Any]:
    """The event of a write API call (a responses.base.Call) that succeeded: named after the action, by
    the caller, in the call's region (a global product's: the home region, unless `region` says)."""
    backend = call.backend
    product = VERSIONS[call.version]
    where = region or (backend.home_region if product in _GLOBAL else call.region.name)
    return record_event(backend, product, call.action, region=where,
                        identity=caller_identity(backend, call.access_key_id),
                        request_parameters=request_parameters, resource_name=resource_name,
                        resource_type=resource_type, request_id=call.request_id, api_version=call.version)


# --- shared write logic -----------------------------------------------------------------------------

def set_trail_logging(backend: Backend, trail: Trail, logging: bool) -> None:
    """StartLogging / StopLogging on a trail: GetTrailStatus IsLogging and Start/StopLoggingTime (UTC,
    YYYY-MM-DDThh:mm:ssZ), and DescribeTrails Status ("Enable: enabled", "Disable: disabled") and
    Start/StopLoggingTime. Starting a trail that logs (or stopping one that does not) changes nothing and
    succeeds (UNCONFIRMED)."""
    with backend.lock:
        if trail.status.IsLogging != logging:
            stamp = format_time(backend.now())
            trail.status.IsLogging = logging
            if logging:
                trail.status.StartLoggingTime = trail.StartLoggingTime = stamp
            else:
                trail.status.StopLoggingTime = trail.StopLoggingTime = stamp
        trail.Status = "Enable" if logging else "Disable"


# --- run-time changes ---------------------------------------------------------------------------------

def _text(value: Any, name: str) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError(f"{name} must be a non-empty string, not {value!r}")
    return value


def _int(value: Any, name: str) -> int:
    if isinstance(value, bool):
        raise ValueError(f"{name} must be an integer, not {value!r}")
    try:
        return int(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be an integer, not {value!r}") from None


def _bool(value: Any, name: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ValueError(f"{name} must be true or false, not {value!r}")


def _find(backend: Backend, pick: Any, what: str) -> Tuple[RegionState, Any]:
    """The first region whose `pick(state)` finds the object, and the object."""
    for state in backend.regions.values():
        found = pick(state)
        if found is not None:
            return state, found
    raise ValueError(f"no {what} in account {backend.world.account_id}")


def _workspace(backend: Backend, workspace_id: int) -> Tuple[RegionState, Workspace]:
    return _find(backend, lambda state: state.workspace_by_id.get(workspace_id), f"DataWorks workspace {workspace_id}")


def _mc_project(backend: Backend, name: str) -> Tuple[RegionState, McProject]:
    return _find(backend, lambda state: state.mc_by_name.get(name), f"MaxCompute project {name!r}")


def _trail(backend: Backend, name: str) -> Tuple[RegionState, Trail]:
    """The account's own trail (a member cannot stop its management account's multi-account trail)."""
    return _find(backend, lambda state: next((t for t in state.trails if t.Name == name), None), f"trail {name!r}")


def _member_change(backend: Backend, actor: str, workspace_id: Any, user_id: Any, role: Any,
                   user_name: Any, add: bool) -> Dict[str, Any]:
    ws_id, user, code = _int(workspace_id, "workspace_id"), _text(user_id, "user_id"), _text(role, "role")
    with backend.lock:
        state, ws = _workspace(backend, ws_id)
        member = next((m for m in ws.members if m.UserId == user), None)
        if add:
            if member is None:
                known = next((u.UserName for u in backend.ram_users if u.UserId == user), "")
                member = Member(UserId=user, UserName=_text(user_name, "user_name") if user_name else known)
                ws.members = [*ws.members, member]
            if code not in {r.Code for r in member.Roles}:
                # a role outside ROLE_NAMES (a custom role) is served with Name "" and Type System;
                # what DataWorks serves for custom roles is not modelled
                member.Roles = [*member.Roles, Role(Code=code, Name=ROLE_NAMES.get(code, ""))]
        else:
            if member is None:
                raise ValueError(f"DataWorks workspace {ws_id} has no member {user}")
            if code not in {r.Code for r in member.Roles}:
                raise ValueError(f"member {user} of DataWorks workspace {ws_id} has no role {code}")
            member.Roles = [r for r in member.Roles if r.Code != code]  # the member stays, maybe roleless
        return record_event(
            backend, "dataworks", "AddProjectMemberToRole" if add else "RemoveProjectMemberFromRole",
            region=state.name, identity=actor_identity(backend, actor),
            request_parameters={"ProjectId": ws_id, "UserId": user, "RoleCode": code},
            resource_name=str(ws_id), resource_type="ACS::DataWorks::Project")


def add_workspace_member_role(backend: Backend, actor: str, *, workspace_id: Any, user_id: Any,
                              role: Any = "role_project_admin", user_name: Any = None) -> Dict[str, Any]:
    """DataWorks AddProjectMemberToRole (2020-05-18): the member gets the role (ListProjectMembers serves
    it); a user not yet a member becomes one (UserName: `user_name`, else the RAM user's with that UserId)."""
    return _member_change(backend, actor, workspace_id, user_id, role, user_name, add=True)


def remove_workspace_member_role(backend: Backend, actor: str, *, workspace_id: Any, user_id: Any,
                                 role: Any = "role_project_admin") -> Dict[str, Any]:
    """DataWorks RemoveProjectMemberFromRole (2020-05-18): the member loses the role and stays a member."""
    return _member_change(backend, actor, workspace_id, user_id, role, None, add=False)


def set_project_protection(backend: Backend, actor: str, *, project: Any, protected: Any) -> Dict[str, Any]:
    """MaxCompute project protection on or off: GetProject (verbose) serves
    securityProperties.projectProtection.protected.

    eventName "UpdateProject" is UNCONFIRMED: the MaxCompute audit-log doc (164657) lists an "update
    MaxCompute project" event without naming it in the stored text (docs/research-watch.md section 2);
    a real change of protection is made with SQL (`set ProjectProtection=true`), whose event is not
    documented at all."""
    name, on = _text(project, "project"), _bool(protected, "protected")
    with backend.lock:
        state, found = _mc_project(backend, name)
        security = found.securityProperties or SecurityProperties()
        protection = security.projectProtection or Protection()
        protection.protected = on
        security.projectProtection = protection
        found.securityProperties = security
        return record_event(backend, "maxcompute", "UpdateProject", region=state.name,
                            identity=actor_identity(backend, actor), request_parameters={"projectName": name},
                            resource_name=name, resource_type="ACS::MaxCompute::Project")


def _logging(backend: Backend, actor: str, name: Any, logging: bool) -> Dict[str, Any]:
    trail_name = _text(name, "name")
    with backend.lock:
        state, trail = _trail(backend, trail_name)
        set_trail_logging(backend, trail, logging)
        return record_event(backend, "actiontrail", "StartLogging" if logging else "StopLogging",
                            region=trail.HomeRegion or state.name, identity=actor_identity(backend, actor),
                            request_parameters={"Name": trail_name}, resource_name=trail_name,
                            resource_type="ACS::ActionTrail::Trail")


def stop_logging(backend: Backend, actor: str, *, name: Any) -> Dict[str, Any]:
    """ActionTrail StopLogging on the account's own trail `name`, as the API handler does it."""
    return _logging(backend, actor, name, False)


def start_logging(backend: Backend, actor: str, *, name: Any) -> Dict[str, Any]:
    """ActionTrail StartLogging on the account's own trail `name`, as the API handler does it."""
    return _logging(backend, actor, name, True)


def disable_console_logon(backend: Backend, actor: str, *, user_name: Any) -> Dict[str, Any]:
    """IMS UpdateLoginProfile Status=Inactive: the RAM user's login profile is Inactive (IMS GetLoginProfile
    serves it). A user without a login profile has no console logon to disable: ValueError."""
    name = _text(user_name, "user_name")
    with backend.lock:
        user = backend.ram_by_name.get(name)
        if user is None:
            raise ValueError(f"no RAM user {name!r} in account {backend.world.account_id}")
        if user.login_profile is None:
            raise ValueError(f"RAM user {name!r} has no login profile (no console logon to disable)")
        user.login_profile.Status = "Inactive"
        user.login_profile.UpdateDate = format_time(backend.now())
        return record_event(backend, "ims", "UpdateLoginProfile", region=backend.home_region,
                            identity=actor_identity(backend, actor),
                            request_parameters={"UserName": name, "Status": "Inactive"},
                            resource_name=name, resource_type="ACS::RAM::User")


Change = Callable[..., Dict[str, Any]]
KINDS: Dict[str, Change] = {
    "add_workspace_member_role": add_workspace_member_role,
    "remove_workspace_member_role": remove_workspace_member_role,
    "set_project_protection": set_project_protection,
    "stop_logging": stop_logging,
    "start_logging": start_logging,
    "disable_console_logon": disable_console_logon,
}


def _parameters(change: Change) -> List[str]:
    return [p.name + ("" if p.default is inspect.Parameter.empty else "?")
            for p in inspect.signature(change).parameters.values() if p.kind is inspect.Parameter.KEYWORD_ONLY]


def apply(backend: Backend, kind: Any, actor: Any = "ops-alice", **params: Any) -> Dict[str, Any]:
    """Apply the change `kind` with `params` to this account's world, as `actor` (a RAM user name), and
    return the event it recorded. An unknown kind, a missing or unexpected parameter, or an object the
    world does not have: ValueError, and nothing changes."""
    change = KINDS.get(kind) if isinstance(kind, str) else None
    if change is None:
        raise ValueError(f"unknown change kind {kind!r} (kinds: {', '.join(KINDS)})")
    actor = _text(actor, "actor")
    try:
        inspect.signature(change).bind(backend, actor, **params)
    except TypeError as exc:
        raise ValueError(f"change {kind}: {exc} (parameters: {', '.join(_parameters(change))}; "
                         "? = optional)") from None
    return change(backend, actor, **params)
