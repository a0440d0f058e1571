"""The report is a view: when it cannot be rendered, the run is still written and latest/ still moves."""

from __future__ import annotations

import pytest

import dwdiag.report
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag.publish.writer import write_run


def _broken_at_once(*args, **kwargs):
    raise RuntimeError("a bug in the report")


def _broken_halfway(*args, **kwargs):
    yield "<!doctype html><html>"
    raise RuntimeError("a bug in the report")


@pytest.mark.parametrize("broken", [_broken_at_once, _broken_halfway])
def test_a_report_that_breaks_leaves_everything_else_written(tmp_path, demo, monkeypatch, caplog, broken):
    monkeypatch.setattr(dwdiag.report, "iter_run_report_parts", broken)
    result = evaluate(demo, Settings())
    written = write_run(LocalStore(tmp_path), result)
    assert not any(k.endswith("report.html") for k in written)
    assert not list(tmp_path.rglob("*report.html*")), "no page, not even half of one"
    assert any(k.startswith("latest/") for k in written) and (tmp_path / "history" / "runs" / f"{result.run_id}.json").is_file()
    assert "the HTML report could not be built" in caplog.text


def test_the_page_is_copied_for_latest_and_is_the_same(tmp_path, demo):
    result = evaluate(demo, Settings())
    write_run(LocalStore(tmp_path), result)
    run_page = next(tmp_path.glob("runs/*/*/report.html")).read_bytes()
    assert run_page == (tmp_path / "latest" / "report.html").read_bytes()
    assert result.findings[0].fingerprint.encode() in run_page
