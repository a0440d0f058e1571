"""The FC endpoint: its own 127.0.0.1 port, as each region's FC has its own host. Paths under
/_emulator/ control the runtime over HTTP (for `dwdiag-emulator serve --fc-...`): GET invocations,
DELETE invocations, POST drain {"timeout": s}, POST kill {"request_id": ..., "function": ...}."""
from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING, Any, Dict

from ..server import CONTROL_PREFIX
from ..service import Reply
from .invoke import handle

if TYPE_CHECKING:
    from .runtime import FcRuntime


class _Server(ThreadingHTTPServer):
    daemon_threads = True  # a sync invocation may outlive stop(); its process is killed there

    def __init__(self, address: Any, runtime: "FcRuntime"):
        super().__init__(address, _Handler)
        self.runtime = runtime
        self.thread = threading.Thread(target=self.serve_forever, name="emulator-fc",
                                       kwargs={"poll_interval": 0.01}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def close(self) -> None:
        self.shutdown()
        self.server_close()
        self.thread.join()


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "dwdiag-emulator-fc"

    def _dispatch(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith(CONTROL_PREFIX):
            reply = _control(self.server.runtime, self.command, self.path, body)
        else:
            reply = handle(self.server.runtime, self.command, self.path, dict(self.headers.items()), body)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the invocation log is the record."""


def _control(runtime: "FcRuntime", method: str, path: str, body: bytes) -> Reply:
    what = path[len(CONTROL_PREFIX):].split("?")[0].strip("/")
    try:
        data: Dict[str, Any] = json.loads(body) if body else {}
        if (method, what) == ("GET", "invocations"):
            result: Any = [r.as_dict() for r in runtime.invocations()]
        elif (method, what) == ("DELETE", "invocations"):
            runtime.clear_invocations()
            result = {}
        elif (method, what) == ("POST", "drain"):
            result = [r.as_dict() for r in runtime.drain(float(data.get("timeout", 60)))]
        elif (method, what) == ("POST", "kill"):
            result = {"killed": runtime.kill(data.get("request_id"), data.get("function"))}
        else:
            return Reply(404, json.dumps({"error": f"no control {method} {what}"}).encode())
    except TimeoutError as exc:
        return Reply(504, json.dumps({"error": str(exc)}).encode())
    except (ValueError, TypeError) as exc:
        return Reply(400, json.dumps({"error": str(exc)}).encode())
    return Reply(200, json.dumps(result).encode())


def serve(runtime: "FcRuntime", host: str, port: int) -> _Server:
    server = _Server((host, port), runtime)
    server.thread.start()
    return server
