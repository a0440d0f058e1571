"""Clients against the emulator: one emulator per test session over the emulator tests' small world."""
from __future__ import annotations

from typing import Callable, Iterator, Optional

import pytest

from dwdiag.clients.credentials import Credentials
from dwdiag.clients.retry import RetryPolicy
from dwdiag.clients.session import Session
from dwdiag_emulator import Emulator
from tests.support.emulator import AK, HOME, PRODUCTS, SECRET, WORLD


# Here `emu` is the small world's emulator, not the demo tenant of tests/support/tenant.py.
@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    emulator = Emulator(WORLD)
    with emulator.running():
        yield emulator


@pytest.fixture(autouse=True)
def _clean_emulator(request: pytest.FixtureRequest) -> Iterator[None]:
    """Faults, quotas and the request log never leak from one test into the next."""
    if "emu" in request.fixturenames:
        emulator = request.getfixturevalue("emu")
        emulator.clear_faults()
        emulator.clear_quotas()
        emulator.clear_requests()
    yield


class Sleeps(list):
    """A fake sleep: records each pause instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def make_session(emu: Emulator, sleeps: Sleeps) -> Callable[..., Session]:
    """make_session(region=..., credentials=..., **session_kwargs) -> a Session on the emulator.

    Retries never really sleep: the policy's sleep records the pauses in the `sleeps` fixture.
    """

    def make(region: str = HOME, credentials: Optional[Credentials] = None, **kwargs) -> Session:
        url = emu.url(region)
        kwargs.setdefault("retry", RetryPolicy(base_delay=0.001, max_delay=0.01, sleep=sleeps))
        return Session(region, credentials or Credentials(AK, SECRET), {p: url for p in PRODUCTS}, **kwargs)

    return make


@pytest.fixture
def session(make_session) -> Session:
    return make_session()
