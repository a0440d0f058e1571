"""The run summary: what a run covered and how its findings came out, for people and for the next run."""

from __future__ import annotations

from collections import Counter
from datetime import datetime
from typing import Optional

from pydantic import Field

from dwdiag.models.common import Plain
from dwdiag.models.findings import Category, Finding, RiskLevel, Status


class Counts(Plain):
    by_status: dict[str, int] = Field(default_factory=dict)
    open_by_risk: dict[str, int] = Field(default_factory=dict)  # unwaived `fail` findings per risk level
    waived: int = 0  # fail or manual findings accepted by an unexpired waiver (still counted in by_status)

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

    def recount(self, findings: list[Finding]) -> None:
        """Counts again after the findings changed in place (waivers are applied after evaluation)."""
        self.totals = Counts.of(findings)
        self.by_category = {c.value: Counts.of([f for f in findings if f.category is c]) for c in self.categories}

    @classmethod
    def build(cls, findings: list[Finding], **fields) -> "RunSummary":
        categories = fields["categories"]
        return cls(
            findings=len(findings),
            totals=Counts.of(findings),
            by_category={c.value: Counts.of([f for f in findings if f.category is c]) for c in categories},
            **fields,
        )
