"""FC 2.0's error answers: an HTTP status and a JSON body.

The error-code table (https://www.alibabacloud.com/help/doc-detail/154973.htm) gives the codes, statuses
and messages, and writes the body as {"errorCode", "errorMessage"}; the official aliyun-fc2 SDK reads
`ErrorCode` (fc2/client.py, `__gen_request_err`, which fills FcError.err_code from it). The emulator
answers with the keys the SDK reads, ErrorCode and ErrorMessage; which casing FC itself sends is
UNCONFIRMED.
"""
from __future__ import annotations

import json


class FcError(Exception):
    def __init__(self, status: int, code: str, message: str):
        super().__init__(f"{status} {code}: {message}")
        self.status, self.code, self.message = status, code, message

    def render(self, request_id: str) -> bytes:
        return json.dumps({"ErrorCode": self.code, "ErrorMessage": self.message,
                           "RequestId": request_id}).encode("utf-8")


def service_not_found(service: str) -> FcError:
    return FcError(404, "ServiceNotFound", f"service '{service}' does not exist")


def function_not_found(function: str) -> FcError:
    return FcError(404, "FunctionNotFound", f"function '{function}' does not exist")


def alias_not_found(qualifier: str, service: str) -> FcError:
    return FcError(404, "AliasNotFound", f"alias '{qualifier}' of service '{service}' does not exist")


def path_not_supported(method: str, path: str) -> FcError:
    return FcError(400, "PathNotSupported", f"'{method}' against '{path}' is not supported")


def entity_too_large(limit: int) -> FcError:
    return FcError(400, "EntityTooLarge", f"payload size exceeds maximum allowed size ({limit} bytes)")
