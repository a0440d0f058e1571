"""Each handler, invoked in process the way FC invokes it, finds, stores and alerts; fan-out; bad events."""

from __future__ import annotations

import json
import logging

import pytest

from tests.support.cloud import CATEGORIES, DING_SECRET, TOKEN, context, load_handler, timer_event


@pytest.mark.parametrize("category", CATEGORIES)
def test_every_handler_path_is_a_callable(category):
    assert callable(load_handler(category))


@pytest.mark.slow
def test_timer_run_stores_findings_and_alerts_once_even_when_fc_retries(cloud):
    handler = load_handler("data_production")
    event = timer_event({"regions": ["cn-hangzhou"]})
    first = json.loads(handler(event, context("dwdiag-data-production")))
    assert first["ok"] and first["category"] == "data_production" and first["regions"] == ["cn-hangzhou"]
    run_id = first["run_id"]
    assert run_id.startswith("20261128T010000Z-")
    stored = cloud.objects(f"runs/2026-11-28/{run_id}/")
    findings = stored[f"runs/2026-11-28/{run_id}/cn-hangzhou/data_production/findings.json"]["findings"]
    assert {f["item_id"] for f in findings} >= {"workspace_admin_count", "deploy_separation"}
    assert all(f["category"] == "data_production" for f in findings)
    assert cloud.objects("latest/")["latest/cn-hangzhou/data_production.json"]["run_id"] == run_id
    assert len(cloud.receiver.accepted) == 1 and first["alerts"] == {"cn-hangzhou": "sent"}
    text = cloud.receiver.accepted[0].json()["markdown"]["text"]
    assert "risk\\_std" in text or "risk_std" in text
    # FC retries a failed async invocation with the same event: same run id, no second message.
    again = json.loads(handler(event, context("dwdiag-data-production")))
    assert again["run_id"] == run_id and again["alerts"] == {"cn-hangzhou": "sent before"}
    assert len(cloud.receiver.accepted) == 1


@pytest.mark.slow
def test_next_nights_unchanged_run_sends_nothing(cloud):
    handler = load_handler("data_production")
    handler(timer_event({"regions": ["cn-hangzhou"]}), context("dwdiag-data-production"))
    second = json.loads(handler(timer_event({"regions": ["cn-hangzhou"]}, when="2026-11-29T01:00:00Z"),
                                context("dwdiag-data-production", request_id="req-2")))
    assert second["changes"]["new"] == 0 and second["changes"]["existing"] > 0
    assert second["alerts"] == {"cn-hangzhou": "unchanged"} and len(cloud.receiver.accepted) == 1


@pytest.mark.slow
def test_findings_are_stored_even_when_the_webhook_is_down(cloud):
    cloud.receiver.fail_next(("raw", 502, "<html>bad gateway</html>"), times=10)
    out = json.loads(load_handler("data_production")(timer_event({}), context("dwdiag-data-production")))
    assert out["ok"] and out["alerts"]["cn-hangzhou"].startswith("failed")
    assert cloud.objects(f"runs/2026-11-28/{out['run_id']}/cn-hangzhou/data_production/findings.json")
    pending = cloud.objects("alerts/")
    assert list(pending) == [f"alerts/pending/{out['run_id']}-cn-hangzhou.json"], "kept for the next run"
    assert pending[f"alerts/pending/{out['run_id']}-cn-hangzhou.json"]["body"]["markdown"]["text"]


@pytest.mark.slow
def test_a_multi_region_payload_fans_out_one_async_invocation_per_region(cloud):
    handler = load_handler("platform_config")
    out = json.loads(handler(timer_event({"regions": ["cn-hangzhou", "ap-southeast-1"]}),
                             context("dwdiag-platform-config")))
    assert out["ok"] and set(out["fanned_out"]) == {"cn-hangzhou", "ap-southeast-1"}
    calls = cloud.fc.calls
    assert len(calls) == 2
    for call in calls:
        assert call["path"] == "/2016-08-15/services/dwdiag/functions/dwdiag-platform-config/invocations"
        assert call["headers"]["x-fc-invocation-type"] == "Async"
        assert call["headers"]["authorization"].startswith("FC AKIDdemo:")
    shards = [json.loads(c["body"]) for c in calls]
    assert sorted(s["regions"][0] for s in shards) == ["ap-southeast-1", "cn-hangzhou"]
    assert {s["shard"]["run_id"] for s in shards} == {out["run_id"]} and {s["shard"]["total"] for s in shards} == {2}
    # FC would now run each shard; do the same with what was queued.
    for i, shard in enumerate(shards):
        done = json.loads(handler(json.dumps(shard).encode(), context("dwdiag-platform-config", f"req-s{i}")))
        assert done["ok"] and done["run_id"] == out["run_id"] and done["regions"] == shard["regions"]
    stored = cloud.objects(f"runs/2026-11-28/{out['run_id']}/")
    prefix = f"runs/2026-11-28/{out['run_id']}"
    for region in ("cn-hangzhou", "ap-southeast-1"):
        assert f"{prefix}/{region}/platform_config/findings.json" in stored
    summary = stored[f"{prefix}/summary.json"]
    assert sorted(summary["shards"]["finished"]) == ["ap-southeast-1", "cn-hangzhou"] and not summary["shards"]["missing"]


@pytest.mark.parametrize("event,expected", [
    (b"not json", "not JSON"),
    (b'{"triggerTime": "2026-11-28T01:00:00Z", "triggerName": "t", "payload": "{oops"}', "payload"),
    (b'{"triggerTime": "2026-11-28T01:00:00Z", "triggerName": "t", "payload": "[1]"}', "JSON object"),
    (json.dumps({"regions": []}).encode(), "at least one region"),
    (json.dumps({"regionz": ["cn-hangzhou"]}).encode(), "regionz"),
    (json.dumps({"settings": {"max_admins": "many"}}).encode(), "max_admins"),
    (json.dumps({"settings": {"no_such_setting": 1}}).encode(), "no_such_setting"),
])
def test_a_bad_event_returns_a_clear_error_and_does_not_raise(cloud, event, expected):
    out = json.loads(load_handler("platform_config")(event, context("dwdiag-platform-config")))
    assert out["ok"] is False and expected in out["error"] and "Traceback" not in out["error"]
    assert not cloud.fc.calls and not cloud.receiver.attempts


def test_fc2_error_logs_never_show_the_security_token(cloud, caplog):
    cloud.fc.status, cloud.fc.body = 403, b'{"ErrorCode": "AccessDenied", "ErrorMessage": "denied"}'
    caplog.set_level(logging.DEBUG)
    token, secret = "CANARY-fc-sts-token-9e9e", "CANARY-fc-secret-1f1f"
    out = json.loads(load_handler("platform_config")(
        timer_event({"regions": ["cn-hangzhou", "ap-southeast-1"]}),
        context("dwdiag-platform-config", secret=secret, token=token)))
    assert out["ok"] is False and all(v.startswith("failed") for v in out["fanned_out"].values())
    assert "AccessDenied" in json.dumps(out)
    assert "request details withheld" in caplog.text, "aliyun-fc2 did log the failed call, redacted"
    logged = caplog.text + json.dumps(out)
    for canary in (token, secret, TOKEN, DING_SECRET):
        assert canary not in logged
