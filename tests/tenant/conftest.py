"""Sweeps of the emulated demo tenant (the `tenant`/`emu` fixtures of tests/support/tenant.py), and what
the bundled evidence says each sweep must find."""

from __future__ import annotations

import pytest

from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from tests.support.tenant import statuses


@pytest.fixture(scope="session")
def expected(demo) -> dict[tuple[str, str, str], str]:
    """The demo world is built from the bundled evidence: a sweep of the emulated tenant must judge it the same way."""
    return statuses(evaluate(demo, Settings()))
