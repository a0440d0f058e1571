"""A local stand-in for DingTalk's robot endpoint, on 127.0.0.1 only.

It checks what DingTalk checks (access_token, the timestamp within an hour, the sign recomputed from the
secret and compared with the URL-decoded `sign` value, the 20000-byte body limit) and answers with
DingTalk's error shapes: HTTP 200 and a JSON errcode. Tests can script failures for the next messages.

Also a client for it with a fake clock (`client`, `FakeClock`) and the canary token and secret the
alert tests sign with.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

from dwdiag.alert import dingtalk

# Canaries: long and unique, so finding one in an error or a log record means it leaked.
TOKEN = "TOKENCANARY5f3a9c1e7b2d"
SECRET = "SECCANARY8d4e2a6f0b9c1e3d5a7b"

TOO_LONG = {"errcode": 460101, "errmsg": "message too long, exceed 20000 bytes"}
BAD_SIGN = {"errcode": 310000, "errmsg": "sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}
BAD_TIME = {"errcode": 310000, "errmsg": "invalid timestamp, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}
TOO_FAST = {"errcode": 130101, "errmsg": "send too fast, exceed 20 times per minute"}
TOO_FAST_NEW = {"errcode": 410100, "errmsg": "发送速度太快而限流"}
NO_BOT = {"errcode": 400106, "errmsg": "robot not found"}  # from the error table in followup Q8
OK = {"errcode": 0, "errmsg": "ok"}


def expected_sign(secret: str, timestamp: str) -> str:
    mac = hmac.new(secret.encode("utf-8"), f"{timestamp}\n{secret}".encode("utf-8"), hashlib.sha256)
    return base64.b64encode(mac.digest()).decode("ascii")


@dataclass
class Received:
    query: dict[str, list[str]]
    raw_query: str
    body: bytes
    answer: dict

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Receiver:
    token: str
    secret: Optional[str]
    server: ThreadingHTTPServer = None  # type: ignore[assignment]
    attempts: list[Received] = field(default_factory=list)   # every POST, accepted or not
    accepted: list[Received] = field(default_factory=list)
    script: list[Any] = field(default_factory=list)          # answers for the next messages, in order
    delay: float = 0.0                                        # seconds to wait before answering
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/robot/send?access_token={self.token}"

    def fail_next(self, answer: Any, times: int = 1) -> None:
        """Answer the next `times` messages (that pass the sign check) with `answer`: a dict errcode answer,
        or ("raw", status, text) for a non-JSON reply such as a gateway's 502 page."""
        with self.lock:
            self.script.extend([answer] * times)

    def judge(self, path: str, body: bytes) -> tuple[int, str, str]:
        """(HTTP status, content type, text) for one request, as DingTalk would answer it."""
        parts = urlsplit(path)
        query = parse_qs(parts.query, keep_blank_values=True)  # decodes once, '+' as space, like DingTalk
        answer: Any = OK
        if parts.path != "/robot/send" or query.get("access_token") != [self.token]:
            answer = NO_BOT
        elif self.secret is not None:
            ts, sig = query.get("timestamp", [""])[0], query.get("sign", [""])[0]
            if not ts.isdigit() or abs(time.time() * 1000 - int(ts)) > 3600 * 1000:
                answer = BAD_TIME
            elif not hmac.compare_digest(sig.encode(), expected_sign(self.secret, ts).encode()):
                answer = BAD_SIGN
        with self.lock:
            if answer is OK and self.script:
                answer = self.script.pop(0)
            if answer is OK and len(body) > 20000:
                answer = TOO_LONG
            record = Received(query, parts.query, body, answer if isinstance(answer, dict) else {})
            self.attempts.append(record)
            if answer is OK:
                self.accepted.append(record)
        if isinstance(answer, tuple):
            _, status, text = answer
            return status, "text/html", text
        return 200, "application/json", json.dumps(answer, ensure_ascii=False)

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def start_receiver(token: str, secret: Optional[str]) -> Receiver:
    receiver = Receiver(token, secret)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            if receiver.delay:
                time.sleep(receiver.delay)
            status, ctype, text = receiver.judge(self.path, body)
            data = text.encode("utf-8")
            try:
                self.send_response(status)
                self.send_header("Content-Type", f"{ctype}; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout tests)

        def log_message(self, *args: Any) -> None:
            pass  # the request line holds the token and sign; keep it out of test output

    class Server(ThreadingHTTPServer):
        request_queue_size = 64  # the thread-safety test connects 30 clients at once

    receiver.server = Server(("127.0.0.1", 0), Handler)
    receiver.server.daemon_threads = True
    threading.Thread(target=receiver.server.serve_forever, args=(0.05,), daemon=True).start()
    return receiver


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


def client(receiver, clock, **kw):
    kw.setdefault("secret", SECRET)
    return dingtalk.DingTalk(receiver.url, kw.pop("secret"), clock=clock.time, monotonic=clock.monotonic,
                             sleep=clock.sleep, **kw)
