"""Rule of `platform_config`: ActionTrail must keep an audit trail of DataWorks operations."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from dwdiag.checks import Obj, Outcome, error, rule
from dwdiag.models.common import same
from dwdiag.models.findings import Status
from dwdiag.models.platform_config import PlatformConfigEvidence, Trail

PASS, FAIL, ERROR = Status.passed, Status.fail, Status.error


def _trail_gaps(trail: Trail) -> list[str]:
    """What keeps a trail from auditing everything; empty means it qualifies (logging aside)."""
    gaps = []
    if not same(trail.status, "Enable"):
        gaps.append(f"Status is {trail.status or 'not reported'}, not Enable")
    if not same(trail.event_rw, "All"):
        gaps.append(f"EventRW is {trail.event_rw or 'not reported'}, not All")
    if not same(trail.trail_region, "All"):
        gaps.append(f"TrailRegion is {trail.trail_region or 'not reported'}, not All")
    if not (trail.sls_project_arn or trail.oss_bucket_name):
        gaps.append("it delivers to neither SLS nor OSS")
    if trail.trail_status is not None and trail.trail_status.is_logging is not True:
        gaps.append("GetTrailStatus says it is not logging")
    return gaps


def _summary(trail: Trail) -> dict[str, Any]:
    return {
        "Name": trail.name, "Status": trail.status, "EventRW": trail.event_rw, "TrailRegion": trail.trail_region,
        "SlsProjectArn": trail.sls_project_arn, "OssBucketName": trail.oss_bucket_name,
        "IsLogging": trail.trail_status.is_logging if trail.trail_status else None,
        "status_error": trail.trail_status_error.describe() if trail.trail_status_error else None,
    }


@rule("actiontrail_audit")
def actiontrail_audit(ev: PlatformConfigEvidence, settings, now: datetime) -> list[Outcome]:
    obj = Obj("actiontrail", ev.region, f"ActionTrail in {ev.region}", None)
    if ev.trails_error:
        return [error(obj, ev.trails_error, "The ActionTrail audit trail")]
    evidence = {"trails": [_summary(t) for t in ev.trails]}
    gaps = {t.name: _trail_gaps(t) for t in ev.trails}
    good = [t for t in ev.trails if not gaps[t.name] and t.trail_status is not None]
    if good:
        return [Outcome(PASS, obj, f"Trail {good[0].name} records all events in all regions, is logging, and "
                        "delivers them for keeping.", evidence)]
    unsure: Optional[Trail] = next((t for t in ev.trails if not gaps[t.name] and t.trail_status_error), None)
    if unsure is not None:
        return [error(obj, unsure.trail_status_error, f"Whether trail {unsure.name} is logging")]
    if not ev.trails:
        return [Outcome(FAIL, obj, "No ActionTrail trail exists, so DataWorks operations are kept only in the "
                        "90-day event history.", evidence)]
    best = min(ev.trails, key=lambda t: len(gaps[t.name]))
    reasons = "; ".join(gaps[best.name]) or "its logging status was not collected"
    return [Outcome(FAIL, obj, f"No trail audits all DataWorks operations. Closest is {best.name}: {reasons}.",
                    evidence)]
