"""A live sweep of the emulated demo tenant, in process, with the unchanged official SDKs."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Iterator, Optional

import pytest

from dwdiag.clients.retry import RetryPolicy
from dwdiag.demo.live import DEMO_CREDENTIALS, demo_tenant, endpoints_for
from dwdiag.evaluate import evaluate
from dwdiag.models.run import RunResult
from dwdiag import pipeline
from dwdiag.sweep import Sweep
from dwdiag.settings import Settings

WORLD_NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="session")
def tenant() -> Iterator:
    with demo_tenant() as emulator:
        yield emulator


@pytest.fixture
def emu(tenant):
    tenant.clear_faults()
    tenant.clear_quotas()
    tenant.clear_requests()
    # The demo world's standing faults are part of the tenant; keep them between tests.
    for fault in tenant.world.faults:
        tenant.controls.add_fault(fault.model_copy())
    yield tenant
    tenant.clear_faults()
    tenant.clear_requests()


def sweep(emulator, settings: Optional[Settings] = None, categories=None, **retry) -> RunResult:
    settings = settings or Settings(regions=list(emulator.endpoints))
    policy = {"base_delay": 0.001, "max_attempts": 3, **retry}
    s = Sweep(settings, DEMO_CREDENTIALS, endpoints_for(emulator),
              retry=lambda deadline: RetryPolicy(deadline=deadline, **policy))
    return pipeline.run(settings, source="scan", regions=list(emulator.endpoints), categories=categories, sweep=s, now=WORLD_NOW)


def statuses(result: RunResult) -> dict[tuple[str, str, str], str]:
    return {(f.item_id, f.region, f.object_id): f.status.value for f in result.findings}


@pytest.fixture(scope="session")
def expected(demo) -> dict[tuple[str, str, str], str]:
    """The demo world is built from the bundled evidence: a live sweep must judge it the same way."""
    return statuses(evaluate(demo, Settings()))
