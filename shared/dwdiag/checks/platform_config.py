"""Rule of `platform_config`: ActionTrail must keep an audit trail of DataWorks operations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from dwdiag.checks import FAIL, PASS, Obj, Outcome, error, rule
from dwdiag.models.common import same
from dwdiag.models.platform_config import PlatformConfigEvidence, Trail

# What each reading asks of a trail (setting `trail_reading`), and where it comes from.
READINGS = {
    "strict": "an enabled trail that is logging, records all events in all regions and delivers them to SLS, "
              "OSS or MaxCompute (CIS Alibaba Cloud Foundations, Logging 1)",
    "intact": "an active trail that records all events in all regions (Cloud Config rule "
              "actiontrail-trail-intact-enabled)",
    "enabled": "an active trail (Cloud Config rule actiontrail-enabled)",
}


def _trail_gaps(trail: Trail, reading: str) -> list[str]:
    """What keeps a trail from meeting the reading; empty means it qualifies (logging aside)."""
    gaps = []
    if not same(trail.status, "Enable"):
        gaps.append(f"Status is {trail.status or 'not reported'}, not Enable")
    if reading in ("strict", "intact"):
        if not same(trail.event_rw, "All"):
            gaps.append(f"EventRW is {trail.event_rw or 'not reported'}, not All")
        if not same(trail.trail_region, "All"):
            gaps.append(f"TrailRegion is {trail.trail_region or 'not reported'}, not All")
    if reading == "strict" and not trail.destinations:
        gaps.append("it delivers to neither SLS, OSS nor MaxCompute")
    if trail.trail_status is not None and trail.trail_status.is_logging is not True:
        gaps.append("GetTrailStatus says it is not logging")
    return gaps


def _summary(trail: Trail) -> dict[str, Any]:
    summary = {
        "Name": trail.name, "HomeRegion": trail.home_region, "IsOrganizationTrail": trail.is_organization_trail,
        "Status": trail.status, "EventRW": trail.event_rw, "TrailRegion": trail.trail_region,
        "destinations": trail.destinations,
        "IsLogging": trail.trail_status.is_logging if trail.trail_status else None,
        "status_error": trail.trail_status_error.describe() if trail.trail_status_error else None,
    }
    # Who holds the trail, where it is known: a multi-account trail seen from a member is another account's.
    owner = {"OrganizationId": trail.organization_id, "TrailArn": trail.trail_arn, "owner_account": trail.owner_account}
    summary.update({k: v for k, v in owner.items() if v is not None})
    return summary


def _named(trail: Trail) -> str:
    """The trail as a result names it: a multi-account trail with its owner (the TrailArn's account,
    which for an organization's trail is its management account) and its resource directory."""
    if not trail.is_organization_trail:
        return f"trail {trail.name}"
    owner = f"owned by account {trail.owner_account}" if trail.owner_account else "owner not reported (no TrailArn)"
    directory = f", resource directory {trail.organization_id}" if trail.organization_id else ""
    return f"multi-account trail {trail.name} ({owner}{directory})"


@rule
def actiontrail_audit(ev: PlatformConfigEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#actiontrail_audit."""
    obj = Obj("actiontrail", ev.region, f"ActionTrail in {ev.region}", None)
    if ev.trails_error:
        return [error(obj, ev.trails_error, "The ActionTrail audit trail")]
    reading = settings.trail_reading
    evidence = {"reading": reading, "trails": [_summary(t) for t in ev.trails]}
    wanted = f"(reading {reading!r}: {READINGS[reading]})"
    # By position, not name: a member's own trail and its organization's trail may share a name.
    gaps = [_trail_gaps(t, reading) for t in ev.trails]
    good = [t for t, g in zip(ev.trails, gaps) if not g and t.trail_status is not None]
    if good:
        return [Outcome(PASS, obj, f"The {_named(good[0])} audits DataWorks operations {wanted}.", evidence)]
    unsure: Optional[Trail] = next((t for t, g in zip(ev.trails, gaps) if not g and t.trail_status_error), None)
    if unsure is not None:
        return [error(obj, unsure.trail_status_error, f"Whether the {_named(unsure)} is logging {wanted}",
                      **evidence)]
    if not ev.trails:
        return [Outcome(FAIL, obj, "No ActionTrail trail exists, so DataWorks operations are kept only in the "
                        f"90-day event history {wanted}.", evidence)]
    at = min(range(len(ev.trails)), key=lambda i: len(gaps[i]))
    reasons = "; ".join(gaps[at]) or "its logging status was not collected"
    return [Outcome(FAIL, obj, f"No trail audits all DataWorks operations {wanted}. Closest is the "
                    f"{_named(ev.trails[at])}: {reasons}.", evidence)]
