"""A tiny HTTP-aware TCP proxy in front of one emulator port, for the faults the emulator cannot make.

Each connection carries one request (the emulator answers HTTP/1.0 and closes). The proxy reads the
request head and body, asks `rule(head)` what to do, and then either forwards it, or resets the
connection (a TCP RST, by closing with SO_LINGER 0), or stalls (reads and never answers until the
client gives up or `stall_seconds` pass).
"""

from __future__ import annotations

import socket
import struct
import threading
from collections.abc import Callable
from socketserver import BaseRequestHandler, ThreadingTCPServer

FORWARD, RESET, STALL = "forward", "reset", "stall"


def _read_request(sock: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return data
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    length = 0
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            length = int(value.strip() or 0)
    while len(body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        body += chunk
    return head + b"\r\n\r\n" + body


def _closing(message: bytes) -> bytes:
    """The same HTTP message with `Connection: close`: one request per connection through the proxy."""
    head, sep, body = message.partition(b"\r\n\r\n")
    lines = [l for l in head.split(b"\r\n") if not l.lower().startswith(b"connection:")]
    return b"\r\n".join(lines + [b"Connection: close"]) + sep + body


def header(request: bytes, name: str) -> str | None:
    head = request.split(b"\r\n\r\n", 1)[0].decode("latin-1")
    for line in head.split("\r\n")[1:]:
        key, _, value = line.partition(":")
        if key.strip().lower() == name.lower():
            return value.strip()
    return None


class Proxy:
    def __init__(self, upstream: tuple[str, int], rule: Callable[[bytes], str], stall_seconds: float = 5.0,
                 delay_seconds: float = 0.0):
        self.upstream, self.rule, self.stall_seconds = upstream, rule, stall_seconds
        self.delay_seconds = delay_seconds  # added before every forwarded answer (a slow service)
        self.decisions: list[str] = []
        self._stop = threading.Event()
        outer = self

        class Handler(BaseRequestHandler):
            def handle(self) -> None:
                outer._handle(self.request)

        class Server(ThreadingTCPServer):
            daemon_threads = True
            allow_reuse_address = True
            request_queue_size = 128

        self.server = Server(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def _handle(self, client: socket.socket) -> None:
        request = _read_request(client)
        if not request:
            return
        decision = self.rule(request)
        self.decisions.append(decision)
        if decision == RESET:
            client.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            client.close()
            return
        if decision == STALL:
            self._stop.wait(self.stall_seconds)
            client.close()
            return
        if self.delay_seconds:
            self._stop.wait(self.delay_seconds)
        answer = b""
        with socket.create_connection(self.upstream, timeout=30) as up:
            up.sendall(_closing(request))
            while True:
                chunk = up.recv(65536)
                if not chunk:
                    break
                answer += chunk
        client.sendall(_closing(answer))
        client.close()

    def stop(self) -> None:
        self._stop.set()
        self.server.shutdown()
        self.server.server_close()
