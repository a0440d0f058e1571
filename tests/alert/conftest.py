"""Fixtures: a local DingTalk receiver, a fake clock, and Finding builders."""

from __future__ import annotations

import time

import pytest

from dwdiag.alert import dingtalk
from dwdiag.models.findings import Category, Finding, RiskLevel, Status, fingerprint
from tests.alert.receiver import start_receiver

# Canaries: long and unique, so finding one in an error or a log record means it leaked.
TOKEN = "TOKENCANARY5f3a9c1e7b2d"
SECRET = "SECCANARY8d4e2a6f0b9c1e3d5a7b"


@pytest.fixture(autouse=True)
def fresh_windows():
    # The client-side window is process-wide by design; every test starts with an empty one.
    dingtalk.reset_windows()
    yield
    dingtalk.reset_windows()


@pytest.fixture
def receiver():
    r = start_receiver(TOKEN, SECRET)
    try:
        yield r
    finally:
        r.stop()


class FakeClock:
    """Wall clock near the real one (the receiver checks the timestamp within an hour); sleep advances it."""

    def __init__(self) -> None:
        self.wall = time.time()
        self.mono = 1000.0
        self.slept: list[float] = []

    def time(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.wall += seconds
        self.mono += seconds


@pytest.fixture
def clock():
    return FakeClock()


def client(receiver, clock, **kw):
    kw.setdefault("secret", SECRET)
    return dingtalk.DingTalk(receiver.url, kw.pop("secret"), clock=clock.time, monotonic=clock.monotonic,
                             sleep=clock.sleep, **kw)


def make_finding(n: int = 0, *, risk: str = "high", item_id: str = "maxcompute_download_control",
                 status: Status = Status.fail, name: str | None = None, object_id: str | None = None,
                 result: str = "Download control is off: anyone with table read can download it.",
                 suggestion: str = "Turn on download control. See https://help.aliyun.com/en/maxcompute/user-guide/download",
                 workspace_id: str | None = "ws-1001", region: str = "cn-hangzhou") -> Finding:
    object_id = object_id if object_id is not None else f"project_{n}"
    return Finding(
        item_id=item_id,
        category=Category.computing_storage,
        status=status,
        risk_level=RiskLevel(risk),
        region=region,
        object_type="maxcompute_project",
        object_id=object_id,
        object_name=name if name is not None else f"Project {n}",
        workspace_id=workspace_id,
        result=result,
        suggestion=suggestion,
        evidence={"n": n},
        fingerprint=fingerprint(item_id, region, "maxcompute_project", object_id),
    )
