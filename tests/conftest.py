"""Shared fixtures: the bundled demo snapshot and a clean DWDIAG_* environment.

The helpers and fixtures the test packages share live in tests/support/ (never in a test module or a
conftest, which no test imports; tests/test_test_layout.py checks that). The support modules that hold
fixtures are plugins, so their fixtures are there for every test without an import:
- tests/support/tenant.py: `tenant`, `emu` (the emulated demo tenant);
- tests/support/oss.py: `moto_server`, `s3`, `bucket`, `oss_store` (moto standing in for OSS);
- tests/support/cloud.py: `moto`, `cloud` (what a deployed FC handler reaches).
A package's conftest.py holds the fixtures only that package uses, and may override these (tests/clients'
`emu` is its own emulator).
"""

from __future__ import annotations

import os

import pytest

from dwdiag.cli import demo_snapshot

# Before any support module is imported: their asserts (tests/support/ocsf.py's) report like a test's.
pytest.register_assert_rewrite("tests.support")

pytest_plugins = ["tests.support.tenant", "tests.support.oss", "tests.support.cloud"]


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
