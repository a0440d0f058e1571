"""`dwdiag scan` and `dwdiag demo` print OCSF and CSV and write both into the run folder."""

from __future__ import annotations

import csv
import io
import json

import pytest

from dwdiag.cli import main
from tests.support import csv_reader
from tests.support.ocsf import assert_valid


def _run_folder(root):
    (summary,) = root.glob("runs/*/*/summary.json")
    return summary.parent


@pytest.mark.slow
def test_scan_prints_ocsf_and_writes_both_files(scan_env, capsys, tmp_path):
    assert main(["scan", "--format", "ocsf", "--output", str(tmp_path), "--no-alert"]) == 0
    printed = json.loads(capsys.readouterr().out)
    for event in printed:
        assert_valid(event)
    run = _run_folder(tmp_path)
    stored = json.loads((run / "findings.ocsf.json").read_text(encoding="utf-8"))
    assert [e["finding_info"]["uid"] for e in stored] == [e["finding_info"]["uid"] for e in printed]
    # The stored run was compared with (no) previous run, so its fails are New.
    assert {e["status_id"] for e in stored if e["status_code"] == "fail"} == {1}
    rows = list(csv.DictReader(io.StringIO((run / "findings.csv").read_text(encoding="utf-8-sig"))))
    assert len(rows) == len(stored) and all(r["state"] == "new" for r in rows if r["status"] == "fail")


@pytest.mark.slow
def test_scan_prints_csv(scan_env, capsys):
    assert main(["scan", "--format", "csv"]) == 0
    findings = csv_reader.read(capsys.readouterr().out)
    assert findings and {f.region for f in findings} == set(scan_env.endpoints)


@pytest.mark.slow
def test_demo_prints_csv_and_writes_ocsf(capsys, tmp_path):
    assert main(["demo", "--format", "csv", "--output", str(tmp_path), "--no-alert"]) == 0
    findings = csv_reader.read(capsys.readouterr().out)
    run = _run_folder(tmp_path)
    stored = json.loads((run / "findings.ocsf.json").read_text(encoding="utf-8"))
    assert len(stored) == len(findings) > 100
    for event in stored:
        assert_valid(event)
    assert csv_reader.read((run / "findings.csv").read_text(encoding="utf-8")) == findings
