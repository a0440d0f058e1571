"""history/runs/<run_id>.json and the report files in the store layout: order, repeated runs, shards, the
cap, the older versions' history/index.json."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from dwdiag.cli import demo_snapshot
from dwdiag.models.findings import Category
from dwdiag.publish import shards
from dwdiag.publish.history import KEEP
from dwdiag.publish.layout import LATEST_REPORT as LATEST_REPORT_KEY
from dwdiag.publish.layout import LEGACY_HISTORY, history_entry
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag.publish.writer import prefix_of, write_run
from tests.support.report import page_data, parse
from tests.support.stores import RecordingStore


def report_key(result) -> str:
    return f"{prefix_of(result)}/report.html"


T0 = datetime(2026, 11, 1, 2, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def snapshot():
    return demo_snapshot()


def run(snapshot, n=0, run_id=None, **kwargs):
    started = T0 + timedelta(days=n)
    return evaluate(snapshot, Settings(), started_at=started, run_id=run_id or f"{started:%Y%m%dT%H%M%SZ}-r{n}",
                    **kwargs)


def trend_of(tmp_path, result) -> list[dict]:
    return page_data(parse((tmp_path / report_key(result)).read_text()))["history"]


def test_history_and_reports_are_written_in_order(tmp_path, snapshot):
    store, result = RecordingStore(tmp_path), run(snapshot)
    written = write_run(store, result)
    order = store.order
    summary, entry_key = f"{prefix_of(result)}/summary.json", history_entry(result.run_id)
    assert written == order
    assert order.index(summary) < order.index(entry_key) < order.index(report_key(result))
    assert order.index(report_key(result)) < min(i for i, k in enumerate(order) if k.startswith("latest/"))
    assert order[-1] == LATEST_REPORT_KEY
    assert (tmp_path / LATEST_REPORT_KEY).read_text() == (tmp_path / report_key(result)).read_text()
    entry = json.loads((tmp_path / entry_key).read_text())
    assert entry["run_id"] == result.run_id and entry["started_at"] == T0.isoformat()
    assert entry["open_by_risk"] == result.summary.totals.open_by_risk
    assert entry["by_status"] == result.summary.totals.by_status
    assert entry["regions"] == sorted(result.summary.regions)
    assert entry["categories"] == sorted(c.value for c in Category)
    assert not (tmp_path / LEGACY_HISTORY).exists(), "the shared index is never written"


def test_a_repeated_run_replaces_its_entry_and_a_trend_holds_only_runs_started_before(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    a = run(snapshot, 0, categories=[Category.computing_storage])
    b = run(snapshot, 1, categories=[Category.platform_config])
    for r in (a, b, a):
        write_run(store, r)
    assert sorted(p.name for p in (tmp_path / "history" / "runs").iterdir()) == \
        [f"{a.run_id}.json", f"{b.run_id}.json"]
    assert json.loads((tmp_path / history_entry(a.run_id)).read_text())["categories"] == ["computing_storage"]
    assert [h["run_id"] for h in trend_of(tmp_path, b)] == [a.run_id, b.run_id]
    # a, written again after b, is the same page: b started after it, so b is not in a's trend.
    assert [h["run_id"] for h in trend_of(tmp_path, a)] == [a.run_id]
    assert "parts" not in trend_of(tmp_path, b)[0]


def test_the_trend_is_the_last_runs_listed_under_history_runs(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    earlier = [f"20261020T0{i // 60:01d}{i % 60:02d}00Z-e{i:03d}" for i in range(KEEP + 10)]
    for i, run_id in enumerate(earlier):
        store.write(history_entry(run_id), {"run_id": run_id, "started_at": f"2026-10-20T0{i // 60}:{i % 60:02d}:00",
                                            "open_by_risk": {"high": i}})
    later = "20261201T000000Z-later"
    store.write(history_entry(later), {"run_id": later, "started_at": "2026-12-01T00:00:00+00:00"})
    result = run(snapshot, 0, categories=[Category.platform_config])
    write_run(store, result)
    ids = [h["run_id"] for h in trend_of(tmp_path, result)]
    assert len(ids) == KEEP and ids[-1] == result.run_id and ids[:-1] == earlier[-(KEEP - 1):]
    assert later not in ids, "a run that started after this one is not in its trend"


def test_older_versions_index_is_read_as_entries_and_never_written(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    legacy = {"runs": [{"run_id": f"old-{i}", "started_at": f"2025-01-01T00:00:{i:02d}", "parts": {"x": {}}}
                       for i in range(KEEP)]}
    store.write(LEGACY_HISTORY, legacy)
    before = (tmp_path / LEGACY_HISTORY).read_bytes()
    result = run(snapshot, 0, categories=[Category.platform_config])
    write_run(store, result)
    trend = trend_of(tmp_path, result)
    assert len(trend) == KEEP and trend[-1]["run_id"] == result.run_id and trend[0]["run_id"] == "old-1"
    assert all("parts" not in h for h in trend)
    assert (tmp_path / LEGACY_HISTORY).read_bytes() == before


def test_shards_of_one_run_add_up_once_every_one_finished_and_the_report_shows_both(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    run_id = "20261101T020000Z-shard"
    one = run(snapshot, 0, run_id=run_id, regions=["cn-hangzhou"], categories=[Category.data_production])
    two = run(snapshot, 0, run_id=run_id, regions=["ap-southeast-1"], categories=[Category.data_production])
    shards.expect(store, run_id, "data_production", ["cn-hangzhou", "ap-southeast-1"])
    written = write_run(store, one, shard=True)
    assert not any(k.endswith(("summary.json", "report.html", "findings.csv")) or k.startswith("history/")
                   for k in written), "a part that finds the run incomplete writes nothing run-level"
    assert [k for k in written if k.startswith("latest/")] == ["latest/cn-hangzhou/data_production.json"]
    write_run(store, two, shard=True)
    entry = json.loads((tmp_path / history_entry(run_id)).read_text())
    first = (tmp_path / history_entry(run_id)).read_bytes(), (tmp_path / report_key(two)).read_bytes()
    write_run(store, two, shard=True)  # a retried shard counts once
    again = json.loads((tmp_path / history_entry(run_id)).read_text())
    assert again["by_status"] == entry["by_status"]
    assert entry["regions"] == ["ap-southeast-1", "cn-hangzhou"]
    for risk in ("high", "medium", "low"):
        assert entry["open_by_risk"][risk] == one.summary.totals.open_by_risk[risk] + \
            two.summary.totals.open_by_risk[risk]
    page = page_data(parse((tmp_path / report_key(two)).read_text()))
    assert len(page["findings"]) == len(one.findings) + len(two.findings)
    assert page["run"]["regions"] == ["ap-southeast-1", "cn-hangzhou"]
    summary = json.loads((tmp_path / prefix_of(two) / "summary.json").read_text())
    assert summary["shards"] == {"expected": ["ap-southeast-1", "cn-hangzhou"],
                                 "finished": ["ap-southeast-1", "cn-hangzhou"], "missing": []}
    assert first[0] == (tmp_path / history_entry(run_id)).read_bytes(), "the retry derives the same entry"


def test_a_damaged_index_or_entry_costs_the_trend_never_the_run(tmp_path, snapshot):
    (tmp_path / "history" / "runs").mkdir(parents=True)
    (tmp_path / LEGACY_HISTORY).write_text("{not json")
    (tmp_path / history_entry("20261020T000000Z-broken")).write_text("{not json")
    result = run(snapshot, 0, categories=[Category.platform_config])
    write_run(LocalStore(tmp_path), result)
    assert [h["run_id"] for h in trend_of(tmp_path, result)] == [result.run_id]
