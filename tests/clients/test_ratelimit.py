"""The token bucket with a fake clock, its deadline refusal, and sharing between threads."""
from __future__ import annotations

import threading
import time

import pytest

from dwdiag.clients.ratelimit import Limiters, RateLimiter


class Clock:
    def __init__(self, now: float = 10.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def limiter(clock: Clock, rate: float, burst=None) -> RateLimiter:
    return RateLimiter(rate, burst, clock=clock, sleep=clock.sleep)


def test_a_burst_then_the_steady_rate():
    clock = Clock()
    rl = limiter(clock, rate=4.0, burst=3)
    for _ in range(3):
        assert rl.acquire() is True
    assert clock.sleeps == []              # the burst goes at once
    for _ in range(5):
        assert rl.acquire() is True
    assert clock.sleeps == [pytest.approx(0.25)] * 5   # then one call every 1/rate seconds


def test_idle_time_refills_up_to_the_burst_only():
    clock = Clock()
    rl = limiter(clock, rate=2.0, burst=2)
    rl.acquire(), rl.acquire()
    clock.now += 3600                      # an hour idle earns at most `burst` tokens
    for _ in range(2):
        rl.acquire()
    assert clock.sleeps == []
    rl.acquire()
    assert clock.sleeps == [pytest.approx(0.5)]


def test_partial_refill_shortens_the_wait():
    clock = Clock()
    rl = limiter(clock, rate=10.0, burst=1)
    rl.acquire()
    clock.now += 0.04                      # 0.4 of a token earned
    rl.acquire()
    assert clock.sleeps == [pytest.approx(0.06)]


@pytest.mark.parametrize("rate, burst", [(0.5, 1.0), (5.0, 5.0), (50.0, 10.0)])
def test_default_burst(rate, burst):
    assert RateLimiter(rate).burst == burst


@pytest.mark.parametrize("rate", [0, -1])
def test_rate_must_be_positive(rate):
    with pytest.raises(ValueError):
        RateLimiter(rate)


def test_deadline_refusal_returns_false_and_takes_no_token():
    clock = Clock(now=0.0)
    rl = limiter(clock, rate=2.0, burst=1)
    assert rl.acquire(deadline=10.0) is True        # the only token
    assert rl.acquire(deadline=0.1) is False        # the next comes at 0.5, after the deadline
    assert rl.acquire(deadline=0.2) is False
    assert clock.sleeps == []                       # a refusal never waits
    assert rl.acquire(deadline=0.5) is True         # refusals booked nothing: still 0.5, not 1.5
    assert clock.sleeps == [pytest.approx(0.5)]


def test_deadline_in_reach_waits():
    clock = Clock(now=0.0)
    rl = limiter(clock, rate=1.0, burst=1)
    rl.acquire()
    assert rl.acquire(deadline=5.0) is True
    assert clock.sleeps == [pytest.approx(1.0)]


def test_threads_share_one_bucket_no_token_is_lost():
    """A frozen clock makes the bookings exact: the burst free, then 1/rate, 2/rate, ... once each."""
    clock = Clock(now=0.0)
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    rl = RateLimiter(10.0, 4, clock=clock, sleep=record)
    start = threading.Barrier(8)

    def worker() -> None:
        start.wait()
        for _ in range(10):
            rl.acquire()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    # 80 calls, 4 free: every later call booked its own slot exactly once
    assert sorted(round(w, 6) for w in waits) == [round(k / 10.0, 6) for k in range(1, 77)]


def test_threads_with_a_real_clock_all_get_through():
    rl = RateLimiter(rate=2000.0, burst=5)
    results: list[bool] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(25):
            ok = rl.acquire(deadline=time.monotonic() + 30)
            with lock:
                results.append(ok)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    assert results == [True] * 100


def test_limiters_one_per_configured_family():
    lims = Limiters({"dataworks": 5.0, "ram": 0, "maxcompute": 2.0})
    assert lims.get("dataworks") is not lims.get("maxcompute")
    assert lims.get("dataworks").rate == 5.0
    assert lims.get("ram") is None                 # 0 = not limited
    assert lims.get("actiontrail") is None         # not configured = not limited
    assert lims.get("dataworks") is lims.get("dataworks")   # shared, not one per call
