"""The DingTalk robot client against the local receiver: signing, errcodes, retries, rate limits, secrecy."""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import socket
import threading
import traceback
from urllib.parse import parse_qs, quote_plus, urlsplit

import pytest
import requests

from dwdiag.alert import dingtalk
from dwdiag.alert.dingtalk import DingTalk, DingTalkError, sign, signed_url
from tests.support.dingtalk import SECRET, TOKEN, TOO_FAST, TOO_FAST_NEW, client, start_receiver

BODY = {"msgtype": "markdown", "markdown": {"title": "dwdiag cn-hangzhou: 1 new, 0 resolved",
                                            "text": "#### 1 new finding\n\n项目 project_1"}}

# Computed outside Python: printf '%s\n%s' 1700000000002 SECtestsecret0123456789 |
#   openssl dgst -sha256 -hmac SECtestsecret0123456789 -binary | base64
VECTOR_SECRET, VECTOR_TS = "SECtestsecret0123456789", 1700000000002
VECTOR_SIGN = "9beW+M61lK/q9/u4kqJOgaWotKaczuDknliaDrVP8gk="


def test_sign_matches_an_independent_vector():
    assert sign(VECTOR_SECRET, VECTOR_TS) == VECTOR_SIGN
    mac = hmac.new(VECTOR_SECRET.encode(), f"{VECTOR_TS}\n{VECTOR_SECRET}".encode(), hashlib.sha256).digest()
    assert base64.b64encode(mac).decode() == VECTOR_SIGN


def test_signed_url_encodes_the_sign_exactly_once():
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=abc123", VECTOR_SECRET, VECTOR_TS)
    query = urlsplit(url).query
    assert query == f"access_token=abc123&timestamp={VECTOR_TS}&sign={quote_plus(VECTOR_SIGN)}"
    assert "%2B" in query and "%2F" in query and "%3D" in query  # '+', '/', '=' all needed quoting
    assert parse_qs(query)["sign"] == [VECTOR_SIGN]              # what DingTalk decodes


def test_the_double_encoding_pitfall():
    once = quote_plus(VECTOR_SIGN)
    assert parse_qs(f"sign={quote_plus(once)}")["sign"] == [once] != [VECTOR_SIGN]   # decoded once: still quoted
    assert parse_qs(f"sign={VECTOR_SIGN}")["sign"] != [VECTOR_SIGN]                 # unquoted: '+' becomes ' '


def test_the_pitfall_is_rejected_by_the_receiver(receiver):
    import time

    ts = int(time.time() * 1000)
    raw = sign(SECRET, ts)
    # requests' params= quotes for us: raw is right, pre-quoted is quoted twice.
    twice = requests.post(receiver.url, params={"timestamp": ts, "sign": quote_plus(raw)}, json=BODY, timeout=5)
    assert twice.json()["errcode"] == 310000
    ok = requests.post(receiver.url, params={"timestamp": ts, "sign": raw}, json=BODY, timeout=5)
    assert ok.json()["errcode"] == 0


def test_signed_url_keeps_other_parameters_and_replaces_stale_sign():
    url = signed_url("https://oapi.dingtalk.com/robot/send?access_token=t%2Bk&timestamp=1&sign=old&x=1",
                     VECTOR_SECRET, VECTOR_TS)
    query = urlsplit(url).query
    assert query.startswith("access_token=t%2Bk&x=1&timestamp=1700000000002&sign=")
    assert query.count("sign=") == 1 and query.count("timestamp=") == 1


def test_one_message_is_accepted_with_a_valid_signature(receiver, clock):
    client(receiver, clock).send(BODY)
    assert len(receiver.accepted) == len(receiver.attempts) == 1
    got = receiver.accepted[0]
    assert got.json() == BODY
    assert "项目".encode("utf-8") in got.body  # UTF-8, not \\u escapes: the size the cap measured
    ts = got.query["timestamp"][0]
    assert got.query["sign"] == [sign(SECRET, int(ts))] and int(ts) == int(clock.time() * 1000)
    assert got.query["access_token"] == [TOKEN]


def test_unsigned_robot():
    r = start_receiver(TOKEN, None)
    try:
        DingTalk(r.url).send(BODY)
        assert len(r.accepted) == 1 and "sign" not in r.accepted[0].query
    finally:
        r.stop()


def test_wrong_secret_is_rejected_at_once(receiver, clock):
    with pytest.raises(DingTalkError) as info:
        client(receiver, clock, secret="SECwrong-secret-000").send(BODY)
    assert info.value.errcode == 310000 and "sign not match" in info.value.errmsg
    assert len(receiver.attempts) == 1 and clock.slept == []


def test_timestamp_more_than_an_hour_off_is_rejected(receiver, clock):
    clock.wall -= 2 * 3600
    with pytest.raises(DingTalkError) as info:
        client(receiver, clock).send(BODY)
    assert info.value.errcode == 310000 and "timestamp" in info.value.errmsg
    assert len(receiver.attempts) == 1


@pytest.mark.parametrize("answer", [TOO_FAST, TOO_FAST_NEW], ids=["130101", "410100"])
def test_retry_after_rate_limit_succeeds(receiver, clock, answer):
    receiver.fail_next(answer, times=2)
    client(receiver, clock, deadline=clock.monotonic() + 300).send(BODY)
    assert len(receiver.attempts) == 3 and len(receiver.accepted) == 1
    assert clock.slept == [20.0, 60.0]
    # every attempt is signed with its own, fresh timestamp
    assert [int(a.query["timestamp"][0]) for a in receiver.attempts] == sorted(
        int(a.query["timestamp"][0]) for a in receiver.attempts)


def test_rate_limit_past_the_deadline_raises(receiver, clock):
    receiver.fail_next(TOO_FAST, times=10)
    start = clock.monotonic()
    with pytest.raises(DingTalkError) as info:
        client(receiver, clock, deadline=start + 5).send(BODY)
    assert info.value.errcode == 130101
    assert clock.monotonic() - start <= 5 and len(receiver.accepted) == 0


def test_rate_limit_without_deadline_gives_up_after_the_schedule(receiver, clock):
    receiver.fail_next(TOO_FAST, times=10)
    with pytest.raises(DingTalkError) as info:
        client(receiver, clock).send(BODY)
    assert info.value.errcode == 130101 and clock.slept == [20.0, 60.0] and len(receiver.attempts) == 3


def test_client_window_allows_20_a_minute(receiver, clock):
    first = client(receiver, clock, deadline=clock.monotonic() + 30)
    for _ in range(20):
        first.send(BODY)
        clock.sleep(1.0)  # 20 messages in 20 s
    clock.slept.clear()
    with pytest.raises(DingTalkError) as info:
        first.send(BODY)
    assert info.value.errcode == -1 and "client-side rate limit" in str(info.value)
    assert len(receiver.attempts) == 20  # the 21st never left the process
    # A second client of the same robot shares the window; with time left it waits for the oldest slot.
    second = client(receiver, clock, deadline=clock.monotonic() + 120)
    second.send(BODY)
    assert clock.slept == [pytest.approx(40.0)] and len(receiver.accepted) == 21
    # The window slides: one more slot opened a second later, not a whole new minute.
    second.send(BODY)
    assert clock.slept == [pytest.approx(40.0), pytest.approx(1.0)]


def test_client_window_is_thread_safe(receiver, clock):
    errors, lock = [], threading.Lock()

    def worker():
        try:
            client(receiver, clock, deadline=clock.monotonic() + 5).send(BODY)  # no time to wait for a slot
        except DingTalkError as exc:
            with lock:
                errors.append(exc.errcode)

    threads = [threading.Thread(target=worker) for _ in range(30)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert len(receiver.accepted) == 20 and errors == [-1] * 10


def test_too_long_is_raised_at_once(receiver, clock):
    big = {"msgtype": "markdown", "markdown": {"title": "t", "text": "x" * 25000}}
    with pytest.raises(DingTalkError) as info:
        client(receiver, clock, deadline=clock.monotonic() + 600).send(big)
    assert info.value.errcode == 460101 and len(receiver.attempts) == 1 and clock.slept == []


def test_unknown_robot_is_not_retried(receiver, clock):
    with pytest.raises(DingTalkError) as info:
        DingTalk(receiver.url.replace(TOKEN, "other-token"), SECRET, sleep=clock.sleep).send(BODY)
    assert info.value.errcode == 400106 and clock.slept == []


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_webhook_down_raises(clock):
    url = f"http://127.0.0.1:{_closed_port()}/robot/send?access_token={TOKEN}"
    with pytest.raises(DingTalkError) as info:
        DingTalk(url, SECRET, clock=clock.time, timeout=2).send(BODY)
    assert info.value.errcode is None and "ConnectionError" in str(info.value)
    text = "".join(traceback.format_exception(type(info.value), info.value, info.value.__traceback__))
    assert TOKEN not in text and SECRET not in text


def test_non_json_answer_is_a_failure(receiver, clock):
    receiver.fail_next(("raw", 502, "<html><body>502 Bad Gateway</body></html>"))
    with pytest.raises(DingTalkError) as info:
        client(receiver, clock).send(BODY)
    assert info.value.errcode is None and "HTTP 502" in str(info.value) and len(receiver.attempts) == 1


def test_slow_answer_times_out(receiver, clock):
    receiver.delay = 0.5
    with pytest.raises(DingTalkError) as info:
        client(receiver, clock, timeout=0.1).send(BODY)
    assert info.value.errcode is None and "Timeout" in str(info.value)


def test_no_secret_in_errors_or_logs(receiver, clock, caplog):
    caplog.set_level(logging.DEBUG)
    raised = []
    receiver.fail_next(TOO_FAST)
    client(receiver, clock, deadline=clock.monotonic() + 100).send(BODY)     # a retry, then accepted
    receiver.fail_next(("raw", 502, f"echo access_token={TOKEN}&sign=abc"))  # a gateway echoing the URL
    attempts = [
        lambda: client(receiver, clock).send(BODY),
        lambda: client(receiver, clock, secret=SECRET[::-1]).send(BODY),
        lambda: DingTalk(f"http://127.0.0.1:{_closed_port()}/robot/send?access_token={TOKEN}", SECRET).send(BODY),
    ]
    for attempt in attempts:
        with pytest.raises(DingTalkError) as info:
            attempt()
        raised.append(info.value)
    signs = {a.query["sign"][0] for a in receiver.attempts}
    canaries = {TOKEN, SECRET} | signs | {quote_plus(s) for s in signs}
    texts = [caplog.text, repr(client(receiver, clock))]
    texts += [r.getMessage() for r in caplog.records]
    texts += ["".join(traceback.format_exception(type(e), e, e.__traceback__)) + e.errmsg for e in raised]
    assert all(e.__context__ is None and e.__cause__ is None for e in raised)  # requests' error holds the URL
    for text in texts:
        for canary in canaries:
            assert canary not in text
    # urllib3's request line (which carries the query) was logged, and redacted, not dropped
    assert any(r.name.startswith("urllib3") and "[REDACTED]" in r.getMessage() for r in caplog.records)


def test_windows_are_per_robot(clock):
    a = dingtalk._window_for("https://oapi.dingtalk.com/robot/send?access_token=a")
    b = dingtalk._window_for("https://oapi.dingtalk.com/robot/send?access_token=b")
    same = dingtalk._window_for("https://oapi.dingtalk.com/robot/send?access_token=a&timestamp=1&sign=x")
    assert a is same and a is not b
