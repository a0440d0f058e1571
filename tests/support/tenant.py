"""The emulated demo tenant, swept in process with the unchanged official SDKs (a pytest plugin: the
`tenant` and `emu` fixtures), `sweep()` and `statuses()`, and the demo world with canaries planted in
every secret it holds."""

from __future__ import annotations

import functools
import json
import threading
from importlib import resources
from typing import Iterator, Optional

import pytest
import yaml

from dwdiag import pipeline
from dwdiag.clients.retry import RetryPolicy
from dwdiag.demo.live import DEMO_CREDENTIALS, demo_tenant, endpoints_for
from dwdiag.models.run import RunResult
from dwdiag.settings import Settings
from dwdiag.sweep import Sweep
from tests.support.paths import WORLD_NOW


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


@pytest.fixture
def scan_env(emu, monkeypatch):
    """`dwdiag scan` pointed at the emulated tenant through the environment alone, as a user would, at
    the world's time, with fast retries (the demo's standing throttling faults never clear)."""
    for product in ("DATAWORKS", "MAXCOMPUTE", "ACTIONTRAIL", "RAM", "STS"):
        monkeypatch.setenv(f"DWDIAG_ENDPOINT_{product}", json.dumps({r: emu.url(r) for r in emu.endpoints}))
    monkeypatch.setenv("DWDIAG_REGIONS", ",".join(emu.endpoints))
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AKIDdemo")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "demoSecret")
    monkeypatch.setattr("dwdiag.pipeline.utcnow", lambda: WORLD_NOW)
    monkeypatch.setattr("dwdiag.sweep.RetryPolicy", functools.partial(RetryPolicy, base_delay=0.001, max_attempts=3))
    return emu


def sweep(emulator, settings: Optional[Settings] = None, categories=None, **retry) -> RunResult:
    settings = settings or Settings(regions=list(emulator.endpoints))
    policy = {"base_delay": 0.001, "max_attempts": 3, **retry}
    s = Sweep(settings, DEMO_CREDENTIALS, endpoints_for(emulator),
              retry=lambda deadline: RetryPolicy(deadline=deadline, **policy))
    return pipeline.run(settings, source="scan", regions=list(emulator.endpoints), categories=categories, sweep=s, now=WORLD_NOW)


def statuses(result: RunResult) -> dict[tuple[str, str, str], str]:
    return {(f.item_id, f.region, f.object_id): f.status.value for f in result.findings}


# Canaries: values planted in every secret the sweep can see; none may come out anywhere.
CANARIES = {
    "ak_secret": "CANARY-ak-secret-7f3a9",
    "sts_token": "CANARY-sts-token-41c2e",
    "ds_password": "CANARY-ds-password-9b1d",
    "ds_access_key": "CANARY-ds-accesskey-c07e",
    "ds_string_password": "CANARY-ds-json-string-pw-55aa",
}


def canary_world() -> dict:
    text = resources.files("dwdiag_emulator.worlds").joinpath("demo.yaml").read_text()
    world = yaml.safe_load(text)
    world["credentials"]["sts_tokens"] = [{"AccessKeyId": "STS.canary", "AccessKeySecret": CANARIES["ak_secret"],
                                           "SecurityToken": CANARIES["sts_token"]}]
    hz = world["regions"]["cn-hangzhou"]["dataworks"]["workspaces"]
    retail = next(w for w in hz if w["Id"] == 10001)
    mysql = next(d for d in retail["data_sources"] if d["Name"] == "mysql_orders")
    mysql["DataSource"][0]["ConnectionProperties"]["password"] = CANARIES["ds_password"]
    oss = next(d for d in retail["data_sources"] if d["Name"] == "oss_raw")
    oss["DataSource"][0]["ConnectionProperties"]["accessKey"] = CANARIES["ds_access_key"]
    props = dict(mysql["DataSource"][1]["ConnectionProperties"], password=CANARIES["ds_string_password"])
    mysql["DataSource"][1]["ConnectionProperties"] = json.dumps(props)
    # Failures too, so error paths and their messages are searched as well.
    world.setdefault("faults", []).extend([
        {"actions": ["ListProjectMembers"], "kind": "forbidden"},
        {"product": "maxcompute", "actions": ["GetProject"], "kind": "non_json"},
        {"actions": ["DescribeTrails"], "kind": "error", "status": 503, "code": "ServiceUnavailable"},
    ])
    return world


class Budget:
    """A resumable run's `stop`: lets `n` new items start, then says stop (as the deadline does, but at a
    known point)."""

    def __init__(self, n: int) -> None:
        self.left, self.lock = n, threading.Lock()

    def __call__(self) -> bool:
        with self.lock:
            self.left -= 1
            return self.left < 0
