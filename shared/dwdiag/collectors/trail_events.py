"""ActionTrail write events of a region in a time window, for the watch (dwdiag/watch).

One LookupEvents query per service name, with the documented pair of conditions `ServiceName` and
`EventRW=Write` (ActionTrail FAQ, "How do I configure the LookupAttribute parameter"), paged by NextToken.
The service's answer is trusted only as far as it goes: an event that is not a write of the service asked
for is dropped here, whatever the service did with the conditions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from dwdiag.clients.errors import ClientError
from dwdiag.clients.session import Session
from dwdiag.collectors.base import call_error
from dwdiag.models.common import CallError


@dataclass
class WriteEvents:
    events: list[dict[str, Any]] = field(default_factory=list)
    errors: list[CallError] = field(default_factory=list)  # a service whose events could not be read


def write_events(session: Session, services: list[str], start: str, end: str) -> WriteEvents:
    """The write events of `services` between `start` and `end` (ISO-8601 UTC, seconds), oldest first."""
    found = WriteEvents()
    for service in services:
        attributes = [{"Key": "ServiceName", "Value": service}, {"Key": "EventRW", "Value": "Write"}]
        try:
            events = session.client("actiontrail").collect("lookup_events", LookupAttribute=attributes,
                                                           StartTime=start, EndTime=end)
        except ClientError as err:
            found.errors.append(call_error(err, session.region))
            continue
        if any(not isinstance(e, dict) for e in events or []):
            found.errors.append(CallError(product="actiontrail", operation="LookupEvents", code="MalformedResponse",
                                          message=f"an event of {service} is not an object", region=session.region))
            continue
        found.events += [e for e in events or [] if e.get("serviceName") == service
                         and str(e.get("eventRW", "Write")) == "Write" and e.get("eventId")]
    found.events.sort(key=lambda e: (str(e.get("eventTime", "")), str(e.get("eventId"))))
    return found
