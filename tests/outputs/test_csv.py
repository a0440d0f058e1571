"""CSV output: a fixed column order, proper quoting, formulas neutralised, and it reads back the same."""

from __future__ import annotations

import csv
import json
import io

from dwdiag.publish.aggregate import planned
from dwdiag.publish.diff import compare
from dwdiag.models.findings import AppliedWaiver, Status
from dwdiag.outputs import csv_output
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from tests.support import csv_reader


def test_demo_findings_read_back_with_dictreader(demo):
    result = evaluate(demo, Settings())
    findings = result.findings
    compare(findings, None, "2026-11-28T02:00:00+00:00")  # some rows carry state and first_seen
    findings[0].waived = True
    findings[0].waiver = AppliedWaiver(reason="r, with \"quotes\"\nand a line", owner="ops", expires="2030-01-01",
                                       matched_by="item_id+object")
    text = csv_output.render(findings)
    rows = list(csv.DictReader(io.StringIO(text)))
    assert list(rows[0]) == list(csv_output.COLUMNS)
    assert len(rows) == len(findings)
    assert [r["fingerprint"] for r in rows] == [f.fingerprint for f in findings]
    assert csv_reader.read(text) == findings


def test_formula_cells_are_neutralised(demo):
    f = evaluate(demo, Settings()).findings[0].replace(
        object_name="=HYPERLINK(\"http://evil\")", result="+1", suggestion="@SUM(A1)",
        object_id="-2", workspace_id="'quoted")
    row = next(csv.DictReader(io.StringIO(csv_output.render([f]))))
    assert row["object_name"] == "'=HYPERLINK(\"http://evil\")"
    assert (row["result"], row["suggestion"], row["object_id"]) == ("'+1", "'@SUM(A1)", "'-2")
    assert row["workspace_id"] == "''quoted"
    assert csv_reader.read(csv_output.render([f])) == [f]


def test_evaluate_prints_csv(capsys):
    from dwdiag.cli import main
    from tests.support.paths import DEMO_EVIDENCE

    assert main(["evaluate", "--evidence", str(DEMO_EVIDENCE), "--format", "csv", "--all"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and {r["status"] for r in rows} >= {s.value for s in Status}


def test_a_failed_finding_carries_its_remediation_plan_in_its_row(demo):
    findings = [planned(f) for f in evaluate(demo, Settings()).findings]
    rows = {r["fingerprint"]: r for r in csv.DictReader(io.StringIO(csv_output.render(findings)))}
    fails = [f for f in findings if f.status is Status.fail]
    assert fails
    for f in fails:
        plan = json.loads(rows[f.fingerprint]["remediation"])
        assert plan["steps"] and all(step["doc"].startswith("https://") for step in plan["steps"])
    assert all(rows[f.fingerprint]["remediation"] == "" for f in findings if f.status is not Status.fail)
    assert csv_reader.read(csv_output.render(findings)) == findings, "the plan reads back with the row"
