"""The watch's handler, invoked in process the way FC invokes it: on its timer, and with an EventBridge event."""

from __future__ import annotations

import json

from tests.support.cloud import ROOT, context, load_handler, timer_event

EVENTBRIDGE = (ROOT / "functions" / "watch" / "event.eventbridge.json").read_bytes()


def test_the_timer_watch_reads_its_window_and_keeps_its_cursor(cloud):
    handler = load_handler("watch")
    out = json.loads(handler(timer_event({}, when="2026-11-28T02:00:00Z", name="watch"), context("dwdiag-watch")))
    assert out["ok"] and out["category"] == "watch", out
    assert out["windows"] == {"cn-hangzhou": ["2026-11-28T01:45:00Z", "2026-11-28T02:00:00Z"]}
    assert list(out["calls"]) == ["actiontrail:LookupEvents"], "a quiet watch only looks"
    cursor = cloud.objects("watch/cursor/")["watch/cursor/cn-hangzhou.json"]
    assert cursor["until"] == "2026-11-28T02:00:00Z"
    day = f"{out['watch_id'][:4]}-{out['watch_id'][4:6]}-{out['watch_id'][6:8]}"  # the day the watch ran
    assert cloud.objects("watch/runs/")[f"watch/runs/{day}/{out['watch_id']}.json"]["watch_id"] == out["watch_id"]
    assert cloud.receiver.accepted == [], "nothing changed, nothing sent"


def test_an_eventbridge_event_re_checks_its_record_at_once_and_the_timer_watch_skips_it(cloud):
    handler = load_handler("watch")
    load_handler("platform_config")(timer_event({"regions": ["cn-hangzhou"]}), context("dwdiag-platform-config"))
    out = json.loads(handler(EVENTBRIDGE, context("dwdiag-watch", request_id="req-eb")))
    assert out["ok"], out
    assert out["known"] == {"Actiontrail:StopLogging": 1} and out["windows"] == {}
    assert out["rechecked"] == {"cn-hangzhou": {"platform_config": {"whole": True}}}
    assert out["triggers"] == [
        "cn-hangzhou: StopLogging on trail audit by ops-alice (ram-user) at 2026-11-28T01:05:00Z"]
    cursor = cloud.objects("watch/cursor/")["watch/cursor/cn-hangzhou.json"]
    assert "8A2C1D3E-0000-4000-8000-000000000001" in cursor["seen"]


def test_a_bad_eventbridge_event_or_an_organization_setting_is_one_clear_error(cloud, monkeypatch):
    handler = load_handler("watch")
    envelope = json.loads(EVENTBRIDGE)
    del envelope["data"]["eventName"]
    out = json.loads(handler(json.dumps(envelope).encode(), context("dwdiag-watch")))
    assert not out["ok"] and "not an ActionTrail record" in out["error"]
    monkeypatch.setenv("DWDIAG_ACCOUNTS", "resource-directory")
    out = json.loads(handler(timer_event({}, name="watch"), context("dwdiag-watch")))
    assert not out["ok"] and "DWDIAG_ACCOUNTS=self" in out["error"]


def test_an_eventbridge_record_of_an_unwatched_region_counts_in_the_first_watched_one(cloud, monkeypatch):
    monkeypatch.setenv("DWDIAG_REGIONS", "cn-hangzhou")
    envelope = json.loads(EVENTBRIDGE)
    envelope["data"]["acsRegion"] = envelope["aliyunregionid"] = "ap-southeast-1"  # where RAM keeps events abroad
    envelope["data"].update(serviceName="Ram", eventName="DeleteLoginProfile", requestParameters={"UserName": "x"})
    out = json.loads(load_handler("watch")(json.dumps(envelope).encode(), context("dwdiag-watch")))
    assert out["ok"] and out["known"] == {"Ram:DeleteLoginProfile": 1}
