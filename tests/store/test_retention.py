"""DWDIAG_KEEP_DAYS / `dwdiag prune`: what is older than the cutoff goes, on the local store and on OSS; what the
next run, the watch or a person still reads stays whatever its age."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone

import pytest

import dwdiag.pipeline as pipeline
from dwdiag.cli import main
from dwdiag.evaluate import evaluate
from dwdiag.models.findings import Category
from dwdiag.publish import retention
from dwdiag.settings import Settings
from dwdiag.store import LocalStore, StoreError

NOW = datetime(2026, 12, 2, 6, 0, tzinfo=timezone.utc)
OLD_RUN, OPEN_RUN, NEW_RUN = "20261020T010000Z-aaaaaa", "20261021T010000Z-bbbbbb", "20261201T010000Z-cccccc"

OLD = [  # older than 30 days before NOW, and not protected
    f"runs/2026-10-20/{OLD_RUN}/cn-hangzhou/data_production/findings.json",
    f"runs/2026-10-20/{OLD_RUN}/summary.json",
    f"runs/2026-10-20/{OLD_RUN}/report.html",
    f"history/runs/{OLD_RUN}.json",
    "watch/runs/2026-10-20/20261020T001000Z-dddddd.json",
    "watch/runs/2026-10-20/20261020T001000Z-dddddd/alerts/cn-hangzhou.json",
]
KEPT = [
    f"runs/2026-12-01/{NEW_RUN}/summary.json",                # new
    f"history/runs/{NEW_RUN}.json",
    "watch/runs/2026-12-01/20261201T001000Z-eeeeee.json",
    f"runs/2026-10-21/{OPEN_RUN}/checkpoint/cn-hangzhou/data_production/region/workspaces.json.gz",  # open
    f"history/runs/{OPEN_RUN}.json",
    "latest/cn-hangzhou/data_production.json",                # read by the next run, whatever its age
    "latest/report.html",
    "open/data_production/cn-hangzhou.json",
    "alerts/pending/20261001T010000Z-ffffff-cn-hangzhou.json",
    "watch/cursor/cn-hangzhou.json",
    "cache/cn-hangzhou.jsonl.gz",
    "history/index.json",
    "remediation/2026-09-01/20260901T000000Z-1.json",         # the record of what dwdiag changed
    "runs/not-a-date/something.json",                         # not ours to judge
]


@pytest.fixture(params=["local", "oss"])
def store(request, tmp_path):
    if request.param == "local":
        return LocalStore(tmp_path)
    return request.getfixturevalue("oss_store")


def fill(store) -> None:
    for key in OLD + KEPT:
        store.write(key, {"run_id": OPEN_RUN} if key.startswith("open/") else {"key": key})


def keys(store) -> set[str]:
    return set(store.list(""))


def test_what_is_older_than_the_cutoff_goes_and_what_is_still_read_stays(store):
    fill(store)
    pruned = retention.prune(store, 30, now=NOW)
    assert keys(store) == set(KEPT)
    assert pruned.cutoff == "2026-11-02" and pruned.runs == [OLD_RUN] and pruned.kept_open == [OPEN_RUN]
    assert (pruned.objects, pruned.deleted, pruned.history, pruned.watch) == (len(OLD), len(OLD), 1, 2)
    assert pruned.complete and not pruned.errors
    again = retention.prune(store, 30, now=NOW)
    assert again.objects == 0 and keys(store) == set(KEPT), "a second pass finds nothing more"


def test_a_dry_run_counts_the_same_and_deletes_nothing(store):
    fill(store)
    before = keys(store)
    pruned = retention.prune(store, 30, now=NOW, dry_run=True)
    assert keys(store) == before
    assert (pruned.objects, pruned.deleted, pruned.runs) == (len(OLD), 0, [OLD_RUN])


def test_the_cutoff_is_whole_days_and_a_longer_keep_keeps_more(tmp_path):
    store = LocalStore(tmp_path)
    fill(store)
    assert retention.prune(store, 60, now=NOW).objects == 0, "nothing is 60 days old"
    assert retention.cutoff_date(1, NOW) == "2026-12-01"
    with pytest.raises(ValueError):
        retention.cutoff_date(0, NOW)


def test_a_limit_stops_the_pass_and_the_next_goes_on(tmp_path):
    store = LocalStore(tmp_path)
    fill(store)
    first = retention.prune(store, 30, now=NOW, limit=2)
    assert first.deleted == 2 and not first.complete
    second = retention.prune(store, 30, now=NOW, limit=100)
    assert second.deleted == len(OLD) - 2 and second.complete
    assert keys(store) == set(KEPT)


def test_an_unreadable_open_marker_stops_the_pass_before_anything_goes(tmp_path):
    store = LocalStore(tmp_path)
    fill(store)
    (tmp_path / "open/data_production/cn-hangzhou.json").write_text("{not json")
    before = keys(store)
    pruned = retention.prune(store, 30, now=NOW)
    assert keys(store) == before and not pruned.complete
    assert pruned.errors and "open/data_production/cn-hangzhou.json" in pruned.errors[0]


def test_an_object_that_cannot_be_deleted_is_named_and_the_rest_go(tmp_path):
    class Stubborn(LocalStore):
        def delete(self, key: str) -> None:
            if key.endswith("summary.json"):
                raise StoreError("AccessDenied", key=key, code="AccessDenied")
            super().delete(key)

    store = Stubborn(tmp_path)
    fill(store)
    pruned = retention.prune(store, 30, now=NOW)
    stuck = f"runs/2026-10-20/{OLD_RUN}/summary.json"
    assert keys(store) == set(KEPT) | {stuck}
    assert pruned.deleted == len(OLD) - 1 and len(pruned.errors) == 1 and stuck in pruned.errors[0]


def test_a_store_that_refuses_every_deletion_ends_the_pass_early_saying_why(tmp_path):
    class Refusing(LocalStore):
        def delete(self, key: str) -> None:
            raise StoreError("AccessDenied", key=key, code="AccessDenied")

    store = Refusing(tmp_path)
    for day in range(1, 30):
        store.write(f"runs/2026-09-{day:02d}/202609{day:02d}T010000Z-000000/summary.json", {})
    pruned = retention.prune(store, 30, now=NOW)
    assert pruned.deleted == 0 and not pruned.complete
    assert len(pruned.errors) == retention.MAX_ERRORS + 1 and "oss:DeleteObject" in pruned.errors[-1]


def test_a_run_with_keep_days_prunes_after_publishing_but_never_itself(demo, tmp_path):
    store = LocalStore(tmp_path)
    fill(store)
    settings = Settings(keep_days=30)
    # Evidence collected long ago, evaluated now: the run is dated by its start, older than the cutoff.
    started = datetime.now(timezone.utc) - timedelta(days=90)
    result = evaluate(demo, settings, categories=[Category.data_production], regions=["cn-hangzhou"],
                      started_at=started)
    pipeline.write_and_alert(store, result, settings)
    left = keys(store)
    assert not set(OLD) & left, "the old runs went once the run was published"
    mine = [k for k in left if f"/{result.run_id}/" in k or k.endswith(f"/{result.run_id}.json")]
    assert any(k.endswith("/summary.json") for k in mine) and f"history/runs/{result.run_id}.json" in mine
    assert set(KEPT) - {f"runs/2026-12-01/{NEW_RUN}/summary.json", f"history/runs/{NEW_RUN}.json",
                        "watch/runs/2026-12-01/20261201T001000Z-eeeeee.json"} <= left


def test_without_keep_days_a_run_prunes_nothing(demo, tmp_path):
    store = LocalStore(tmp_path)
    fill(store)
    result = evaluate(demo, Settings(), categories=[Category.data_production], regions=["cn-hangzhou"])
    pipeline.write_and_alert(store, result, Settings())
    assert set(OLD) <= keys(store)


def test_dwdiag_prune_is_a_dry_run_until_yes(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("DWDIAG_KEEP_DAYS", raising=False)
    store = LocalStore(tmp_path)
    today = datetime.now(timezone.utc)
    old, new = today - timedelta(days=40), today
    old_keys = [f"runs/{old:%Y-%m-%d}/{old:%Y%m%dT%H%M%SZ}-000001/summary.json",
                f"history/runs/{old:%Y%m%dT%H%M%SZ}-000001.json"]
    new_keys = [f"runs/{new:%Y-%m-%d}/{new:%Y%m%dT%H%M%SZ}-000002/summary.json", "latest/report.html"]
    for key in old_keys + new_keys:
        store.write(key, {})
    code = main(["prune", "--store", str(tmp_path)])
    _, err = capsys.readouterr()
    assert code == 2 and "--keep-days" in err and "DWDIAG_KEEP_DAYS" in err
    code = main(["prune", "--store", str(tmp_path), "--keep-days", "30"])
    out, _ = capsys.readouterr()
    assert code == 0 and "would delete 2 object(s): 1 run(s), 1 history entry, 0 watch record(s)" in out
    assert "--yes" in out and keys(store) == set(old_keys + new_keys)
    monkeypatch.setenv("DWDIAG_KEEP_DAYS", "30")
    code = main(["prune", "--store", str(tmp_path), "--yes", "--format", "json"])
    doc = json.loads(capsys.readouterr().out)
    assert code == 0 and doc["deleted"] == 2 and doc["complete"] and keys(store) == set(new_keys)
    code = main(["prune", "--store", str(tmp_path), "--keep-days", "0"])
    assert code == 2 and "at least 1" in capsys.readouterr().err
