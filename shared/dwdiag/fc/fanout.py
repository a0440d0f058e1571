"""Fan-out on Function Compute itself: one asynchronous invocation of this function per shard."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Optional

from dwdiag.clients import Credentials
from dwdiag.clients.session import resolve_endpoint
from dwdiag.redact import redact_text


@dataclass(frozen=True)
class Target:
    service: str
    function: str
    qualifier: Optional[str] = None


def target_of(context: Any, environ: dict[str, str]) -> Target:
    """This function's own names: FC 2.0 passes service and function in the context (and env)."""
    service = getattr(getattr(context, "service", None), "name", None) or environ.get("FC_SERVICE_NAME")
    function = getattr(getattr(context, "function", None), "name", None) or environ.get("FC_FUNCTION_NAME")
    qualifier = getattr(getattr(context, "service", None), "qualifier", None) or environ.get("FC_QUALIFIER")
    if not service or not function:
        raise RuntimeError("cannot fan out: the function's service and name are unknown (FC_SERVICE_NAME, "
                           "FC_FUNCTION_NAME)")
    return Target(service, function, qualifier if qualifier not in (None, "", "LATEST") else None)


def fc_endpoint(account_id: str, region: str, override: Any = None) -> str:
    """The internal endpoint of FC 2.0 in this region, unless DWDIAG_ENDPOINT_FC says otherwise."""
    resolved = resolve_endpoint(override, region)
    if resolved:
        return f"{resolved[0]}://{resolved[1]}"
    return f"https://{account_id}.{region}-internal.fc.aliyuncs.com"


def invoke_async(endpoint: str, credentials: Credentials, target: Target, payload: dict[str, Any]) -> str:
    """Queue one invocation; returns FC's request id."""
    response = invoke(endpoint, credentials, target, payload, asynchronous=True)
    headers = {k.lower(): v for k, v in (response.headers or {}).items()}
    return headers.get("x-fc-request-id", "")


def invoke(endpoint: str, credentials: Credentials, target: Target, payload: dict[str, Any], *,
           asynchronous: bool, timeout: float = 30) -> Any:
    """One InvokeFunction through aliyun-fc2. Its root-logger error lines carry the security token,
    so they pass through dwdiag.fc.logs.Fc2Quiet, installed here."""
    import fc2

    from dwdiag.fc.logs import quiet_fc2

    quiet_fc2(credentials.secrets())
    client = fc2.Client(endpoint=endpoint, accessKeyID=credentials.access_key_id,
                        accessKeySecret=credentials.access_key_secret,
                        securityToken=credentials.security_token or "", Timeout=timeout)
    headers = {"x-fc-invocation-type": "Async"} if asynchronous else {}
    try:
        return client.invoke_function(target.service, target.function, payload=json.dumps(payload).encode(),
                                      headers=headers, qualifier=target.qualifier)
    except Exception as exc:  # noqa: BLE001 - FcError, or JSONDecodeError for a non-JSON error page
        code = getattr(exc, "err_code", None) or type(exc).__name__
        status = getattr(exc, "status_code", None)
        raise RuntimeError(redact_text(f"invocation of {target.function} failed: {code} (HTTP {status})",
                                       credentials.secrets())) from None
