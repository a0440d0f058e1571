"""Issue 7, secrets: canary values in every secret the system can see, one full run through the FC
handlers with failures, and a search of every output for them.

Planted: the AccessKey secret and the STS token (the FC context's credentials, which the emulated
tenant accepts), the DingTalk access_token and signing secret, data-source passwords and AccessKey
secrets inside ConnectionProperties (as an object and as a JSON string). Searched: stdout and stderr
(file descriptors), every log record at every level (dwdiag's, the SDKs', aliyun-fc2's), every object in
the bucket, every alert body DingTalk received, every body sent to FC, the handlers' return values,
and the messages and tracebacks of what the handlers raised.
"""

from __future__ import annotations

import gzip

import json
import logging
import traceback
from types import SimpleNamespace

import pytest
from dwdiag_emulator import Emulator

# cloud is a fixture of tests/support/cloud.py; it sweeps this module's `emu`, the canary world.
from tests.support.cloud import CATEGORIES, DING_SECRET, TOKEN, load_handler, timer_event
from tests.support.tenant import CANARIES, canary_world

pytestmark = [pytest.mark.faults, pytest.mark.slow]

SECRETS = {**CANARIES, "ds_string_ak_secret": "CANARY-ds-json-string-aksecret-3c3c",
           "dingtalk_access_token": TOKEN, "dingtalk_secret": DING_SECRET}
LOGGERS = ("dwdiag", "dwdiag_emulator", "fc2", "urllib3", "requests", "alibabacloud_oss_v2", "darabonba",
           "alibabacloud_credentials", "Tea", "aiohttp", "httpx")


def _world() -> dict:
    world = canary_world()
    retail = next(w for w in world["regions"]["cn-hangzhou"]["dataworks"]["workspaces"] if w["Id"] == 10001)
    mysql = next(d for d in retail["data_sources"] if d["Name"] == "mysql_orders")
    props = json.loads(mysql["DataSource"][1]["ConnectionProperties"])
    props["accessKeySecret"] = SECRETS["ds_string_ak_secret"]
    mysql["DataSource"][1]["ConnectionProperties"] = json.dumps(props)
    return world


@pytest.fixture
def emu():
    emulator = Emulator(_world())
    with emulator.running():
        yield emulator


def _context(function: str, request_id: str) -> SimpleNamespace:
    """FC's context with the canary STS credentials (the function's role)."""
    return SimpleNamespace(
        request_id=request_id, region="cn-hangzhou", account_id="1234567890123456",
        credentials=SimpleNamespace(access_key_id="STS.canary", access_key_secret=CANARIES["ak_secret"],
                                    security_token=CANARIES["sts_token"]),
        function=SimpleNamespace(name=function, handler="index.handler", memory=512, timeout=900),
        service=SimpleNamespace(name="dwdiag", qualifier="LATEST", log_project="p", log_store="s", version_id=""))


class Everything(logging.Handler):
    """Every record that reaches it, as raw message, formatted line and traceback."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self.texts.append(record.getMessage())
        except Exception:
            self.texts.append(f"{record.msg!r} {record.args!r}")
        if record.exc_info:
            self.texts.append("".join(traceback.format_exception(*record.exc_info)))


@pytest.fixture
def every_log(caplog):
    caplog.set_level(logging.DEBUG)
    handler = Everything()
    root = logging.getLogger()
    root.addHandler(handler)
    saved = {name: logging.getLogger(name).level for name in LOGGERS}
    for name in LOGGERS:  # DEBUG whatever the root level is (the handler sets INFO on every invocation)
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield handler
    root.removeHandler(handler)
    for name, level in saved.items():
        logging.getLogger(name).setLevel(level)


def _invoke(category: str, event: bytes, request_id: str, outputs: list[str]):
    try:
        out = load_handler(category)(event, _context(f"dwdiag-{category.replace('_', '-')}", request_id))
    except Exception as exc:
        outputs += [str(exc), repr(exc), "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))]
        return None
    outputs.append(out)
    return json.loads(out)


def test_no_canary_in_any_output(cloud, emu, every_log, caplog, capfd, monkeypatch):
    outputs: list[str] = []
    regions = ["cn-hangzhou", "ap-southeast-1"]
    monkeypatch.setenv("DWDIAG_REGIONS", ",".join(regions))
    # 1. FC refuses the fan-out: aliyun-fc2 logs the failed call (with the token, unless tamed).
    cloud.fc.status, cloud.fc.body = 403, b'{"ErrorCode": "AccessDenied", "ErrorMessage": "denied"}'
    refused = _invoke("platform_config", timer_event({"regions": regions}), "req-refused", outputs)
    assert refused["ok"] is False
    # 2. Every category fans out, then each queued shard runs: denied, unreadable and 5xx answers on
    #    the way (the canary world's faults), and DingTalk down for the first messages.
    cloud.fc.status, cloud.fc.body = 202, b""
    cloud.receiver.fail_next(("raw", 502, "<html>bad gateway</html>"), times=2)
    for category in CATEGORIES:
        before = len(cloud.fc.calls)
        parent = _invoke(category, timer_event({"regions": regions}), f"req-{category}", outputs)
        assert parent["ok"], parent
        for i, call in enumerate(cloud.fc.calls[before:]):
            shard = _invoke(category, call["body"], f"req-{category}-{i}", outputs)
            assert shard and shard["ok"], shard
    # 3. The bucket is unreachable for one more run: what it raises is searched too.
    monkeypatch.setenv("DWDIAG_ENDPOINT_OSS", "http://127.0.0.1:9")
    assert _invoke("data_production", timer_event({"regions": ["cn-hangzhou"]}, when="2026-11-29T01:00:00Z"),
                   "req-oss-down", outputs) is None

    stored = {}
    for page in cloud.s3.get_paginator("list_objects_v2").paginate(Bucket=cloud.bucket):
        for o in page.get("Contents", []):
            body = cloud.s3.get_object(Bucket=cloud.bucket, Key=o["Key"])["Body"].read()
            # The evidence cache is gzip: searched inside, where the API answers it keeps would be.
            stored[o["Key"]] = (gzip.decompress(body) if o["Key"].endswith(".gz") else body).decode()
    captured = capfd.readouterr()
    searched = {
        "return values and exceptions": "\n".join(outputs),
        "stdout": captured.out, "stderr": captured.err,
        "log records": "\n".join(every_log.texts) + "\n" + caplog.text,
        "store objects": "\n".join(f"{k}\n{v}" for k, v in stored.items()),
        "alert bodies": "\n".join(r.body.decode("utf-8", "replace") for r in cloud.receiver.attempts),
        "bodies sent to FC": "\n".join(c["body"].decode("utf-8", "replace") for c in cloud.fc.calls),
    }
    # The run did see the secrets and did fail in places, so the search means something.
    assert "[REDACTED]" in searched["store objects"] and '"error"' in searched["store objects"]
    assert cloud.receiver.accepted and len(cloud.receiver.attempts) > len(cloud.receiver.accepted)
    assert "request details withheld" in searched["log records"], "aliyun-fc2 logged the refused call"
    assert any(k.endswith("evidence.json") and "mysql_orders" in v for k, v in stored.items())
    leaks = [f"{name} in {where}" for name, canary in SECRETS.items()
             for where, text in searched.items() if canary in text]
    leaks = [leak for leak in leaks if leak not in KNOWN_LEAKS]
    assert not leaks, leaks


# A known leak, kept out of the search above so that it keeps watching everything else; the test below
# fails until it is fixed (then strict xfail turns it into a failure, and this entry must go).
KNOWN_LEAKS: set[str] = set()


def test_the_alert_carries_no_sts_token(cloud, emu):
    out = _invoke("data_production", timer_event({"regions": ["cn-hangzhou"]}), "req-alert", [])
    assert out["ok"] and cloud.receiver.accepted
    bodies = "\n".join(r.body.decode("utf-8", "replace") for r in cloud.receiver.attempts)
    assert CANARIES["sts_token"] not in bodies
