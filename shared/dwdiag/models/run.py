"""A run: its id, the evidence it judged, its findings and its summary."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Optional

from dwdiag.models.findings import Category, Finding
from dwdiag.models.snapshot import EvidenceSnapshot
from dwdiag.models.summary import RunSummary


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def new_run_id(started_at: datetime) -> str:
    return f"{started_at:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"


@dataclass
class RunResult:
    run_id: str
    snapshot: EvidenceSnapshot
    findings: list[Finding]
    summary: RunSummary
    categories: list[Category] = field(default_factory=list)

    @property
    def account_id(self) -> Optional[str]:
        """The account swept (None for a snapshot that does not say)."""
        return self.snapshot.account_id

    def document(self) -> dict:
        """The public JSON document of `dwdiag scan/evaluate/demo --format json`."""
        return {"run_id": self.run_id, "findings": [f.public() for f in self.findings]}
