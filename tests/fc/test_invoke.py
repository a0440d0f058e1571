"""`dwdiag invoke`: calls the deployed function through aliyun-fc2, async by default or --sync."""

from __future__ import annotations

import json

from dwdiag.cli import main
from tests.support.cloud import FcStandIn


def test_invoke_queues_one_async_call_with_a_run_id(monkeypatch, capsys):
    fc = FcStandIn()
    try:
        monkeypatch.setenv("DWDIAG_ENDPOINT_FC", fc.url)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AKIDinvoke")
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "invoke-secret-canary")
        assert main(["invoke", "--category", "data_transmission", "--region", "cn-shanghai"]) == 0
        out = json.loads(capsys.readouterr().out)
        call = fc.calls[0]
        assert call["path"] == "/2016-08-15/services/dwdiag/functions/dwdiag-data-transmission/invocations"
        assert call["headers"]["x-fc-invocation-type"] == "Async"
        payload = json.loads(call["body"])
        assert payload["regions"] == ["cn-shanghai"] and payload["run_id"] == out["run_id"] and out["queued"]
    finally:
        fc.stop()


def test_invoke_sync_prints_the_functions_summary(monkeypatch, capsys):
    fc = FcStandIn(status=200, body=b'{"ok": true, "findings": 7}')
    try:
        monkeypatch.setenv("DWDIAG_ENDPOINT_FC", fc.url)
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AKIDinvoke")
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "invoke-secret-canary")
        assert main(["invoke", "--category", "platform_config", "--sync"]) == 0
        captured = capsys.readouterr()
        assert json.loads(captured.out) == {"ok": True, "findings": 7}
        assert "x-fc-invocation-type" not in fc.calls[0]["headers"]
        assert "invoke-secret-canary" not in captured.out + captured.err
    finally:
        fc.stop()


def test_invoke_without_credentials_is_one_clear_line(capsys):
    assert main(["invoke", "--category", "platform_config"]) == 2
    assert "ALIBABA_CLOUD_ACCESS_KEY_ID" in capsys.readouterr().err
