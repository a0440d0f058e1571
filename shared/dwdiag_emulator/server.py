"""The HTTP server and the in-process Emulator API.

Every region of the world listens on its own 127.0.0.1 port (the SDKs send no region with a
request); each port serves all products. Paths under /_emulator/ are a control endpoint.
"""
from __future__ import annotations

import json
import threading
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, Iterator, List, Optional, Union
from urllib.parse import parse_qsl

from . import changes
from .backend import Clock, format_time
from .controls import RequestRecord
from .service import Reply, Service
from .tenants import Directory, Tenant
from .world import Fault, Quota, World, load_world

CONTROL_PREFIX = "/_emulator/"


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # stop() joins the request threads
    block_on_close = True

    def __init__(self, address: Any, emulator: "Emulator", region: str):
        super().__init__(address, _Handler)
        self.emulator = emulator
        self.region = region


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    server_version = "dwdiag-emulator"

    def _dispatch(self) -> None:
        length = int(self.headers.get("content-length") or 0)
        body = self.rfile.read(length) if length else b""
        emu = self.server.emulator
        if self.path.startswith(CONTROL_PREFIX):
            reply = emu.control(self.command, self.path, body)
        else:
            reply = emu.service.handle(self.command, self.path, dict(self.headers.items()),
                                       body, self.server.region)
        self.send_response(reply.status)
        for name, value in reply.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        self.wfile.write(reply.body)

    do_GET = do_POST = do_PUT = do_DELETE = _dispatch

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        """Quiet: the request log is the record."""


class Emulator:
    """`with Emulator(world).running() as url:` serves the world on free 127.0.0.1 ports.

    With an `organization`, each member account is a tenant of its own (tenants.py): `backend` and
    `controls` are the world's own account's, `tenant(account_id)` any account's; the run-time
    controls below take `account=` (default: the world's own) and the clear_* ones clear every account.
    """

    def __init__(self, world: Union[str, Path, Dict[str, Any], World], clock: Optional[Clock] = None):
        self.world = load_world(world)
        self.directory = Directory(self.world, clock)
        self.backend = self.directory.root.backend
        self.controls = self.directory.root.controls
        self.service = Service(self.directory)
        self._servers: Dict[str, _Server] = {}
        self._threads: List[threading.Thread] = []

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Home region on `port` (0 = free port); other regions on the following ports."""
        for offset, region in enumerate(self.backend.regions):
            server = _Server((host, port + offset if port else 0), self, region)
            self._servers[region] = server
            thread = threading.Thread(target=server.serve_forever, name=f"emulator-{region}",
                                      kwargs={"poll_interval": 0.05}, daemon=True)
            thread.start()
            self._threads.append(thread)
        return self.url()

    def stop(self) -> None:
        for server in self._servers.values():
            server.shutdown()
            server.server_close()
        for thread in self._threads:
            thread.join()
        self._servers, self._threads = {}, []

    @contextmanager
    def running(self, port: int = 0) -> Iterator[str]:
        url = self.start(port)
        try:
            yield url
        finally:
            self.stop()

    def endpoint(self, region: Optional[str] = None) -> str:
        """host:port to pass as the SDK Config.endpoint (with protocol='http')."""
        server = self._servers.get(self.backend.region(region).name)
        if server is None:
            raise RuntimeError("the emulator is not running: call start() or use running()")
        host, port = server.server_address[:2]
        return f"{host}:{port}"

    def url(self, region: Optional[str] = None) -> str:
        return f"http://{self.endpoint(region)}"

    @property
    def endpoints(self) -> Dict[str, str]:
        return {region: self.endpoint(region) for region in self._servers}

    # --- run-time quotas, faults and the request log -------------------------------------------
    def tenant(self, account_id: Optional[str] = None) -> Tenant:
        """The world's own account (None) or an organization member's tenant, by AccountId."""
        return self.directory.tenant(account_id)

    def add_fault(self, account: Optional[str] = None, **fields: Any) -> Fault:
        """e.g. add_fault(actions=["ListProjects"], kind="error", status=503, code="ServiceUnavailable", times=2)"""
        return self.tenant(account).controls.add_fault(Fault(**fields))

    def add_quota(self, account: Optional[str] = None, **fields: Any) -> Quota:
        """e.g. add_quota(name="dw-read", product="dataworks", qps=5, daily=100)"""
        return self.tenant(account).controls.add_quota(Quota(**fields))

    def clear_faults(self) -> None:
        for tenant in self.directory.all():
            tenant.controls.clear_faults()

    def clear_quotas(self) -> None:
        for tenant in self.directory.all():
            tenant.controls.clear_quotas()

    def requests(self, account: Optional[str] = None) -> List[RequestRecord]:
        """One account's request log (default: the world's own); account="*" merges all, by time."""
        if account == "*":
            records = [r for t in self.directory.all() for r in t.controls.records()]
            return sorted(records, key=lambda r: r.time)
        return self.tenant(account).controls.records()

    def clear_requests(self) -> None:
        for tenant in self.directory.all():
            tenant.controls.clear_log()

    def expire_member_tokens(self) -> int:
        """Every STS token AssumeRole has issued expires now; returns how many."""
        return self.directory.expire_issued()

    # --- run-time world changes and the service clock --------------------------------------------
    def change(self, kind: str, account: Optional[str] = None, actor: str = "ops-alice",
               **params: Any) -> Dict[str, Any]:
        """Change one account's world (default: the world's own) as RAM user `actor` would, and record the
        ActionTrail write event that leaves (served by LookupEvents after the world's
        actiontrail_delivery_seconds); returns the event. Kinds (changes.KINDS):
        add_workspace_member_role(workspace_id, user_id, role="role_project_admin", user_name=None),
        remove_workspace_member_role(workspace_id, user_id, role="role_project_admin"),
        set_project_protection(project, protected), stop_logging(name), start_logging(name),
        disable_console_logon(user_name). An unknown kind, a bad parameter or a missing object: ValueError."""
        return changes.apply(self.tenant(account).backend, kind, actor, **params)

    def advance(self, seconds: float) -> str:
        """Move every account's service clock (the world's `now`, else real time) forward by `seconds`;
        returns the world's own account's new time (YYYY-MM-DDThh:mm:ssZ)."""
        if isinstance(seconds, bool):
            raise ValueError(f"advance: seconds must be a number, not {seconds!r}")
        try:
            amount = float(seconds)
        except (TypeError, ValueError):
            raise ValueError(f"advance: seconds must be a number, not {seconds!r}") from None
        if not amount >= 0 or amount == float("inf"):
            raise ValueError(f"advance: seconds must be 0 or more (the clock never goes back), not {seconds!r}")
        self.directory.advance(amount)
        return self.now()

    def now(self) -> str:
        """The world's own account's service clock (YYYY-MM-DDThh:mm:ssZ)."""
        return format_time(self.backend.now())

    def control(self, method: str, path: str, body: bytes) -> Reply:
        """HTTP control: GET requests[?account=ID|*], POST faults|quotas (JSON, may name "account"),
        DELETE faults|quotas|requests, POST sts/expire (expire every token AssumeRole issued),
        POST changes {"kind", "account"?, "actor"?, ...params} (Emulator.change; answers the event),
        POST clock {"advance": seconds} (Emulator.advance; answers {"now"}), GET clock ({"now"})."""
        what, _, query = path[len(CONTROL_PREFIX):].partition("?")
        what = what.strip("/")
        try:
            data = json.loads(body) if body else {}
            if not isinstance(data, dict):
                raise ValueError("the body must be a JSON object")
            data.update(dict(parse_qsl(query)))
            result = self._control(method, what, data)
        except (ValueError, TypeError) as exc:
            return Reply(400, json.dumps({"error": str(exc)}).encode())
        if result is None:
            return Reply(404, json.dumps({"error": f"no control {method} {what}"}).encode())
        return Reply(200, json.dumps(result).encode())

    def _control(self, method: str, what: str, data: Dict[str, Any]) -> Optional[Any]:
        actions = {
            ("GET", "requests"): lambda: [r.as_dict() for r in self.requests(data.get("account"))],
            ("POST", "faults"): lambda: self.add_fault(**data).model_dump(),
            ("POST", "quotas"): lambda: self.add_quota(**data).model_dump(),
            ("DELETE", "faults"): lambda: self.clear_faults() or {},
            ("DELETE", "quotas"): lambda: self.clear_quotas() or {},
            ("DELETE", "requests"): lambda: self.clear_requests() or {},
            ("POST", "sts/expire"): lambda: {"expired": self.expire_member_tokens()},
            ("POST", "changes"): lambda: self._change_control(data),
            ("POST", "clock"): lambda: {"now": self.advance(self._required(data, "advance", "clock"))},
            ("GET", "clock"): lambda: {"now": self.now()},
        }
        action = actions.get((method, what))
        return action() if action else None

    @staticmethod
    def _required(data: Dict[str, Any], key: str, control: str) -> Any:
        if key not in data:
            raise ValueError(f"{control}: the JSON body must give {key!r}")
        return data[key]

    def _change_control(self, data: Dict[str, Any]) -> Dict[str, Any]:
        params = dict(data)
        kind = params.pop("kind", None)
        if kind is None:
            raise ValueError(f"changes: the JSON body must give \"kind\" (one of {', '.join(changes.KINDS)})")
        return self.change(kind, **params)
