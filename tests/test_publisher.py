"""Publishing across runs: a resolved finding is announced once, an unchanged run says nothing; a run that
fails still says why in its summary."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import dwdiag.pipeline as pipeline
from dwdiag.errors import UserError
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


def test_a_run_that_fails_before_its_findings_still_says_why_in_its_summary(demo, tmp_path, monkeypatch):
    def broken(*args, **kwargs):
        raise UserError("the evidence is unusable")

    monkeypatch.setattr(pipeline, "evaluate", broken)
    with pytest.raises(UserError):
        pipeline.run(Settings(), source="evaluate", snapshot=demo, store=LocalStore(tmp_path), regions=["cn-hangzhou"],
                     categories=ONLY, run_id="20261128T010000Z-failed")
    summary = json.loads(next(tmp_path.glob("runs/*/20261128T010000Z-failed/summary.json")).read_text())
    assert summary["problems"] == ["the run failed before its findings were written: the evidence is unusable"]
    assert not list(tmp_path.glob("latest/*")) and not list(tmp_path.glob("history/*"))


def test_a_run_that_fails_while_it_is_written_says_so_and_moves_no_latest_pointer(demo, tmp_path, monkeypatch):
    def unreachable(*args, **kwargs):
        raise OSError("the store went away")

    monkeypatch.setattr(pipeline, "finish_part", unreachable)
    with pytest.raises(OSError):
        pipeline.run(Settings(), source="evaluate", snapshot=demo, store=LocalStore(tmp_path), regions=["cn-hangzhou"],
                     categories=ONLY, run_id="20261128T010000Z-broken")
    run = next(tmp_path.glob("runs/*/20261128T010000Z-broken"))
    summary = json.loads((run / "summary.json").read_text())
    assert summary["problems"] == ["the run failed before it was fully written: OSError"]
    assert summary["findings"] > 0 and (run / "cn-hangzhou" / "data_production" / "findings.json").is_file()
    assert json.loads((run / "parts" / "data_production" / "cn-hangzhou.json").read_text())["finished"] is False
    assert not list(tmp_path.glob("latest/*")) and not (run / "report.html").exists()


def test_a_single_account_keeps_the_region_layout_and_an_organization_places_each_account_apart(demo, tmp_path):
    """spec/architecture.md's layout (`latest/<region>/`) holds for a run of the credentials' own account;
    an organization run (DWDIAG_ACCOUNTS) writes `<account>/<region>` and never reads the other as its own."""
    store = LocalStore(tmp_path)
    first, _ = run(demo, store, max_admins=3, day=0)
    assert (tmp_path / "latest" / "cn-hangzhou" / "data_production.json").is_file()
    assert not (tmp_path / "latest" / demo.account_id).exists()
    assert all(f.account_id == demo.account_id for f in first.findings), "findings still name their account"

    organization = Settings(accounts=[demo.account_id], alert_min_risk="low")
    other = evaluate(demo, organization, categories=ONLY, regions=["cn-hangzhou"],
                     started_at=demo.collected_at + timedelta(days=2))
    other.summary.account_id = demo.account_id  # as pipeline.run places an organization's part
    write_and_alert(store, other, organization)
    assert (tmp_path / "latest" / demo.account_id / "cn-hangzhou" / "data_production.json").is_file()
    assert other.summary.changes["existing"] == 0 and other.summary.changes["new"] > 0, \
        "an organization's account has its own pointers, not the single-account run's"
