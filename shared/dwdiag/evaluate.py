"""Evaluation: the rules of the chosen categories over an evidence snapshot, into findings and a summary."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Optional, Sequence

from dwdiag import catalog
from dwdiag.catalog import ItemMeta
from dwdiag.checks import Outcome, everything, load_all
from dwdiag.models.findings import Category, Finding, Status, fingerprint
from dwdiag.models.run import RunResult, new_run_id, utcnow
from dwdiag.models.snapshot import CategoryEvidence, EvidenceSnapshot
from dwdiag.models.summary import RunSummary
from dwdiag.redact import redact, redact_text
from dwdiag.settings import Settings
from dwdiag.waivers import Waiver, apply_waivers

log = logging.getLogger(__name__)

# When two outcomes land on one object (a duplicate name in an API answer), the worse one is kept.
SEVERITY = {Status.fail: 4, Status.error: 3, Status.manual: 2, Status.passed: 1, Status.not_applicable: 0}


def to_finding(meta: ItemMeta, settings: Settings, region: str, outcome: Outcome) -> Finding:
    obj = outcome.obj
    return Finding(
        item_id=meta.id, category=meta.category, status=outcome.status,
        risk_level=settings.risk_overrides.get(meta.id, meta.default_risk), region=region,
        object_type=obj.type, object_id=obj.id, object_name=obj.name, workspace_id=obj.workspace_id,
        result=redact_text(outcome.result), suggestion=meta.suggestion_with_link(),
        evidence=redact(outcome.evidence), fingerprint=fingerprint(meta.id, region, obj.type, obj.id),
    )


def evaluate_category(evidence: Optional[CategoryEvidence], category: Category, region: str,
                      settings: Settings, now: datetime) -> list[Finding]:
    rules = load_all()
    findings: dict[str, Finding] = {}
    for meta in catalog.items_for([category]):
        if not settings.item_enabled(meta.id):
            continue
        for outcome in _outcomes(meta, rules[meta.id], evidence, region, settings, now):
            finding = to_finding(meta, settings, region, outcome)
            kept = findings.get(finding.fingerprint)
            if kept is None or SEVERITY[finding.status] > SEVERITY[kept.status]:
                findings[finding.fingerprint] = finding
    return list(findings.values())


def _outcomes(meta: ItemMeta, fn, evidence, region: str, settings: Settings, now: datetime) -> list[Outcome]:
    scope = everything(meta.object_type, region)
    if evidence is None:
        return [Outcome(Status.error, scope, f"No {meta.category.value} evidence was collected for {region}, "
                        f"so {meta.title} was not checked.", {})]
    try:
        return fn(evidence, settings, now)
    except Exception as exc:  # one broken rule must not stop the other items
        log.exception("rule %s failed in %s", meta.id, region)
        return [Outcome(Status.error, scope, f"The check {meta.id} could not evaluate the evidence of {region} "
                        f"({type(exc).__name__}); this is a bug in dwdiag, please report it.", {})]


def evaluate(snapshot: EvidenceSnapshot, settings: Settings, *, categories: Optional[list[Category]] = None,
             regions: Optional[list[str]] = None, now: Optional[datetime] = None, source: str = "evaluate",
             run_id: Optional[str] = None, started_at: Optional[datetime] = None,
             waivers: Sequence[Waiver] = ()) -> RunResult:
    """Evaluate a snapshot, with the waivers that hold on the day evaluated for. `now` defaults to when
    the evidence was collected, so a re-run agrees."""
    started = started_at or utcnow()
    now = now or snapshot.collected_at
    categories = list(categories or settings.categories)
    chosen = [r for r in snapshot.regions if not regions or r.region in regions]
    problems = [f"region {r} is not in the evidence" for r in regions or [] if r not in
                {x.region for x in snapshot.regions}]
    findings: list[Finding] = []
    for region_ev in chosen:
        for category in categories:
            findings += evaluate_category(region_ev.for_category(category), category, region_ev.region,
                                          settings, now)
    if snapshot.account_id:
        for finding in findings:
            finding.account_id = snapshot.account_id
    if waivers:
        apply_waivers(findings, list(waivers), now.date())
    run_id = run_id or new_run_id(started)
    summary = RunSummary.build(
        findings, run_id=run_id, source=source, started_at=started, finished_at=utcnow(), evaluated_at=now,
        evidence_collected_at=snapshot.collected_at, regions=[r.region for r in chosen], categories=categories,
        problems=problems)
    return RunResult(run_id=run_id, snapshot=snapshot, findings=findings, summary=summary, categories=categories)
