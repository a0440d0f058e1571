"""Findings as OCSF 1.1.0 Detection Finding events (class_uid 2004, category Findings).

Field meanings follow the OCSF schema (ocsf/ocsf-schema: events/findings/finding.json,
detection_finding.json, events/base_event.json; objects finding_info, metadata, product,
resource_details, remediation, cloud) and the 1.1.0 models Prowler's OCSF output is built on
(prowler-cloud/py-ocsf-models). What is ours and has no OCSF field goes under `unmapped`.

Lifecycle: a fail is New (activity Create) the first time and In Progress (activity Update) while it
stays open; a waived finding is Suppressed (reviewed and accepted); a pass is Resolved, with activity
Close when it was open last run; `manual` is New (a person must review it); `error` and
`not_applicable` have no OCSF status, so they are Other (99) with our label in `status`.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from dwdiag import __version__, catalog
from dwdiag.models.findings import Finding, RiskLevel, Status

OCSF_VERSION = "1.1.0"
CLASS_UID, CLASS_NAME = 2004, "Detection Finding"
CATEGORY_UID, CATEGORY_NAME = 2, "Findings"
CREATE, UPDATE, CLOSE = 1, 2, 3
ACTIVITY_NAMES = {CREATE: "Create", UPDATE: "Update", CLOSE: "Close"}
NEW, IN_PROGRESS, SUPPRESSED, RESOLVED, OTHER = 1, 2, 3, 4, 99
STATUS_NAMES = {NEW: "New", IN_PROGRESS: "In Progress", SUPPRESSED: "Suppressed", RESOLVED: "Resolved"}
SEVERITY = {RiskLevel.low: (2, "Low"), RiskLevel.medium: (3, "Medium"), RiskLevel.high: (4, "High")}
OTHER_STATUS = {Status.error: "Error", Status.not_applicable: "Not Applicable"}
PRODUCT = {"name": "dwdiag", "vendor_name": "dwdiag", "uid": "dwdiag", "version": __version__}
PROVIDER = "Alibaba Cloud"
ANALYTIC_RULE = 1  # analytic.type_id 1 = Rule: each item is a fixed rule over collected evidence


def epoch_ms(moment: datetime) -> int:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


def _parse_time(text: Optional[str]) -> Optional[int]:
    if not text:
        return None
    try:
        return epoch_ms(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return None


def lifecycle(f: Finding) -> tuple[int, int, str]:
    """(activity_id, status_id, status) for a finding."""
    activity = UPDATE if f.state == "existing" else CREATE
    if f.waived:
        return activity, SUPPRESSED, STATUS_NAMES[SUPPRESSED]
    if f.status is Status.fail:
        status_id = IN_PROGRESS if f.state == "existing" else NEW
        return activity, status_id, STATUS_NAMES[status_id]
    if f.status is Status.passed:
        return (CLOSE if f.state == "resolved" else CREATE), RESOLVED, STATUS_NAMES[RESOLVED]
    if f.status is Status.manual:
        return CREATE, NEW, STATUS_NAMES[NEW]
    return CREATE, OTHER, OTHER_STATUS[f.status]


def event(f: Finding, *, run_id: str, evaluated_at: datetime) -> dict[str, Any]:
    meta = catalog.get(f.item_id)
    activity_id, status_id, status = lifecycle(f)
    severity_id, severity = SEVERITY[f.risk_level]
    seen = epoch_ms(evaluated_at)
    info: dict[str, Any] = {
        "uid": f.fingerprint, "title": meta.title, "desc": f.result,
        "analytic": {"uid": meta.id, "name": meta.id, "type_id": ANALYTIC_RULE, "type": "Rule"},
        "types": [f.category.title], "last_seen_time": seen,
    }
    first_seen = _parse_time(f.first_seen)
    if first_seen is not None:
        info["first_seen_time"] = first_seen
    resource: dict[str, Any] = {"uid": f.object_id, "type": f.object_type, "name": f.object_name,
                                "region": f.region}
    if f.workspace_id:
        resource["group"] = {"uid": f.workspace_id, "type": "dataworks_workspace"}
        resource["data"] = {"workspace_id": f.workspace_id}
    unmapped = {
        "item_id": f.item_id, "category": f.category.value, "status": f.status.value,
        "risk_level": f.risk_level.value, "workspace_id": f.workspace_id, "run_id": run_id,
        "evidence": f.evidence.to_dict(), "state": f.state, "first_seen": f.first_seen, "regression": f.regression,
        "waived": f.waived, "waiver": f.waiver.model_dump(mode="json") if f.waiver else None,
        "remediation": f.remediation.model_dump(mode="json", exclude_none=True) if f.remediation else None,
    }
    references = [meta.doc_url] + [s.doc for s in (f.remediation.steps if f.remediation else [])]
    return {
        "class_uid": CLASS_UID, "class_name": CLASS_NAME,
        "category_uid": CATEGORY_UID, "category_name": CATEGORY_NAME,
        "activity_id": activity_id, "activity_name": ACTIVITY_NAMES[activity_id],
        "type_uid": CLASS_UID * 100 + activity_id, "type_name": f"{CLASS_NAME}: {ACTIVITY_NAMES[activity_id]}",
        "time": seen,
        "severity_id": severity_id, "severity": severity,
        "status_id": status_id, "status": status, "status_code": f.status.value, "status_detail": f.result,
        "message": f.result,
        # metadata.uid names this event (one run's report of the finding); finding_info.uid is the finding.
        "metadata": {"version": OCSF_VERSION, "product": dict(PRODUCT), "uid": f"{run_id}/{f.fingerprint}",
                     "event_code": f.item_id, "correlation_uid": run_id, "profiles": ["cloud"]},
        "finding_info": info,
        "resources": [resource],
        "remediation": {"desc": meta.suggestion, "references": list(dict.fromkeys(references))},
        "cloud": {"provider": PROVIDER, "region": f.region,
                  **({"account": {"uid": f.account_id, "type_id": 99, "type": "Alibaba Cloud account"}} if f.account_id else {})},
        "unmapped": {k: v for k, v in unmapped.items() if v is not None},
    }


def events(findings: list[Finding], *, run_id: str, evaluated_at: datetime) -> list[dict[str, Any]]:
    return [event(f, run_id=run_id, evaluated_at=evaluated_at) for f in findings]
