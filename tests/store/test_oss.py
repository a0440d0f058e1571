"""The OSS store's own concerns: credentials and the STS token on the wire, and errors without secrets."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import types

import pytest

from dwdiag.clients import Credentials
from dwdiag.store import StoreError
from dwdiag.store.oss import OssStore, _path_style
from tests.support.oss import LocalServer, REGION, SECRET, STS, TOKEN


def _signed_requests(seen):
    return [r for r in seen() if r["headers"].get("authorization", "").startswith("OSS4-HMAC-SHA256")]


def test_requests_are_v4_signed_and_carry_the_sts_token(oss_store, requests_seen):
    oss_store.write("a.json", {"v": 1})
    assert oss_store.read("a.json") == {"v": 1} and oss_store.exists("a.json")
    signed = _signed_requests(requests_seen)
    assert [r["method"] for r in signed] == ["PUT", "GET", "HEAD"]
    for r in signed:
        assert r["headers"]["x-oss-security-token"] == TOKEN
        assert f"Credential={STS.access_key_id}/" in r["headers"]["authorization"]
        assert f"/{REGION}/oss/aliyun_v4_request" in r["headers"]["authorization"]
        assert SECRET not in json.dumps(r["headers"]), "the secret signs; it is never sent"


def test_fc_context_credentials_win_over_the_sdks_oss_variables(moto_server, bucket, requests_seen, monkeypatch):
    # The SDK's environment provider would read these; the store must not.
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", "oss-env-id")
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", "oss-env-secret")
    monkeypatch.setenv("OSS_SESSION_TOKEN", "oss-env-token")
    context = types.SimpleNamespace(credentials=types.SimpleNamespace(
        access_key_id="STS.from-context", access_key_secret=SECRET, security_token="ctx-" + TOKEN))
    store = OssStore(bucket, region=REGION, endpoint=moto_server[0].url,
                     credentials=Credentials.from_fc_context(context))
    store.write("x.json", {})
    (put,) = _signed_requests(requests_seen)
    assert put["headers"]["x-oss-security-token"] == "ctx-" + TOKEN
    assert "Credential=STS.from-context/" in put["headers"]["authorization"]


def test_credentials_from_the_alibaba_cloud_variables(moto_server, bucket, requests_seen, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.from-env")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", "env-" + TOKEN)
    OssStore(bucket, region=REGION, endpoint=moto_server[0].url).write("x.json", {})
    (put,) = _signed_requests(requests_seen)
    assert put["headers"]["x-oss-security-token"] == "env-" + TOKEN


def test_no_credentials_is_a_clear_error(monkeypatch):
    monkeypatch.setenv("OSS_ACCESS_KEY_ID", "ignored")
    monkeypatch.setenv("OSS_ACCESS_KEY_SECRET", "ignored")
    with pytest.raises(ValueError, match="ALIBABA_CLOUD_ACCESS_KEY_ID.*ALIBABA_CLOUD_ACCESS_KEY_SECRET"):
        OssStore("findings", region=REGION)
    with pytest.raises(ValueError, match="DWDIAG_OSS_REGION"):
        OssStore("findings", credentials=STS)


def _assert_clean(err: StoreError, bucket: str, key: str, code: str):
    text = str(err)
    assert bucket in text and key in text and code in text, text
    assert (err.bucket, err.key, err.code) == (bucket, key, code)
    assert SECRET not in text and TOKEN not in text
    assert err.__cause__ is None and err.__suppress_context__, "no SDK exception (and its request) chained"


def test_a_missing_bucket_is_an_error_not_an_empty_store(moto_server):
    store = OssStore("dwdiag-no-such-bucket", "p", region=REGION, endpoint=moto_server[0].url, credentials=STS)
    with pytest.raises(StoreError) as write:
        store.write("runs/x.json", {"v": 1})
    _assert_clean(write.value, "dwdiag-no-such-bucket", "p/runs/x.json", "NoSuchBucket")
    assert write.value.status == 404 and isinstance(write.value, OSError)
    with pytest.raises(StoreError) as read:
        store.read("latest/x.json")  # only NoSuchKey means "no previous run"
    _assert_clean(read.value, "dwdiag-no-such-bucket", "p/latest/x.json", "NoSuchBucket")


@pytest.mark.slow
def test_a_closed_port_is_a_store_error():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]  # closed again when the block ends: nothing listens there
    store = OssStore("findings", region=REGION, endpoint=f"http://127.0.0.1:{port}", credentials=STS)
    with pytest.raises(StoreError) as err:
        store.read("x.json")
    _assert_clean(err.value, "findings", "x.json", "RequestError")
    assert "Connection refused" in str(err.value) or "connect" in str(err.value).lower()


@pytest.mark.slow
def test_a_service_that_echoes_the_token_does_not_leak_it(bucket):
    # A hostile or buggy answer that repeats the request's token in its message must not carry it on.
    def app(environ, start_response):
        echo = environ.get("HTTP_X_OSS_SECURITY_TOKEN", "") + " " + environ.get("HTTP_AUTHORIZATION", "")
        body = (f"<?xml version='1.0' encoding='UTF-8'?><Error><Code>AccessDenied</Code>"
                f"<Message>token {echo} secret {SECRET}</Message><RequestId>req-9</RequestId></Error>").encode()
        start_response("403 Forbidden", [("Content-Type", "application/xml"), ("Content-Length", str(len(body))),
                                         ("x-oss-request-id", "req-9")])
        return [body]

    server = LocalServer(app)
    try:
        store = OssStore(bucket, region=REGION, endpoint=server.url, credentials=STS)
        with pytest.raises(StoreError) as err:
            store.write("x.json", {})
    finally:
        server.stop()
    _assert_clean(err.value, bucket, "x.json", "AccessDenied")
    assert err.value.status == 403 and "req-9" in str(err.value) and "***" in str(err.value)


def test_an_object_that_is_not_json_is_named(oss_store, s3, bucket):
    s3.put_object(Bucket=bucket, Key="results/odd.json", Body=b"not json")
    with pytest.raises(StoreError, match=r"oss://.*/results/odd\.json is not JSON"):
        oss_store.read("odd.json")


def test_endpoint_addressing():
    assert _path_style("127.0.0.1") and _path_style("::1") and _path_style("localhost")
    assert not _path_style("oss-cn-hangzhou-internal.aliyuncs.com")
    default = OssStore("findings", region=REGION, credentials=STS)._client._client._options
    assert default.endpoint.geturl() == "https://oss-cn-hangzhou.aliyuncs.com"
    with pytest.raises(ValueError, match="not a URL"):
        OssStore("findings", region=REGION, endpoint="127.0.0.1:9000", credentials=STS)
    with pytest.raises(ValueError):
        OssStore("findings", "a/../b", region=REGION, credentials=STS)


@pytest.mark.slow
def test_importing_the_store_loads_no_sdk():
    code = ("import sys, json, dwdiag.store, dwdiag.store.oss, dwdiag.publish; "
            "print(json.dumps(sorted(m.split('.')[0] for m in sys.modules)))")
    loaded = set(json.loads(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                                           check=True).stdout))
    assert not loaded & {"alibabacloud_oss_v2", "requests", "urllib3"}
