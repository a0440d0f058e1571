"""Every Tea SDK failure becomes one ClientError: code, status, request id, message with secrets masked."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException

from dwdiag.clients.errors import MALFORMED, NETWORK, ClientError, from_sdk
from dwdiag.collectors.base import call_error

SECRET = "canarySecret-9f8e7d"
TOKEN = "CAIScanaryToken-123456"


def test_an_api_error_keeps_code_status_and_request_id():
    exc = ClientException(status_code=403, code="Forbidden.Access", message="code: 403, denied request id: R1",
                          request_id="R1", data={"Code": "Forbidden.Access", "RequestId": "R1"})
    e = from_sdk(exc, "dataworks", "ListProjectMembers")
    assert (e.product, e.operation, e.code, e.http_status, e.request_id, e.retry_after_ms) == (
        "dataworks", "ListProjectMembers", "Forbidden.Access", 403, "R1", None)
    as_evidence = call_error(e, "cn-shanghai")
    assert (as_evidence.code, as_evidence.http_status, as_evidence.region) == ("Forbidden.Access", 403, "cn-shanghai")


def test_throttling_keeps_retry_after():
    exc = ThrottlingException(status_code=429, code="Throttling.User", message="m", retry_after=1200)
    assert from_sdk(exc, "dataworks", "ListProjects").retry_after_ms == 1200


def test_maxcompute_error_code_and_message_come_from_the_data():
    data = {"requestId": "MC1", "httpCode": 400, "errorCode": "ODPS-0420095", "errorMsg": "Access Denied"}
    exc = ClientException(status_code=400, code="None", message="code: 400, None request id: None", data=data)
    e = from_sdk(exc, "maxcompute", "GetProject")
    assert (e.code, e.message, e.http_status, e.request_id) == ("ODPS-0420095", "Access Denied", 400, "MC1")


@pytest.mark.parametrize("exc", [ConnectionError("refused"), TimeoutError("slow"), OSError("reset")])
def test_connection_failures_are_network_errors(exc):
    assert from_sdk(exc, "ram", "ListUsers").code == NETWORK


@pytest.mark.parametrize("exc", [json.JSONDecodeError("Expecting value", "<html>", 0), ValueError("x"),
                                 AttributeError("'list' object has no attribute 'get'")])
def test_unreadable_answers_are_malformed(exc):
    assert from_sdk(exc, "ram", "ListUsers").code == MALFORMED


def test_a_client_error_passes_through_unchanged():
    original = ClientError("ram", "ListUsers", "X")
    assert from_sdk(original, "other", "Other") is original


def test_the_secret_is_masked_in_the_message():
    exc = ServerException(status_code=500, code="InternalError",
                          message=f"failed for secret {SECRET} and token {TOKEN}")
    e = from_sdk(exc, "sts", "GetCallerIdentity", secrets=(SECRET, TOKEN))
    assert e.code == "InternalError"
    for text in (e.message, str(e), repr(e), call_error(e).model_dump_json()):
        assert SECRET not in text and TOKEN not in text
    assert "[REDACTED]" in e.message


def test_the_secret_is_masked_in_a_maxcompute_message():
    data = {"errorCode": "ODPS-0410051", "errorMsg": f"bad signature with key {SECRET}"}
    e = from_sdk(ClientException(status_code=400, code="None", message="x", data=data), "maxcompute",
                 "ListProjects", secrets=(SECRET,))
    assert SECRET not in str(e) and e.code == "ODPS-0410051"


def test_a_secret_in_a_query_string_is_masked_even_unlisted():
    e = ClientError("dataworks", "GetProject", "X", "GET /?AccessKeySecret=abcd1234&SecurityToken=tok99999")
    assert "abcd1234" not in str(e) and "tok99999" not in str(e)


def test_a_long_message_is_cut():
    assert len(ClientError("p", "o", "C", "x" * 5000).message) == 500


def test_the_client_layer_imports_no_evidence_model():
    """Call failures become evidence in the collectors (collectors/base.py), not in the client layer."""
    code = "import sys, dwdiag.clients; print(' '.join(m for m in sys.modules if m.startswith('dwdiag.')))"
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert "dwdiag.clients.session" in loaded
    assert not [m for m in loaded if m.startswith(("dwdiag.models", "dwdiag.collectors", "dwdiag.checks"))]
