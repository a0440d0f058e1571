"""Fixtures: a local DingTalk receiver and a fake clock (tests/support/dingtalk.py); Finding builders are in
tests/support/messages.py."""

from __future__ import annotations

import pytest

from dwdiag.alert import dingtalk
from tests.support.dingtalk import SECRET, TOKEN, FakeClock, start_receiver


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


@pytest.fixture
def clock():
    return FakeClock()
