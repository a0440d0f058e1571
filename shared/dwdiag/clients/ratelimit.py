"""Client-side rate limits per quota family, shared by every worker, so a sweep runs at the quota."""

from __future__ import annotations

import threading
import time
from typing import Callable, Optional


class RateLimiter:
    """A token bucket: `rate` calls a second on average, bursts of at most `burst`."""

    def __init__(self, rate: float, burst: Optional[float] = None, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.rate = rate
        self.burst = burst if burst is not None else max(1.0, min(rate, 10.0))
        self._tokens = self.burst
        self._clock, self._sleep = clock, sleep
        self._last = clock()
        self._lock = threading.Lock()

    def _reserve(self) -> float:
        """Take a token now or book the next one; returns how long to wait for it."""
        with self._lock:
            now = self._clock()
            self._tokens = min(self.burst, self._tokens + (now - self._last) * self.rate)
            self._last = now
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    def acquire(self, deadline: Optional[float] = None) -> bool:
        """Wait for a token; False (and no token taken) when the wait would pass `deadline`."""
        wait = self._reserve()
        if deadline is not None and self._clock() + wait > deadline:
            with self._lock:
                self._tokens += 1
            return False
        if wait > 0:
            self._sleep(wait)
        return True


class Limiters:
    """One limiter per quota family; families without a configured rate are not limited."""

    def __init__(self, rates: dict[str, float], burst: float = 1.0) -> None:
        # No burst by default: the server counts calls in a sliding second, so a burst on top of
        # the steady rate is exactly what it throttles.
        self._limiters = {family: RateLimiter(rate, burst) for family, rate in rates.items() if rate}

    def get(self, family: str) -> Optional[RateLimiter]:
        return self._limiters.get(family)
