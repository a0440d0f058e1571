"""InvokeFunction of FC 2.0 (API 2016-08-15), as aliyun-fc2's Client.invoke_function calls it:
`POST /2016-08-15/services/{service}[.{qualifier}]/functions/{function}/invocations`, the event as the
body, `x-fc-invocation-type: Async` for an asynchronous call.

InvokeFunction (https://www.alibabacloud.com/help/doc-detail/191156.htm, FC 2.0 API reference): request
headers X-Fc-Invocation-Type (Sync or Async) and X-Fc-Log-Type (Tail: "the last 4 KB of logs"); the
response is the function's result, X-Fc-Error-Type (UnhandledInvocationError) when it failed, and
X-Fc-Log-Result. Common response header X-Fc-Request-Id (https://www.alibabacloud.com/help/doc-detail/53251.htm).
An async call answers at once and the request is persisted in a queue
(https://www.alibabacloud.com/help/en/functioncompute/result-callback); its status 202 is documented for
FC 3.0's InvokeFunction (https://help.aliyun.com/en/functioncompute/call-example) and UNCONFIRMED for 2.0.
Payload limits: sync 32 MB, async 128 KB (https://alibabacloud.com/help/en/functioncompute/fc-2-0/product-overview/limits).
"""
from __future__ import annotations

import base64
import json
import re
import uuid
from typing import TYPE_CHECKING, Dict

from ..service import Reply
from .auth import authenticate
from .errors import (FcError, alias_not_found, entity_too_large, function_not_found, path_not_supported,
                     service_not_found)
from .process import SUCCEEDED

if TYPE_CHECKING:
    from .runtime import FcRuntime, Invocation

API_VERSION = "2016-08-15"
INVOKE_PATH = re.compile(rf"^/{API_VERSION}/services/([^/]+)/functions/([^/]+)/invocations$")
SYNC_LIMIT = 32 * 1024 * 1024
ASYNC_LIMIT = 128 * 1024
UNHANDLED = "UnhandledInvocationError"


def handle(runtime: "FcRuntime", method: str, target: str, headers: Dict[str, str], body: bytes) -> Reply:
    request_id = str(uuid.uuid4())
    lower = {k.lower(): v for k, v in headers.items()}
    try:
        return _invoke(runtime, method, target, lower, body, request_id)
    except FcError as exc:
        return Reply(exc.status, exc.render(request_id), {"X-Fc-Request-Id": request_id})


def _invoke(runtime: "FcRuntime", method: str, target: str, headers: Dict[str, str], body: bytes,
            request_id: str) -> Reply:
    path = target.split("?")[0]
    match = INVOKE_PATH.match(path)
    if method != "POST" or not match:
        raise path_not_supported(method, path)
    if runtime.emulator.world.auth.verify_signatures:
        authenticate(method, target, headers, runtime.emulator.backend)
    service, _, qualifier = match.group(1).partition(".")
    name = match.group(2)
    if service not in {f.service for f in runtime.functions.values()}:
        raise service_not_found(service)
    spec = runtime.functions.get(name)
    if spec is None or spec.service != service:
        raise function_not_found(name)
    if qualifier not in ("", "LATEST"):  # the emulator has no versions or aliases
        raise alias_not_found(qualifier, service)
    kind = headers.get("x-fc-invocation-type", "Sync")
    if kind.lower() not in ("sync", "async"):
        raise FcError(400, "InvalidArgument", f"x-fc-invocation-type is Sync or Async, not {kind!r}")
    asynchronous = kind.lower() == "async"
    if len(body) > (ASYNC_LIMIT if asynchronous else SYNC_LIMIT):
        raise entity_too_large(ASYNC_LIMIT if asynchronous else SYNC_LIMIT)
    if asynchronous:
        runtime.enqueue(spec, body, request_id, qualifier or "LATEST")
        return Reply(202, b"", {"X-Fc-Request-Id": request_id})
    record = runtime.run_sync(spec, body, request_id, qualifier or "LATEST")
    return _sync_reply(record, headers.get("x-fc-log-type", "None"))


def _sync_reply(record: "Invocation", log_type: str) -> Reply:
    out = {"X-Fc-Request-Id": record.request_id}
    if log_type == "Tail":
        out["X-Fc-Log-Result"] = base64.b64encode(record.log.encode("utf-8")[-4096:]).decode()
    if record.outcome == SUCCEEDED:
        return Reply(200, record.result, out, "application/octet-stream")
    out["X-Fc-Error-Type"] = UNHANDLED
    return Reply(200, json.dumps(record.error or {"errorMessage": record.outcome}).encode("utf-8"), out)
