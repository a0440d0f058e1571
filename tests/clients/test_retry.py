"""Retry classification from a table (with rows that must stop), and full-jitter backoff with fake time."""
from __future__ import annotations

from typing import Optional

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException

from dwdiag.clients.errors import DEADLINE, MALFORMED, NETWORK, ClientError, from_sdk
from dwdiag.clients.retry import RETRY, STOP, RetryPolicy, decide, is_quota, is_throttling, is_transient


def err(code: str, status: Optional[int] = None, retry_after_ms: Optional[int] = None,
        message: str = "") -> ClientError:
    return ClientError("dataworks", "ListProjects", code, message, http_status=status, retry_after_ms=retry_after_ms)


# (code, HTTP status, retry_after_ms, decision)
CLASSIFICATION = [
    ("Throttling", 400, None, RETRY),
    ("Throttling.User", 429, None, RETRY),
    ("Throttling.Api", 429, None, RETRY),
    ("Throttling.System", 503, None, RETRY),
    ("Throttling.User", 400, None, RETRY),
    # daily or edition quotas: calling again cannot succeed today
    ("Throttling.Api.Risk", 429, None, STOP),
    ("Throttling.Api.Risk", 400, None, STOP),
    ("Throttling.Resource", 429, None, STOP),
    ("Throttling.Resource", 400, None, STOP),
    # any code, when the server says when to come back
    ("SomethingBusy", 400, 1500, RETRY),
    ("Forbidden.RateLimit", 403, 200, RETRY),
    # transient
    ("InternalError", 500, None, RETRY),
    ("ServiceUnavailable", 503, None, RETRY),
    ("BadGateway", 502, None, RETRY),
    ("ODPS-0010000", 500, None, RETRY),
    (NETWORK, None, None, RETRY),
    (MALFORMED, None, None, RETRY),
    (MALFORMED, 200, None, RETRY),
    # auth-ish and other client errors stop at once
    ("Forbidden.Access", 403, None, STOP),
    ("SignatureDoesNotMatch", 400, None, STOP),
    ("InvalidAccessKeyId.NotFound", 404, None, STOP),
    ("InvalidAccessKeyId.Inactive", 400, None, STOP),
    ("InvalidSecurityToken.Expired", 400, None, STOP),
    ("InvalidParameter", 400, None, STOP),
    ("InvalidAction.NotFound", 404, None, STOP),
    ("ODPS-0420095", 400, None, STOP),
    ("Forbidden.Access", 403, 0, STOP),          # a zero retry-after is no invitation
    ("Unknown", None, None, STOP),
    (DEADLINE, None, None, STOP),
]


@pytest.mark.parametrize("code, status, retry_after, expected", CLASSIFICATION)
def test_decide(code, status, retry_after, expected):
    assert decide(err(code, status, retry_after)) == expected


@pytest.mark.parametrize("code, status, retry_after, expected", CLASSIFICATION)
def test_decision_ignores_the_message_text(code, status, retry_after, expected):
    messages = ["", "Request was denied due to user flow control.", "please retry later, throttling",
                "Throttling.Api.Risk daily limit", "internal error 503", "Access denied: Forbidden"]
    assert {decide(err(code, status, retry_after, m)) for m in messages} == {expected}


@pytest.mark.parametrize("code, quota, throttling", [
    ("Throttling.Api.Risk", True, False),
    ("Throttling.Resource", True, False),
    ("Throttling.User", False, True),
    ("Throttling", False, True),
    ("Forbidden.Access", False, False),
])
def test_quota_and_throttling_predicates(code, quota, throttling):
    assert (is_quota(err(code, 429)), is_throttling(err(code, 429))) == (quota, throttling)


@pytest.mark.parametrize("code, status, transient", [
    ("InternalError", 500, True), ("X", 599, True), (NETWORK, None, True), (MALFORMED, None, True),
    ("Forbidden.Access", 403, False), ("InvalidParameter", 400, False), ("Throttling.User", 429, False),
])
def test_transient_predicate(code, status, transient):
    assert is_transient(err(code, status)) is transient


# --- the same table, through the SDK's own exception types --------------------------------------

@pytest.mark.parametrize("exc, expected", [
    (ThrottlingException(status_code=429, code="Throttling.User", message="m", retry_after=1500), RETRY),
    (ClientException(status_code=429, code="Throttling.User", message="m"), RETRY),
    (ClientException(status_code=429, code="Throttling.Api.Risk", message="m"), STOP),
    (ThrottlingException(status_code=429, code="Throttling.Api.Risk", message="m", retry_after=1000), STOP),
    (ServerException(status_code=503, code="ServiceUnavailable", message="m"), RETRY),
    (ClientException(status_code=403, code="Forbidden.Access", message="m"), STOP),
    (ClientException(status_code=400, code="SignatureDoesNotMatch", message="m"), STOP),
    (ClientException(status_code=404, code="InvalidAccessKeyId.NotFound", message="m"), STOP),
    (ConnectionError("connection refused"), RETRY),
    (ValueError("Expecting value: line 1 column 1"), RETRY),
])
def test_decide_on_translated_sdk_exceptions(exc, expected):
    assert decide(from_sdk(exc, "dataworks", "ListProjects")) == expected


# --- backoff ------------------------------------------------------------------------------------

class Clock:
    """A fake monotonic clock that only moves when the fake sleep is called."""

    def __init__(self, now: float = 100.0) -> None:
        self.now = now
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Failing:
    """A call that raises each of `errors` in turn, then answers."""

    def __init__(self, *errors: BaseException, answer: object = "ok") -> None:
        self.errors, self.answer, self.calls = list(errors), answer, 0

    def __call__(self) -> object:
        self.calls += 1
        if self.errors:
            raise self.errors.pop(0)
        return self.answer


def translate(exc: BaseException) -> ClientError:
    return exc.args[0] if isinstance(exc, _Wrapped) else from_sdk(exc, "dataworks", "ListProjects")


class _Wrapped(Exception):
    """An SDK-ish failure carrying the ClientError it translates to."""


def wrapped(code: str, status: Optional[int] = None, retry_after_ms: Optional[int] = None) -> _Wrapped:
    return _Wrapped(err(code, status, retry_after_ms))


def policy(clock: Clock, **kw) -> RetryPolicy:
    return RetryPolicy(sleep=clock.sleep, clock=clock, **kw)


@pytest.mark.parametrize("attempt", range(0, 12))
@pytest.mark.parametrize("r", [0.0, 0.25, 0.999999])
def test_full_jitter_is_rand_times_the_capped_exponential(attempt, r):
    p = RetryPolicy(base_delay=0.5, max_delay=20.0, rand=lambda: r)
    ceiling = min(20.0, 0.5 * 2 ** attempt)
    assert p.delay(attempt, err("Throttling.User", 429)) == pytest.approx(r * ceiling)
    assert 0 <= p.delay(attempt, err("Throttling.User", 429)) <= ceiling


def test_backoff_doubles_then_stays_at_max_delay():
    clock = Clock()
    p = policy(clock, max_attempts=8, base_delay=1.0, max_delay=10.0, rand=lambda: 1.0)
    fn = Failing(*[wrapped("Throttling.User", 429) for _ in range(7)])
    assert p.call(fn, translate) == "ok"
    assert fn.calls == 8
    # the pause before retry n (n failures so far) is base * 2**n, capped
    assert clock.sleeps == [2.0, 4.0, 8.0, 10.0, 10.0, 10.0, 10.0]


def test_jitter_uses_the_injected_random():
    clock = Clock()
    draws = iter([0.5, 0.1, 0.0])
    p = policy(clock, base_delay=1.0, max_delay=100.0, rand=lambda: next(draws))
    p.call(Failing(wrapped("InternalError", 500), wrapped(NETWORK), wrapped(MALFORMED)), translate)
    assert clock.sleeps == [pytest.approx(1.0), pytest.approx(0.4), 0.0]


def test_retry_after_is_honoured_exactly_without_jitter():
    clock = Clock()
    p = policy(clock, base_delay=0.001, max_delay=20.0, rand=lambda: 0.0)
    assert p.call(Failing(wrapped("Throttling.User", 429, retry_after_ms=1500)), translate) == "ok"
    assert clock.sleeps == [1.5]


def test_retry_after_is_capped_by_max_delay():
    clock = Clock()
    p = policy(clock, max_delay=2.0, rand=lambda: 0.0)
    p.call(Failing(wrapped("Throttling.User", 429, retry_after_ms=60_000)), translate)
    assert clock.sleeps == [2.0]


def test_sdk_throttling_exception_retry_after_reaches_the_backoff():
    clock = Clock()
    p = policy(clock, rand=lambda: 0.0)
    exc = ThrottlingException(status_code=400, code="Throttling.User", message="m", retry_after=750)
    assert p.call(Failing(exc), translate) == "ok"
    assert clock.sleeps == [0.75]


@pytest.mark.parametrize("max_attempts", [1, 2, 5])
def test_max_attempts_caps_the_calls(max_attempts):
    clock = Clock()
    p = policy(clock, max_attempts=max_attempts, base_delay=0.001)
    fn = Failing(*[wrapped("ServiceUnavailable", 503) for _ in range(10)])
    with pytest.raises(ClientError) as caught:
        p.call(fn, translate)
    assert caught.value.code == "ServiceUnavailable"
    assert fn.calls == max_attempts
    assert len(clock.sleeps) == max_attempts - 1


@pytest.mark.parametrize("code, status", [
    ("Throttling.Api.Risk", 429), ("Throttling.Resource", 400), ("Forbidden.Access", 403),
    ("SignatureDoesNotMatch", 400), ("InvalidAccessKeyId.NotFound", 404),
])
def test_stop_codes_are_raised_after_one_call_without_sleeping(code, status):
    clock = Clock()
    fn = Failing(wrapped(code, status))
    with pytest.raises(ClientError) as caught:
        policy(clock).call(fn, translate)
    assert (caught.value.code, fn.calls, clock.sleeps) == (code, 1, [])


def test_a_client_error_raised_by_the_call_itself_is_not_retried():
    clock = Clock()
    fn = Failing(err(DEADLINE))
    with pytest.raises(ClientError):
        policy(clock).call(fn, translate)
    assert (fn.calls, clock.sleeps) == (1, [])


def test_deadline_stops_before_sleeping_past_it():
    clock = Clock(now=100.0)
    # 1.0 then 2.0 then 4.0 seconds of backoff; the deadline leaves room for the first two only
    p = policy(clock, max_attempts=10, base_delay=0.5, max_delay=60.0, rand=lambda: 1.0, deadline=103.5)
    fn = Failing(*[wrapped("InternalError", 500) for _ in range(10)])
    with pytest.raises(ClientError) as caught:
        p.call(fn, translate)
    assert caught.value.code == "InternalError"
    assert clock.sleeps == [1.0, 2.0]
    assert clock.now <= 103.5
    assert fn.calls == 3


def test_deadline_refuses_a_retry_after_longer_than_the_time_left():
    clock = Clock(now=0.0)
    p = policy(clock, deadline=1.0)
    fn = Failing(wrapped("Throttling.User", 429, retry_after_ms=5000))
    with pytest.raises(ClientError) as caught:
        p.call(fn, translate)
    assert (caught.value.code, fn.calls, clock.sleeps) == ("Throttling.User", 1, [])


def test_no_deadline_means_no_limit():
    clock = Clock()
    p = policy(clock)
    assert p.remaining() is None
    p.check_deadline("dataworks", "ListProjects", needed=1e9)  # does not raise


def test_check_deadline_raises_deadline_exceeded():
    clock = Clock(now=50.0)
    p = policy(clock, deadline=60.0)
    assert p.remaining() == 10.0
    p.check_deadline("ram", "ListUsers", needed=9.0)
    with pytest.raises(ClientError) as caught:
        p.check_deadline("ram", "ListUsers", needed=11.0)
    assert (caught.value.code, caught.value.product, caught.value.operation) == (DEADLINE, "ram", "ListUsers")
    clock.now = 61.0
    with pytest.raises(ClientError):
        p.check_deadline("ram", "ListUsers")
