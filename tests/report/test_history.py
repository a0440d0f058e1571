"""history/index.json and the report files in the store layout: order, repeated runs, shards, the cap."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

from dwdiag.cli import demo_snapshot
from dwdiag.models.findings import Category
from dwdiag.publish.history import HISTORY_KEY, KEEP, update_history
from dwdiag.publish.layout import LATEST_REPORT as LATEST_REPORT_KEY
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


def test_history_and_reports_are_written_in_order(tmp_path, snapshot):
    store, result = RecordingStore(tmp_path), run(snapshot)
    written = write_run(store, result)
    order = store.order
    summary = f"{prefix_of(result)}/summary.json"
    assert written == order
    assert order.index(summary) < order.index(HISTORY_KEY) < order.index(report_key(result))
    assert order.index(report_key(result)) < min(i for i, k in enumerate(order) if k.startswith("latest/"))
    assert order[-1] == LATEST_REPORT_KEY
    assert (tmp_path / LATEST_REPORT_KEY).read_text() == (tmp_path / report_key(result)).read_text()
    (entry,) = json.loads((tmp_path / HISTORY_KEY).read_text())["runs"]
    assert entry["run_id"] == result.run_id and entry["started_at"] == T0.isoformat()
    assert entry["open_by_risk"] == result.summary.totals.open_by_risk
    assert entry["by_status"] == result.summary.totals.by_status
    assert entry["regions"] == sorted(result.summary.regions)
    assert entry["categories"] == sorted(c.value for c in Category)


def test_a_repeated_run_replaces_its_entry_and_runs_of_other_categories_interleave(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    a = run(snapshot, 0, categories=[Category.computing_storage])
    b = run(snapshot, 1, categories=[Category.platform_config])
    for r in (a, b, a):
        write_run(store, r)
    runs = json.loads((tmp_path / HISTORY_KEY).read_text())["runs"]
    assert [r["run_id"] for r in runs] == [a.run_id, b.run_id]
    assert [r["categories"] for r in runs] == [["computing_storage"], ["platform_config"]]
    assert runs[0]["open_by_risk"] == a.summary.totals.open_by_risk
    page = page_data(parse((tmp_path / report_key(b)).read_text()))
    assert [h["run_id"] for h in page["history"]] == [a.run_id, b.run_id]
    assert "parts" not in page["history"][0]


def test_only_the_last_runs_are_kept(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    result = run(snapshot, 0, categories=[Category.platform_config])
    store.write(HISTORY_KEY, {"runs": [{"run_id": f"old-{i}", "started_at": f"2025-01-01T00:00:{i:02d}"}
                                       for i in range(KEEP)]})
    runs, _ = update_history(store, result)
    assert len(runs) == KEEP and runs[-1]["run_id"] == result.run_id and runs[0]["run_id"] == "old-1"


def test_shards_of_one_run_add_up_and_the_report_shows_both(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    one = run(snapshot, 0, run_id="20261101T020000Z-shard", regions=["cn-hangzhou"],
              categories=[Category.data_production])
    two = run(snapshot, 0, run_id="20261101T020000Z-shard", regions=["ap-southeast-1"],
              categories=[Category.data_production])
    write_run(store, one)
    write_run(store, two)
    write_run(store, two)  # a retried shard counts once
    (entry,) = json.loads((tmp_path / HISTORY_KEY).read_text())["runs"]
    assert entry["regions"] == ["ap-southeast-1", "cn-hangzhou"]
    for risk in ("high", "medium", "low"):
        assert entry["open_by_risk"][risk] == one.summary.totals.open_by_risk[risk] + \
            two.summary.totals.open_by_risk[risk]
    page = page_data(parse((tmp_path / report_key(two)).read_text()))
    assert len(page["findings"]) == len(one.findings) + len(two.findings)
    assert page["run"]["regions"] == ["ap-southeast-1", "cn-hangzhou"]


def test_a_damaged_index_starts_again(tmp_path, snapshot):
    (tmp_path / "history").mkdir()
    (tmp_path / HISTORY_KEY).write_text("{not json")
    result = run(snapshot, 0, categories=[Category.platform_config])
    runs, _ = update_history(LocalStore(tmp_path), result)
    assert [r["run_id"] for r in runs] == [result.run_id]
