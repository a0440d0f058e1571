"""Shared fixtures: the bundled demo snapshot and a clean DWDIAG_* environment."""

from __future__ import annotations

import os

import pytest

from dwdiag.cli import demo_snapshot


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    # A developer's own DWDIAG_* or ALIBABA_CLOUD_* settings must not change what the tests see.
    for name in list(os.environ):
        if name.startswith(("DWDIAG_", "ALIBABA_CLOUD_")):
            monkeypatch.delenv(name, raising=False)
    # The client-side rate limits are the real quotas (DataWorks 50 calls a second, ActionTrail lookups 2):
    # every sweep of the demo tenant would wait on them for seconds. The limiter has its own tests
    # (tests/clients) and the benchmark runs at the real quotas; elsewhere they are lifted.
    for family in ("DATAWORKS", "MAXCOMPUTE", "ACTIONTRAIL_LOOKUP", "RAM"):
        monkeypatch.setenv(f"DWDIAG_QPS_{family}", "1000")


@pytest.fixture(scope="session")
def demo():
    return demo_snapshot()
