"""DingTalk custom robot client: signed webhook URL, errcode checking, and rate limits.

DingTalk answers failures with HTTP 200 and a non-zero `errcode`, so only `errcode == 0` counts as sent.
A robot takes 20 messages a minute and then blocks for 10 minutes (130101, or 410100 in the newer error
table), so this process never sends a 21st message inside 60 seconds, and a rate-limited answer is
retried only while the caller's deadline allows. The webhook's access_token, the secret and the sign are
credentials: they never appear in a log record or an exception raised from here.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import threading
import time
from collections import deque
from typing import Any, Callable, Optional
from urllib.parse import parse_qsl, quote_plus, urlsplit, urlunsplit

import requests

from dwdiag.redact import redact_text

log = logging.getLogger(__name__)

OK = 0
RATE_LIMITED = frozenset({130101, 410100})  # both codes are in use (followup-unconfirmed.md Q8)
CLIENT_RATE_LIMIT = -1
WINDOW_SECONDS = 60.0
WINDOW_MESSAGES = 20


def sign(secret: str, timestamp_ms: int) -> str:
    """Raw base64 HMAC-SHA256 of "{timestamp}\\n{secret}" keyed by the secret; URL-encode it exactly once."""
    digest = hmac.new(secret.encode("utf-8"), f"{timestamp_ms}\n{secret}".encode("utf-8"), hashlib.sha256)
    return base64.b64encode(digest.digest()).decode("ascii")


def signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    """The webhook with `timestamp` and `sign` appended (replacing stale ones), other parameters untouched.

    The sign is quoted here once and the URL is passed to requests as is: handing an already quoted sign
    to `params=` quotes it a second time and DingTalk answers 310000.
    """
    parts = urlsplit(webhook)
    kept = [p for p in parts.query.split("&") if p and p.split("=", 1)[0] not in ("timestamp", "sign")]
    kept += [f"timestamp={int(timestamp_ms)}", f"sign={quote_plus(sign(secret, timestamp_ms))}"]
    return urlunsplit(parts._replace(query="&".join(kept)))


def access_token(webhook: str) -> Optional[str]:
    for key, value in parse_qsl(urlsplit(webhook).query, keep_blank_values=True):
        if key == "access_token":
            return value
    return None


class DingTalkError(Exception):
    """A message DingTalk did not accept. errcode: DingTalk's code, -1 for the client-side rate limit,
    None for transport failures (connection, timeout, HTTP error without a JSON errcode)."""

    def __init__(self, errcode: Optional[int], errmsg: str, secrets: tuple[str, ...] = ()):
        self.errcode = errcode
        self.errmsg = redact_text(str(errmsg), secrets)[:500]
        super().__init__(f"DingTalk robot: errcode {errcode}: {self.errmsg}")


class _Window:
    """Send times of the last 60 seconds for one robot; shared by every client of that webhook."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sent: deque[float] = deque()

    def acquire(self, monotonic: Callable[[], float], sleep: Callable[[float], None],
                deadline: Optional[float], secrets: tuple[str, ...]) -> None:
        while True:
            with self.lock:
                now = monotonic()
                while self.sent and self.sent[0] <= now - WINDOW_SECONDS:
                    self.sent.popleft()
                if len(self.sent) < WINDOW_MESSAGES:
                    self.sent.append(now)
                    return
                wait = self.sent[0] + WINDOW_SECONDS - now
            if deadline is not None and now + wait > deadline:
                raise DingTalkError(CLIENT_RATE_LIMIT, f"client-side rate limit: {WINDOW_MESSAGES} messages "
                                    f"in {WINDOW_SECONDS:.0f} s already sent and no slot before the deadline",
                                    secrets)
            log.info("DingTalk: %d messages in the last minute; waiting %.1f s", WINDOW_MESSAGES, wait)
            sleep(wait)


_windows: dict[str, _Window] = {}
_windows_lock = threading.Lock()


def _window_for(webhook: str) -> _Window:
    # Keyed without timestamp/sign so every client of one robot shares one window.
    parts = urlsplit(webhook)
    key = urlunsplit(parts._replace(query="&".join(
        p for p in sorted(parts.query.split("&")) if p.split("=", 1)[0] not in ("timestamp", "sign")),
        fragment=""))
    with _windows_lock:
        return _windows.setdefault(key, _Window())


def reset_windows() -> None:
    """Forget all send times (tests: each test starts with an empty window)."""
    with _windows_lock:
        _windows.clear()


class _RedactQuery(logging.Filter):
    """urllib3 logs every request line at DEBUG, query string included (access_token, sign)."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a malformed record is not ours to break
            return True
        clean = redact_text(message)
        if clean != message:
            record.msg, record.args = clean, ()
        return True


def _install_log_filter() -> None:
    logger = logging.getLogger("urllib3.connectionpool")
    if not any(isinstance(f, _RedactQuery) for f in logger.filters):
        logger.addFilter(_RedactQuery())


_install_log_filter()


class DingTalk:
    """Sends markdown (or any) message bodies to one custom robot. `deadline` is a `monotonic()` value."""

    def __init__(self, webhook: str, secret: Optional[str] = None, *, clock: Callable[[], float] = time.time,
                 monotonic: Callable[[], float] = time.monotonic, sleep: Callable[[float], None] = time.sleep,
                 timeout: float = 10.0, deadline: Optional[float] = None,
                 retry_waits: tuple[float, ...] = (20.0, 60.0)):
        self._webhook = webhook
        self._secret = secret or None
        self.clock, self.monotonic, self.sleep = clock, monotonic, sleep
        self.timeout, self.deadline = timeout, deadline
        # Without a deadline the waits after 130101/410100 are bounded by this schedule; a robot blocked
        # for its 10 minutes is better left to the next run (the publisher keeps the message pending)
        # than waited out past the function's own timeout.
        self.retry_waits = retry_waits
        self._window = _window_for(webhook)
        self._secrets = tuple(s for s in (access_token(webhook), self._secret) if s)

    def __repr__(self) -> str:
        return f"DingTalk({urlsplit(self._webhook).netloc}, signed={self._secret is not None})"

    def send(self, body: dict) -> None:
        """Deliver `body`; raise DingTalkError unless DingTalk answered errcode 0."""
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        waits = iter(self.retry_waits)
        attempt = 0
        while True:
            attempt += 1
            self._window.acquire(self.monotonic, self.sleep, self.deadline, self._secrets)
            error = self._post(data)
            if error is None:
                log.debug("DingTalk accepted the message (%d bytes, attempt %d)", len(data), attempt)
                return
            if error.errcode not in RATE_LIMITED:
                raise error
            wait = next(waits, None)
            if wait is not None and self.deadline is not None:
                # Keep a second for the request itself; a retry that cannot happen before the deadline is moot.
                wait = min(wait, self.deadline - self.monotonic() - 1.0)
            if wait is None or wait <= 0:
                raise error
            log.warning("DingTalk rate-limited the robot (errcode %s); retrying in %.1f s", error.errcode, wait)
            self.sleep(wait)

    def _post(self, data: bytes) -> Optional[DingTalkError]:
        """One POST: None when accepted, else the error (raised at once for failures not worth a retry)."""
        timeout = self.timeout
        if self.deadline is not None:
            timeout = min(timeout, self.deadline - self.monotonic())
            if timeout <= 0:
                raise DingTalkError(None, "deadline passed before the message could be sent", self._secrets)
        url = self._webhook
        if self._secret:
            timestamp = int(self.clock() * 1000)
            url = signed_url(url, self._secret, timestamp)
            raw = sign(self._secret, timestamp)
            secrets = self._secrets + (raw, quote_plus(raw))
        else:
            secrets = self._secrets
        failure = None
        try:
            response = requests.post(url, data=data, timeout=timeout,
                                     headers={"Content-Type": "application/json; charset=utf-8"})
        except requests.RequestException as exc:
            failure = f"{type(exc).__name__}: {redact_text(str(exc), secrets)}"
        if failure is not None:
            # Raised outside the except block: requests' exception carries the full URL (access_token,
            # sign), and as __context__ it would travel with ours into any traceback or error reporter.
            raise DingTalkError(None, failure, secrets)
        return self._answer(response, secrets)

    @staticmethod
    def _answer(response: requests.Response, secrets: tuple[str, ...]) -> Optional[DingTalkError]:
        try:
            answer: Any = response.json()
        except ValueError:
            answer = None
        errcode = answer.get("errcode") if isinstance(answer, dict) else None
        try:
            errcode = int(errcode) if errcode is not None and not isinstance(errcode, bool) else None
        except (TypeError, ValueError):
            errcode = None
        errmsg = str(answer.get("errmsg", "")) if isinstance(answer, dict) else ""
        if errcode is None:
            snippet = " ".join(response.text[:200].split())
            raise DingTalkError(None, f"HTTP {response.status_code}, no errcode in the answer: {snippet}", secrets)
        if errcode == OK and response.ok:
            return None
        if errcode == OK:
            raise DingTalkError(None, f"HTTP {response.status_code} with errcode 0", secrets)
        error = DingTalkError(errcode, errmsg, secrets)
        if errcode in RATE_LIMITED:
            return error
        # 460101 (too long) and 310000 (sign, keyword, timestamp) fail the same way on every retry, and so
        # do the others (bot disabled or unknown, group gone): raised at once.
        raise error
