"""Fixtures: waiver files written on the fly, and a demo finding to waive (waiver_yaml, in
tests/support/waivers.py, makes the files' text)."""

from __future__ import annotations

import pytest

from dwdiag.models.findings import RiskLevel, Status
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings


@pytest.fixture
def write(tmp_path):
    def write(text: str, name: str = "waivers.yaml"):
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write


@pytest.fixture(scope="session")
def high_fail(demo):
    """A high-risk fail of the demo: above the default alert threshold, so only a waiver can hush it."""
    result = evaluate(demo, Settings())
    return next(f for f in result.findings if f.status is Status.fail and f.risk_level is RiskLevel.high)
