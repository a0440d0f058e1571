"""Publishing across runs: a resolved finding is announced once, an unchanged run says nothing."""

from __future__ import annotations

from datetime import timedelta

from dwdiag.models.findings import Category
from dwdiag.pipeline import write_and_alert
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from dwdiag.store import LocalStore

ONLY = [Category.data_production]


def run(demo, store, max_admins: int, day: int):
    settings = Settings(max_admins=max_admins, alert_min_risk="low")
    result = evaluate(demo, settings, categories=ONLY, regions=["cn-hangzhou"],
                      started_at=demo.collected_at + timedelta(days=day))
    sent: list[dict] = []
    write_and_alert(store, result, settings, send=sent.append)
    return result, sent


def test_resolved_once_then_silence(demo, tmp_path):
    store = LocalStore(tmp_path)
    first, sent = run(demo, store, max_admins=3, day=0)
    assert len(sent) == 1 and first.summary.changes["new"] > 0
    second, sent = run(demo, store, max_admins=10, day=1)  # risk_std's five admins are now within limit
    assert second.summary.changes["resolved"] == 1 and second.summary.changes["new"] == 0
    assert len(sent) == 1 and "1 resolved" in sent[0]["markdown"]["title"]
    third, sent = run(demo, store, max_admins=10, day=2)
    assert third.summary.changes["resolved"] == 0 and sent == [] and third.summary.alerts["cn-hangzhou"] == "unchanged"
