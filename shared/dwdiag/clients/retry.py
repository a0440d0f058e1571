"""Retries from small parts: classify the error, back off with full jitter, stop at the deadline.

Classification reads the error code and status, never the message text. Sleep, randomness and the
clock are injected so tests are deterministic.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from typing import Callable, Optional, TypeVar

from dwdiag.clients.errors import DEADLINE, MALFORMED, NETWORK, ClientError

T = TypeVar("T")

RETRY, STOP = "retry", "stop"
# Daily or edition quotas: calling again today cannot succeed, so the API is given up on.
QUOTA_CODES = frozenset({"Throttling.Api.Risk", "Throttling.Resource"})


def is_quota(err: ClientError) -> bool:
    return err.code in QUOTA_CODES


def is_throttling(err: ClientError) -> bool:
    return (("Throttling" in err.code and not is_quota(err))
            or (err.retry_after_ms is not None and err.retry_after_ms > 0))


def is_transient(err: ClientError) -> bool:
    return err.code in (NETWORK, MALFORMED) or (err.http_status is not None and err.http_status >= 500)


def decide(err: ClientError) -> str:
    if is_quota(err):
        return STOP
    return RETRY if is_throttling(err) or is_transient(err) else STOP


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.2
    max_delay: float = 20.0
    deadline: Optional[float] = None       # on `clock`'s scale; None = no deadline
    sleep: Callable[[float], None] = time.sleep
    rand: Callable[[], float] = random.random
    clock: Callable[[], float] = time.monotonic

    def delay(self, attempt: int, err: ClientError) -> float:
        if err.retry_after_ms:
            return min(err.retry_after_ms / 1000, self.max_delay)
        return self.rand() * min(self.max_delay, self.base_delay * (2 ** attempt))

    def remaining(self) -> Optional[float]:
        return None if self.deadline is None else self.deadline - self.clock()

    def check_deadline(self, product: str, operation: str, needed: float = 0.0) -> None:
        left = self.remaining()
        if left is not None and left < needed:
            raise ClientError(product, operation, DEADLINE, "the run's deadline came before this call could finish")

    def call(self, fn: Callable[[], T], on_error: Callable[[BaseException], ClientError]) -> T:
        attempt = 0
        while True:
            try:
                return fn()
            except ClientError as exc:  # raised by our own checks of an answer: judged the same way
                err = exc
            except Exception as exc:  # noqa: BLE001 - every SDK failure is translated, then judged
                err = on_error(exc)
            attempt += 1
            if decide(err) == STOP or attempt >= self.max_attempts:
                raise err
            pause = self.delay(attempt, err)
            left = self.remaining()
            if left is not None and pause >= left:
                raise err
            self.sleep(pause)
