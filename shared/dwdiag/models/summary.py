"""The run summary: what a run covered and how its findings came out, for people and for the next run."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Any, Optional

from pydantic import Field

from dwdiag.models.common import Plain
from dwdiag.models.findings import Category, Finding, RiskLevel, Status


class Counts(Plain):
    by_status: dict[str, int] = Field(default_factory=dict)
    open_by_risk: dict[str, int] = Field(default_factory=dict)  # unwaived `fail` findings per risk level
    waived: int = 0  # fail or manual findings accepted by an unexpired waiver (still counted in by_status)

    @classmethod
    def total(cls, parts: list["Counts"]) -> "Counts":
        def add(field: str) -> dict[str, int]:
            out: dict[str, int] = {}
            for part in parts:
                for key, n in getattr(part, field).items():
                    out[key] = out.get(key, 0) + n
            return out

        return cls(by_status=add("by_status"), open_by_risk=add("open_by_risk"), waived=sum(p.waived for p in parts))

    @classmethod
    def of(cls, findings: list[Finding]) -> "Counts":
        statuses = Counter(f.status.value for f in findings)
        risks = Counter(f.risk_level.value for f in findings if f.status is Status.fail and not f.waived)
        return cls(by_status={s.value: statuses.get(s.value, 0) for s in Status},
                   open_by_risk={r.value: risks.get(r.value, 0) for r in RiskLevel},
                   waived=sum(1 for f in findings if f.waived))


class RunSummary(Plain):
    run_id: str
    source: str  # "scan", "demo" or "evaluate"
    account_id: Optional[str] = None  # the account swept (a part's, or the run's when it has one only)
    started_at: datetime
    finished_at: datetime
    evaluated_at: datetime  # the `now` the rules were given
    evidence_collected_at: Optional[datetime] = None
    regions: list[str]
    categories: list[Category]
    findings: int
    totals: Counts
    by_category: dict[str, Counts]
    problems: list[str] = Field(default_factory=list)  # run-level trouble a reader should know about
    calls: dict[str, int] = Field(default_factory=dict)  # API calls per action (every attempt)
    throttled: dict[str, int] = Field(default_factory=dict)  # throttled answers per action
    changes: dict[str, int] = Field(default_factory=dict)  # new, existing, resolved, regressions vs the last run
    alerts: dict[str, str] = Field(default_factory=dict)  # region -> sent, unchanged, failed: ..., pending
    timings: dict[str, float] = Field(default_factory=dict)  # seconds per phase: collect, evaluate, publish, alert
    # Per region, what the sweep had to collect when this piece started and the calls and time that took at least.
    plan: dict[str, dict[str, float]] = Field(default_factory=dict)
    # A fanned-out run: which region shards are expected, finished and missing (the summary adds theirs up).
    shards: Optional[dict[str, list[str]]] = None
    # An organization run: each account with its name and status in the directory and what became of it
    # (swept, skipped for its status, or its role could not be assumed), and its findings' counts.
    accounts: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @classmethod
    def combine(cls, parts: list["RunSummary"], shards: Optional[dict[str, list[str]]],
                organization: bool = False) -> "RunSummary":
        """One summary for the shards of a fanned-out run (one region each), from their own summaries."""
        first = parts[0]

        def added(field: str) -> dict[str, int]:
            out: dict[str, int] = {}
            for part in parts:
                for key, n in getattr(part, field).items():
                    out[key] = out.get(key, 0) + n
            return dict(sorted(out.items()))

        categories = list(dict.fromkeys(c for p in parts for c in p.categories))
        owners = {p.account_id for p in parts}
        accounts: dict[str, dict[str, Any]] = {}
        for part in parts:
            for account, about in part.accounts.items():
                accounts.setdefault(account, {}).update(about)
        for part in parts:
            if part.account_id and (len(owners) > 1 or accounts or organization):
                about = accounts.setdefault(part.account_id, {})
                about["findings"] = about.get("findings", 0) + part.findings
                about["totals"] = Counts.total([Counts.model_validate(about["totals"]), part.totals]).model_dump() \
                    if "totals" in about else part.totals.model_dump()
        return cls(
            run_id=first.run_id, source=first.source, account_id=first.account_id if len(owners) == 1 else None,
            accounts=dict(sorted(accounts.items())), started_at=min(p.started_at for p in parts),
            finished_at=max(p.finished_at for p in parts), evaluated_at=first.evaluated_at,
            evidence_collected_at=min((p.evidence_collected_at for p in parts if p.evidence_collected_at),
                                      default=None),
            regions=sorted({r for p in parts for r in p.regions}), categories=categories,
            findings=sum(p.findings for p in parts), totals=Counts.total([p.totals for p in parts]),
            by_category={c.value: Counts.total([p.by_category[c.value] for p in parts if c.value in p.by_category])
                         for c in categories},
            problems=[f"{_where(p, len(owners) > 1)}: {problem}" for p in parts for problem in p.problems],
            calls=added("calls"), throttled=added("throttled"), changes=added("changes"),
            alerts={k: v for p in parts for k, v in p.alerts.items()}, shards=shards)

    @classmethod
    def build(cls, findings: list[Finding], **fields) -> "RunSummary":
        categories = fields["categories"]
        return cls(
            findings=len(findings),
            totals=Counts.of(findings),
            by_category={c.value: Counts.of([f for f in findings if f.category is c]) for c in categories},
            **fields,
        )


def _where(part: "RunSummary", accounts: bool) -> str:
    regions = ", ".join(part.regions)
    return f"{part.account_id} {regions}" if accounts and part.account_id else regions
