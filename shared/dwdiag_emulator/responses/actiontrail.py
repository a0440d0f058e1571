"""ActionTrail 2020-07-06: DescribeTrails, GetTrailStatus, LookupEvents (reference sections 7, 8)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any, Callable, Dict, List, Tuple

from ..backend import format_time, parse_time
from ..exceptions import InvalidParameter, TrailNotFound
from ..protocol import get_bool, get_int, get_list, get_repeated, get_str
from .base import Call, page_by_token

HISTORY_DAYS = 90  # event history kept by ActionTrail
DEFAULT_WINDOW_DAYS = 7
MAX_RESULTS = 50
DEFAULT_RESULTS = 20  # the doc example; the real default is UNCONFIRMED


def _identity(field: str) -> Callable[[Dict[str, Any]], Any]:
    return lambda e: (e.get("userIdentity") or {}).get(field)


# LookupAttribute keys -> where the value sits in the raw event; matching is exact
_LOOKUP_KEYS: Dict[str, Callable[[Dict[str, Any]], Any]] = {
    "EventName": lambda e: e.get("eventName"),
    "User": _identity("userName"),
    "ServiceName": lambda e: e.get("serviceName"),
    "EventId": lambda e: e.get("eventId"),
    "EventRW": lambda e: e.get("eventRW"),
    "EventType": lambda e: e.get("eventType"),
    "EventAccessKeyId": _identity("accessKeyId"),
    "ResourceType": lambda e: e.get("resourceType"),
    "ResourceName": lambda e: e.get("resourceName"),
    "SourceIpAddress": lambda e: e.get("sourceIpAddress"),
}


def _visible(call: Call, trail: Any) -> bool:
    """A shadow trail is a trail of another home region that covers this one."""
    return trail.TrailRegion in ("All", call.region.name)


def _trails(call: Call, shadows: bool) -> List[Tuple[Any, bool]]:
    found = [(t, False) for t in call.region.trails]
    if shadows:
        for name, state in call.backend.regions.items():
            if name != call.region.name:
                found += [(t, True) for t in state.trails if _visible(call, t)]
    return found


def describe_trails(call: Call) -> Dict[str, Any]:
    shadows = bool(get_bool(call.params, "IncludeShadowTrails", False))
    names = set(get_list(call.params, "NameList"))
    trails = [t.wire() for t, _ in _trails(call, shadows) if not names or t.Name in names]
    return {"RequestId": call.request_id, "TrailList": trails}


def get_trail_status(call: Call) -> Dict[str, Any]:
    name = get_str(call.params, "Name", required=True)
    for trail, _ in _trails(call, shadows=True):
        if trail.Name == name:
            return {"RequestId": call.request_id, **trail.status.wire()}
    raise TrailNotFound(f"The trail {name} does not exist.")


def _conditions(call: Call) -> Dict[str, str]:
    conditions: Dict[str, str] = {}
    for attr in get_repeated(call.params, "LookupAttribute"):
        key, value = attr.get("Key", ""), attr.get("Value", "")
        if key not in _LOOKUP_KEYS:
            raise InvalidParameter("LookupAttribute.N.Key", f"Unsupported key {key!r}.")
        conditions[key] = value  # a repeated key keeps only the last value
    if len(conditions) > 2:
        raise InvalidParameter("LookupAttribute", "At most two lookup attributes are allowed.")
    return conditions


def _window(call: Call) -> Tuple[Any, Any]:
    now = call.backend.now()
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


def lookup_events(call: Call) -> Dict[str, Any]:
    conditions, (start, end), size = _conditions(call), _window(call), _size(call)
    direction = (get_str(call.params, "Direction") or "BACKWARD").upper()
    matched = [_raw(e) for t, e in call.region.events if start <= t <= end]
    matched = [e for e in matched
               if all(_LOOKUP_KEYS[k](e) == v for k, v in conditions.items())]
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
}
