"""ActionTrail 2020-07-06: DescribeTrails, GetTrailStatus, LookupEvents (reference sections 7, 8), and the
writes StartLogging and StopLogging (each recorded as a write event, changes.py)."""
from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Callable, Dict, List, Optional, Tuple

from ..backend import format_time, parse_time
from ..changes import record_call, set_trail_logging
from ..exceptions import InvalidParameter, TrailNotFound
from ..protocol import get_bool, get_int, get_list, get_repeated, get_str
from .base import Call, page_by_token

HISTORY_DAYS = 90  # event history kept by ActionTrail
DEFAULT_WINDOW_DAYS = 7
MAX_RESULTS = 50
DEFAULT_RESULTS = 20  # the doc example; the real default is UNCONFIRMED

# "FAQ" below: How do I configure the LookupAttribute parameter when I call LookupEvents?
#   https://help.aliyun.com/zh/actiontrail/support/how-to-set-the-lookupattribute-parameter (key pairs)
#   https://www.alibabacloud.com/help/en/actiontrail/support/how-to-set-the-lookupattribute-parameter


def _text(value: Any) -> Optional[str]:
    """An event value as LookupAttribute compares it: exact and case-sensitive (FAQ, Limits).
    A JSON boolean is compared as its JSON text, "true"/"false"."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return None if value is None else str(value)


def _field(name: str) -> Callable[[Dict[str, Any]], Optional[str]]:
    return lambda e: _text(e.get(name))


def _identity(name: str) -> Callable[[Dict[str, Any]], Optional[str]]:
    return lambda e: _text((e.get("userIdentity") or {}).get(name))


def _role_name(event: Dict[str, Any]) -> Optional[str]:
    """RoleName: UNCONFIRMED which field it filters. The event-structure docs have no role-name
    field; the documented assumed-role sample (doc 286997) carries the role in userIdentity.userName
    as "<role name>:<session name>" with userIdentity.type "assumed-role", so that part is used."""
    ident = event.get("userIdentity") or {}
    if ident.get("type") != "assumed-role" or not isinstance(ident.get("userName"), str):
        return None
    return ident["userName"].split(":", 1)[0]


def _sensitive(event: Dict[str, Any]) -> Optional[str]:
    """SensitiveAction ("true" in the FAQ's key table): UNCONFIRMED which field it filters; no
    documented event field says whether an event is sensitive. The emulator reads a world-only
    event key `sensitiveAction` (a boolean or "true"/"false"); an event without it is "false"."""
    return _text(event.get("sensitiveAction", False))


# LookupAttribute keys -> the event field each filters (FAQ key table, plus PrincipalId, which the
# FAQ lists among the ServiceName combinations but not in the table). Field names from the
# management event structure (doc 28819) and the ConsoleSignin record (doc 286977).
_LOOKUP_KEYS: Dict[str, Callable[[Dict[str, Any]], Optional[str]]] = {
    "ServiceName": _field("serviceName"),
    "EventName": _field("eventName"),
    "User": _identity("userName"),  # "Caller name"; the RAM user's name in a ConsoleSignin record
    "PrincipalId": _identity("principalId"),
    "EventId": _field("eventId"),
    "ResourceType": _field("resourceType"),
    "ResourceName": _field("resourceName"),
    "EventRW": _field("eventRW"),
    "EventAccessKeyId": _identity("accessKeyId"),
    "SensitiveAction": _sensitive,
    "SourceIpAddress": _field("sourceIpAddress"),
    "EventType": _field("eventType"),
    "RoleName": _role_name,
}

# The key pairs the FAQ lists as combinable; the order of the two does not matter.
_PAIRS = frozenset(
    [frozenset(("ServiceName", k)) for k in ("EventName", "User", "PrincipalId", "RoleName", "ResourceName",
                                              "EventRW", "SensitiveAction", "EventType")]
    + [frozenset(("ResourceName", k)) for k in ("ResourceType", "EventName", "User", "RoleName", "ServiceName")]
    + [frozenset(("EventType", "EventName"))])

Condition = Tuple[str, str]


def _visible(call: Call, trail: Any) -> bool:
    """A shadow trail is a trail of another home region that covers this one."""
    return trail.TrailRegion in ("All", call.region.name)


def _organization_trails(call: Call, region: str) -> List[Any]:
    """The management account's multi-account trails with home region `region`, when the caller is a
    member of its resource directory (tenants.Directory.organization_trails); none otherwise."""
    directory = call.backend.directory
    if directory is None:
        return []
    return directory.organization_trails(call.backend.world.account_id, region)


def _home_trails(call: Call, region: str) -> List[Any]:
    """The trails whose home region is `region`, as this account sees them: its own, then the
    multi-account trails of its organization."""
    return list(call.backend.regions[region].trails) + _organization_trails(call, region)


def _trails(call: Call, shadows: bool, organization: bool) -> List[Tuple[Any, bool]]:
    found = [(t, False) for t in _home_trails(call, call.region.name)]
    if shadows:
        for name in call.backend.regions:
            if name != call.region.name:
                found += [(t, True) for t in _home_trails(call, name) if _visible(call, t)]
    return [(t, shadow) for t, shadow in found if organization or not t.IsOrganizationTrail]


def describe_trails(call: Call) -> Dict[str, Any]:
    """IncludeShadowTrails and IncludeOrganizationTrail both default to false (DescribeTrails
    request docs): a multi-account trail (IsOrganizationTrail true) is listed only when asked for.
    A member of a resource directory is also shown its management account's multi-account trails,
    answered as the management account has them (TrailArn, OrganizationId, Status...)."""
    shadows = bool(get_bool(call.params, "IncludeShadowTrails", False))
    organization = bool(get_bool(call.params, "IncludeOrganizationTrail", False))
    names = set(get_list(call.params, "NameList"))
    trails = [t.wire() for t, _ in _trails(call, shadows, organization) if not names or t.Name in names]
    return {"RequestId": call.request_id, "TrailList": trails}


def get_trail_status(call: Call) -> Dict[str, Any]:
    """IsOrganizationTrail (default false, "single-account trail", GetTrailStatus docs) must match
    the trail's kind, or the trail is not found (TrailNotFoundException). A member asking with
    IsOrganizationTrail=true is answered with its management account's multi-account trail's state.

    Only the trail's home region (the region whose world lists it) answers. The docs do not say
    whether another region answers for a trail: this is the stricter, UNCONFIRMED reading, chosen
    so that a caller asking the wrong region is caught."""
    name = get_str(call.params, "Name", required=True)
    organization = bool(get_bool(call.params, "IsOrganizationTrail", False))
    for trail in _home_trails(call, call.region.name):
        if trail.Name == name and bool(trail.IsOrganizationTrail) == organization:
            return {"RequestId": call.request_id, **trail.status.wire()}
    raise TrailNotFound()


def _own_trail(call: Call) -> Any:
    """The caller's own trail `Name` whose home region is this region; TrailNotFoundException otherwise
    (the StartLogging error table). A member cannot start or stop its management account's multi-account
    trail (it is not its own): UNCONFIRMED, as is that another region answers TrailNotFoundException."""
    name = get_str(call.params, "Name", required=True)
    for trail in call.region.trails:
        if trail.Name == name:
            return trail
    raise TrailNotFound()


def _set_logging(call: Call, logging: bool) -> Dict[str, Any]:
    """The trail's state as changes.set_trail_logging sets it; the call is recorded as a write event
    (serviceName Actiontrail) in the trail's home region, by the caller."""
    with call.backend.lock:
        trail = _own_trail(call)
        set_trail_logging(call.backend, trail, logging)
        record_call(call, request_parameters={"Name": trail.Name}, resource_name=trail.Name,
                    resource_type="ACS::ActionTrail::Trail", region=trail.HomeRegion or call.region.name)
    return {"RequestId": call.request_id}


def start_logging(call: Call) -> Dict[str, Any]:
    """StartLogging(Name): "Enables a trail to start delivering ActionTrail events" (API reference)."""
    return _set_logging(call, True)


def stop_logging(call: Call) -> Dict[str, Any]:
    """StopLogging(Name): the trail stops delivering events (API reference; the SDK sends it as a GET)."""
    return _set_logging(call, False)


def _attributes(call: Call) -> List[Condition]:
    """The first two LookupAttribute items, in index order ("If you configure more than two query
    conditions, the system queries data only based on the first two conditions", FAQ)."""
    found: List[Condition] = []
    for attr in get_repeated(call.params, "LookupAttribute")[:2]:
        key, value = attr.get("Key", ""), attr.get("Value", "")
        if key not in _LOOKUP_KEYS:
            raise InvalidParameter("LookupAttribute.N.Key", f"Unsupported key {key!r}.")
        found.append((key, value))
    return found


def _conditions(call: Call) -> List[Condition]:
    """The conditions applied, by the FAQ's Limits section:
    - two items with the same key: "returns only the results that match the second condition";
    - two items whose keys are a listed combination: both must match (AND);
    - any other pair: the FAQ does not say what happens; only the first condition is applied,
      the one reading that is safe to assume (UNCONFIRMED)."""
    found = _attributes(call)
    if len(found) < 2:
        return found
    (k1, _), (k2, _) = found
    if k1 == k2:
        return found[1:]
    if frozenset((k1, k2)) in _PAIRS:
        return found
    return found[:1]


def _matches(event: Dict[str, Any], conditions: List[Condition]) -> bool:
    return all(_LOOKUP_KEYS[key](event) == value for key, value in conditions)


def _window(call: Call, now: datetime) -> Tuple[datetime, datetime]:
    start_s, end_s = get_str(call.params, "StartTime"), get_str(call.params, "EndTime")
    try:
        end = parse_time(end_s) if end_s else now
        start = parse_time(start_s) if start_s else end - timedelta(days=DEFAULT_WINDOW_DAYS)
    except ValueError:
        raise InvalidParameter("StartTime", "Use the ISO-8601 form YYYY-MM-DDThh:mm:ssZ.") from None
    if start > end:
        raise InvalidParameter("StartTime", "StartTime must not be later than EndTime.")
    return max(start, now - timedelta(days=HISTORY_DAYS)), end


def _size(call: Call) -> int:
    size = get_int(call.params, "MaxResults", DEFAULT_RESULTS) or DEFAULT_RESULTS
    if not 0 <= size <= MAX_RESULTS:
        raise InvalidParameter("MaxResults", f"Valid values: 0 to {MAX_RESULTS}.")
    return size


def _raw(event: Any) -> Dict[str, Any]:
    """The stored event as a dict without a deep copy (extra keys live in __pydantic_extra__)."""
    return {**event.__dict__, **(event.__pydantic_extra__ or {})}


def _delivered(event: Any, now: datetime) -> bool:
    """An event recorded at run time is served once it is delivered: from its eventTime plus the world's
    actiontrail_delivery_seconds (ActionTrail: up to 10 minutes before an event can be queried)."""
    due = event._available_at
    return due is None or due <= now


def lookup_events(call: Call) -> Dict[str, Any]:
    now = call.backend.now()
    conditions, (start, end), size = _conditions(call), _window(call, now), _size(call)
    matched = [_raw(e) for t, e in call.region.events if start <= t <= end and _delivered(e, now)]
    matched = [e for e in matched if _matches(e, conditions)]
    direction = (get_str(call.params, "Direction") or "BACKWARD").upper()
    if direction == "FORWARD":
        matched.reverse()
    bound = {k: v for k, v in call.params.items() if k != "NextToken"}
    page, token = page_by_token(matched, get_str(call.params, "NextToken") or "", size, bound)
    body: Dict[str, Any] = {"RequestId": call.request_id, "StartTime": format_time(start),
                            "EndTime": format_time(end), "Events": list(page)}
    if token:
        body["NextToken"] = token  # absent on the last page
    return body


ROUTES = {
    ("2020-07-06", "DescribeTrails"): describe_trails,
    ("2020-07-06", "GetTrailStatus"): get_trail_status,
    ("2020-07-06", "LookupEvents"): lookup_events,
    ("2020-07-06", "StartLogging"): start_logging,
    ("2020-07-06", "StopLogging"): stop_logging,
}
