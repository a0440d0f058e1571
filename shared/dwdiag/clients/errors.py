"""One error type for every failed call, whatever the SDK raised; secrets masked.

The client layer imports nothing from the evidence models: the collectors turn a ClientError into
evidence (`dwdiag.collectors.base.call_error`)."""

from __future__ import annotations

from typing import Any, Optional

from dwdiag.redact import redact_text

# Codes that are ours, for failures that never reached an answer with a code.
NETWORK = "NetworkError"
MALFORMED = "MalformedResponse"
UNSUCCESSFUL = "Unsuccessful"
DEADLINE = "DeadlineExceeded"
PAGINATION = "InvalidPagination"


class ClientError(Exception):
    def __init__(self, product: str, operation: str, code: str, message: str = "", *,
                 http_status: Optional[int] = None, request_id: Optional[str] = None,
                 retry_after_ms: Optional[int] = None) -> None:
        self.product, self.operation, self.code = product, operation, code or "Unknown"
        self.message = redact_text(message or "")[:500]
        self.http_status, self.request_id, self.retry_after_ms = http_status, request_id, retry_after_ms
        super().__init__(f"{product} {operation} failed: {self.code}"
                         + (f" (HTTP {http_status})" if http_status else "") + (f": {self.message}" if self.message else ""))


def _int(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def from_sdk(exc: BaseException, product: str, operation: str, secrets: tuple[str, ...] = ()) -> ClientError:
    """Translate whatever the Tea SDK raised. MaxCompute puts its code in data['errorCode']."""
    if isinstance(exc, ClientError):
        return exc
    data = getattr(exc, "data", None)
    data = data if isinstance(data, dict) else {}
    code = getattr(exc, "code", None)
    message = str(getattr(exc, "message", "") or "")
    if code in (None, "", "None"):
        # MaxCompute answers errorCode/errorMsg; the SDK then reports code 'None' and a useless message.
        code = data.get("errorCode") or data.get("Code") or data.get("code")
        message = str(data.get("errorMsg") or data.get("Message") or data.get("message") or "")
    status = _int(getattr(exc, "status_code", None) or data.get("statusCode") or data.get("httpCode"))
    if code is None:
        code, message = _transport(exc)
    retry_after = _int(getattr(exc, "retry_after", None))
    request_id = getattr(exc, "request_id", None) or data.get("RequestId") or data.get("requestId")
    return ClientError(product, operation, str(code), redact_text(message, secrets), http_status=status,
                       request_id=request_id, retry_after_ms=retry_after if retry_after and retry_after > 0 else None)


def _transport(exc: BaseException) -> tuple[str, str]:
    """No answer with a code: either the connection failed or the body was not JSON."""
    inner = getattr(exc, "inner_exception", None) or exc.__cause__ or exc
    name = type(inner).__name__
    if name in ("RetryError", "ConnectionError", "Timeout", "ReadTimeout", "ConnectTimeout") or isinstance(
            inner, (OSError, ConnectionError)):
        return NETWORK, f"{name}: the connection failed or timed out"
    return MALFORMED, f"{name}: the answer could not be read"
