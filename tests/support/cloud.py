"""The FC handlers in process, and the cloud they reach, all on 127.0.0.1: a context shaped like FC's,
moto as OSS, a DingTalk receiver, and a stand-in for FC's own InvokeFunction endpoint.

As a pytest plugin it gives the fixtures `moto` (moto's OSS, one per session) and `cloud` (everything a
deployed function would reach, configured the way FC would be; it sweeps the `emu` fixture, which is the
emulated demo tenant of tests/support/tenant.py unless a test module gives its own)."""

from __future__ import annotations

import functools
import importlib.util
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import SimpleNamespace
from typing import Any

import pytest

from dwdiag.alert import dingtalk
from dwdiag.clients.retry import RetryPolicy
from tests.support.dingtalk import start_receiver
from tests.support.oss import start_moto_s3
from tests.support.paths import ROOT, WORLD_NOW

CATEGORIES = ("computing_storage", "data_transmission", "data_production", "platform_config")
TOKEN, DING_SECRET = "ding-token-canary-77aa", "SEC-ding-secret-canary-5b5b"


def load_handler(category: str):
    path = ROOT / "functions" / category / "index.py"
    spec = importlib.util.spec_from_file_location(f"fc_handler_{category}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.handler


def context(function: str, request_id: str = "req-1", secret: str = "demoSecret", token: Any = None,
            timeout: int = 900) -> SimpleNamespace:
    """What FC's python3.10 runtime passes (doc: context.credentials, function, service, region)."""
    return SimpleNamespace(
        request_id=request_id, region="cn-hangzhou", account_id="1234567890123456",
        credentials=SimpleNamespace(access_key_id="AKIDdemo", access_key_secret=secret, security_token=token),
        function=SimpleNamespace(name=function, handler="index.handler", memory=512, timeout=timeout),
        service=SimpleNamespace(name="dwdiag", qualifier="LATEST", log_project="p", log_store="s", version_id=""))


def timer_event(payload: dict, when: str = "2026-11-28T01:00:00Z", name: str = "nightly") -> bytes:
    return json.dumps({"triggerTime": when, "triggerName": name, "payload": json.dumps(payload)}).encode()


class FcStandIn:
    """Answers InvokeFunction like FC 2.0 (202 for async) and records every call."""

    def __init__(self, status: int = 202, body: bytes = b"") -> None:
        self.calls: list[dict[str, Any]] = []
        self.status, self.body = status, body
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                length = int(self.headers.get("content-length") or 0)
                outer.calls.append({"path": self.path, "headers": {k.lower(): v for k, v in self.headers.items()},
                                    "body": self.rfile.read(length)})
                self.send_response(outer.status)
                self.send_header("x-fc-request-id", f"fc-req-{len(outer.calls)}")
                self.send_header("content-type", "application/json")
                self.end_headers()
                self.wfile.write(outer.body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def moto():
    server, app = start_moto_s3()
    yield server
    server.stop()


@pytest.fixture
def cloud(emu, moto, monkeypatch, tmp_path):
    """Everything a deployed function would reach, on 127.0.0.1, configured the way FC would be."""
    import boto3
    from botocore.config import Config

    s3 = boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="t",
                      aws_secret_access_key="t", config=Config(s3={"addressing_style": "path"}))
    bucket = f"dwdiag-fc-{len(s3.list_buckets()['Buckets'])}"
    s3.create_bucket(Bucket=bucket)
    receiver = start_receiver(TOKEN, DING_SECRET)
    fc = FcStandIn()
    for product in ("DATAWORKS", "MAXCOMPUTE", "ACTIONTRAIL", "RAM", "STS"):
        monkeypatch.setenv(f"DWDIAG_ENDPOINT_{product}", json.dumps({r: emu.url(r) for r in emu.endpoints}))
    env = {"DWDIAG_REGIONS": "cn-hangzhou", "DWDIAG_OSS_BUCKET": bucket, "DWDIAG_OSS_PREFIX": "dwdiag/",
           "DWDIAG_OSS_REGION": "cn-hangzhou", "DWDIAG_ENDPOINT_OSS": moto.url, "DWDIAG_ENDPOINT_FC": fc.url,
           "DWDIAG_DINGTALK_WEBHOOK": receiver.url, "DWDIAG_DINGTALK_SECRET": DING_SECRET,
           "DWDIAG_QPS_DATAWORKS": "1000", "DWDIAG_QPS_ACTIONTRAIL_LOOKUP": "1000"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.delenv("FC_REGION", raising=False)
    monkeypatch.setattr("dwdiag.pipeline.utcnow", lambda: WORLD_NOW)
    monkeypatch.setattr("dwdiag.sweep.RetryPolicy", functools.partial(RetryPolicy, base_delay=0.001, max_attempts=2))
    dingtalk.reset_windows()

    def objects(prefix: str = "") -> dict[str, Any]:
        listing = s3.list_objects_v2(Bucket=bucket, Prefix="dwdiag/" + prefix).get("Contents", [])
        return {o["Key"][len("dwdiag/"):]: json.loads(s3.get_object(Bucket=bucket, Key=o["Key"])["Body"].read())
                for o in listing if o["Key"].endswith(".json")}

    yield SimpleNamespace(bucket=bucket, s3=s3, receiver=receiver, fc=fc, objects=objects)
    receiver.stop()
    fc.stop()
