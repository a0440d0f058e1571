"""One request through the emulator: route, authenticate, quotas, faults, handler, log.

Transport-free, so the HTTP layer stays a thin shell and tests can drive it directly.
"""
from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass, field
from typing import Dict, Optional

from .auth import authenticate, claimed_access_key
from .backend import Backend
from .controls import CallInfo, Controls, RequestRecord, fault_error, key_params
from . import permissions
from .exceptions import (EmulatorError, ForbiddenAccess, InvalidActionNotFound, InvalidParameter,
                         InvalidVersion, new_request_id)
from .protocol import MC_ROOT, VERSIONS, ApiRequest, flatten, parse_request
from .responses import ROUTES, Call
from .tenants import Directory, Tenant

log = logging.getLogger("dwdiag_emulator")


@dataclass
class Reply:
    status: int
    body: bytes
    headers: Dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json;charset=utf-8"


class Service:
    """Serves every account of a Directory; `backend` and `controls` are the world's own account's."""

    def __init__(self, directory: Directory):
        self.directory = directory
        self.backend: Backend = directory.root.backend
        self.controls: Controls = directory.root.controls

    def handle(self, method: str, target: str, headers: Dict[str, str], body: bytes,
               region: Optional[str] = None) -> Reply:
        started = time.monotonic()
        req = parse_request(method, target, headers, body)
        # the account that holds the signing key serves the request: its data, quotas, faults, log
        tenant = self.directory.by_key(claimed_access_key(req))
        backend = tenant.backend
        region_name = backend.region(region or _host_region(req)).name
        product = VERSIONS.get(req.version, "")
        info = CallInfo(product, req.version, req.action, region_name,
                        {**req.params, **req.path_params, **flatten(req.json)})
        request_id, ak = new_request_id(), ""
        try:
            _route_check(req, product)
            if backend.world.auth.verify_signatures:
                ak = authenticate(req, backend)
            reply = self._serve(tenant, req, info, request_id, ak)
        except EmulatorError as exc:
            host = _HOSTS.get(product) or f"{product or 'pop'}.{region_name}.aliyuncs.com"
            reply = Reply(exc.status, exc.render(request_id, host), exc.headers)
        except Exception:  # a handler bug must still answer, never drop the connection
            log.exception("emulator handler failed for %s", req.action)
            err = EmulatorError()
            reply = Reply(500, err.render(request_id, "emulator"))
        self._record(tenant, info, reply, ak, started)
        return reply

    def _serve(self, tenant: Tenant, req: ApiRequest, info: CallInfo, request_id: str, ak: str) -> Reply:
        controls, backend = tenant.controls, tenant.backend
        controls.check_quotas(info)
        if ak:  # a world that does not verify signatures has no caller to refuse
            permissions.check(backend.keys.get(ak), info)
        fault = controls.pick_fault(info)
        if fault is not None:
            if fault.latency_ms:
                time.sleep(fault.latency_ms / 1000.0)
            shaped = _fault_reply(fault, info)
            if shaped is not None:
                return shaped
        call = Call(backend, backend.region(info.region), req.action, req.version,
                    req.params, req.path_params, request_id, ak, req.json)
        body = ROUTES[(req.version, req.action)](call)
        return Reply(200, json.dumps(body).encode("utf-8"))

    def _record(self, tenant: Tenant, info: CallInfo, reply: Reply, ak: str, started: float) -> None:
        code = None
        if reply.status >= 400:
            code = _error_code(reply.body)
        tenant.controls.record(RequestRecord(
            time=time.time(), region=info.region, product=info.product, version=info.version,
            action=info.action, params=key_params(info.params), status=reply.status,
            error_code=code, access_key_id=ak,
            duration_ms=round((time.monotonic() - started) * 1000, 3), account_id=tenant.account_id))


# global endpoints: an error names the host the SDK called
_HOSTS = {"resourcedirectory": "resourcedirectory.aliyuncs.com"}


def _route_check(req: ApiRequest, product: str) -> None:
    """Unknown action or version gets the gateway's answer; nothing falls back silently."""
    if not req.action:
        raise InvalidActionNotFound()
    if not product:
        raise InvalidVersion()
    if (req.version, req.action) not in ROUTES:
        raise InvalidActionNotFound()
    roa = product == "maxcompute"
    if roa and ((req.method, req.roa_suffix) != _ROA.get(req.action) or not req.path.startswith(MC_ROOT)):
        raise InvalidActionNotFound()
    if not roa and (req.path != "/" or req.method not in ("GET", "POST")):
        raise InvalidActionNotFound()
    if req.json_invalid:
        raise InvalidParameter("body", "It must be a JSON object.")


# MaxCompute's ROA operations: the method and what follows /api/v1/projects/{projectName}/ (SDK client.py)
_ROA = {"ListProjects": ("GET", ""), "GetProject": ("GET", ""), "UpdateProjectBasicMeta": ("PUT", "meta")}


def _fault_reply(fault, info: CallInfo) -> Optional[Reply]:
    if fault.kind == "latency":
        return None
    if fault.kind == "malformed":
        text = fault.body or '{"RequestId": "truncated", "PagingInfo": {"TotalCount": '
        return Reply(fault.status or 200, text.encode(), fault.headers)
    if fault.kind == "non_json":
        text = fault.body or "<html><body>502 Bad Gateway</body></html>"
        return Reply(fault.status or 502, text.encode(), fault.headers, "text/html")
    error = fault_error(fault)
    if isinstance(error, ForbiddenAccess):
        error.extra["AccessDeniedDetail"]["AuthAction"] = f"{info.product}:{info.action}"
    raise error


def _host_region(req: ApiRequest) -> Optional[str]:
    """dataworks.cn-shanghai.aliyuncs.com -> cn-shanghai, when a proxy keeps real host names."""
    host = req.headers.get("host", "").split(":")[0]
    parts = host.split(".")
    if len(parts) == 4 and parts[2] == "aliyuncs" and parts[3] == "com":
        return parts[1]
    return None


def _error_code(body: bytes) -> Optional[str]:
    try:
        data = json.loads(body)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    return data.get("Code") or data.get("code") or data.get("errorCode")
