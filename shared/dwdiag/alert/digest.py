"""What one alert is about: the changes of one run in one region, already filtered by the caller."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from dwdiag.models.findings import Finding


@dataclass
class AlertDigest:
    run_id: str
    region: str
    categories: list[str]
    open_by_risk: dict[str, int]      # current fail counts per risk level ("high", "medium", "low")
    new: list[Finding]                # new or regressed fails at or above the alert threshold
    regressed: set[str]               # fingerprints among `new` that passed last run
    resolved: list[Finding]           # failed last run, pass or gone now (the previous finding)
    errors: int                       # `error` results this run: checks that could not conclude
    report_location: str              # oss:// URL, presigned https URL or local path
    at_mobiles: list[str] = field(default_factory=list)  # @ these when a new finding is high risk
    account_id: Optional[str] = None  # the account swept, named in an organization run's messages
    triggers: list[str] = field(default_factory=list)  # a watch's: the events that made it re-check

    def has_changes(self) -> bool:
        return bool(self.new or self.resolved)
