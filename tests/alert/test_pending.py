"""Alerts that wait for the next run: one object each (alerts/pending/<run_id>-<region>.json), so two runs
whose alerts fail at the same moment both leave theirs; the next run sends them oldest first and deletes
each once DingTalk accepted it; older versions' alerts/pending.json is taken over once."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dwdiag.cli import demo_snapshot
from dwdiag.evaluate import evaluate
from dwdiag.models.findings import Category
from dwdiag.pipeline import write_and_alert
from dwdiag.publish import layout
from dwdiag.publish.writer import prefix_of
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from tests.support.stores import Gated, in_threads

STARTED = datetime(2026, 11, 28, 1, 0, 5, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def snapshot():
    return demo_snapshot()


def part(snapshot, region: str, run_id: str, started: datetime = STARTED,
         category: Category = Category.data_production):
    return evaluate(snapshot, Settings(), run_id=run_id, started_at=started, regions=[region], categories=[category])


def failing(body: dict) -> None:
    raise ConnectionError("DingTalk is down")


def test_two_runs_whose_alerts_fail_together_both_stay_pending_then_go_out_oldest_first(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    a = part(snapshot, "cn-hangzhou", "20261128T010000Z-aaaaaa")
    b = part(snapshot, "cn-hangzhou", "20261128T011500Z-bbbbbb", category=Category.computing_storage)
    # Both have listed the pending alerts (none) before either queues its own.
    gated = Gated(store, 2, before=lambda key: key.startswith(f"{layout.PENDING}/"))
    in_threads(*(lambda r=r: write_and_alert(gated, r, Settings(), send=failing) for r in (a, b)))
    assert a.summary.alerts["cn-hangzhou"].startswith("failed") and b.summary.alerts["cn-hangzhou"].startswith("failed")
    pending = list(store.list(layout.PENDING))
    assert pending == [layout.pending_alert(a.run_id, "cn-hangzhou"), layout.pending_alert(b.run_id, "cn-hangzhou")]

    sent: list[dict] = []
    nxt = part(snapshot, "cn-hangzhou", "20261129T010000Z-cccccc", STARTED + timedelta(days=1),
               category=Category.platform_config)  # nothing of its own to say
    write_and_alert(store, nxt, Settings(), send=sent.append)
    late = [k for k, v in nxt.summary.alerts.items() if v == "sent late"]
    assert late == [f"cn-hangzhou (run {a.run_id})", f"cn-hangzhou (run {b.run_id})"]
    assert a.run_id in str(sent[0]) and b.run_id in str(sent[1]), "oldest first"
    assert list(store.list(layout.PENDING)) == [], "each deleted once DingTalk accepted it"
    for r in (a, b):
        assert store.read(layout.alert_marker(prefix_of(r), "cn-hangzhou"))["sent"] is True


def test_older_versions_queue_is_taken_over_once(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    old = {"run_id": "20261127T010000Z-0old00", "region": "cn-hangzhou", "body": {"msgtype": "markdown", "n": 1},
           "marker": "runs/2026-11-27/20261127T010000Z-0old00/alerts/cn-hangzhou.json"}
    store.write(layout.LEGACY_PENDING, {"messages": [old]})
    result = part(snapshot, "cn-hangzhou", "20261128T010000Z-eeeeee")
    write_and_alert(store, result, Settings(), send=failing)
    assert not store.exists(layout.LEGACY_PENDING), "taken over, then deleted"
    assert store.read(layout.pending_alert(old["run_id"], "cn-hangzhou")) == old
    sent: list[dict] = []
    nxt = part(snapshot, "cn-hangzhou", run_id="20261129T010000Z-dddddd", started=STARTED + timedelta(days=1))
    write_and_alert(store, nxt, Settings(), send=sent.append)
    assert sent[0] == old["body"] and list(store.list(layout.PENDING)) == []
    assert store.read(old["marker"])["sent"] is True


def test_a_pending_alert_another_run_already_sent_is_only_deleted(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    item = {"run_id": "20261127T010000Z-0sent0", "region": "cn-hangzhou", "body": {"n": 1},
            "marker": "runs/2026-11-27/20261127T010000Z-0sent0/alerts/cn-hangzhou.json"}
    store.write(layout.pending_alert(item["run_id"], "cn-hangzhou"), item)
    store.write(item["marker"], {"run_id": item["run_id"], "region": "cn-hangzhou", "sent": True})
    sent: list[dict] = []
    write_and_alert(store, part(snapshot, "cn-hangzhou", "20261128T010000Z-ffffff"), Settings(), send=sent.append)
    assert item["body"] not in sent and list(store.list(layout.PENDING)) == []
