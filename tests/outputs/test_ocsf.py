"""OCSF Detection Finding output, checked against what the schema requires of every event (encoded from
the OCSF 1.1.0 schema in tests/support/ocsf.py)."""

from __future__ import annotations

import json

import pytest

from dwdiag.cli import main
from dwdiag.publish.diff import compare
from dwdiag.models.findings import AppliedWaiver, Status
from dwdiag.outputs import ocsf
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from tests.support.ocsf import assert_valid
from tests.support.paths import DEMO_EVIDENCE


@pytest.fixture(scope="module")
def result(demo):
    return evaluate(demo, Settings(datasource_access_strict=True))


def test_every_demo_finding_is_a_valid_detection_finding(result):
    events = ocsf.events(result.findings, run_id=result.run_id, evaluated_at=result.summary.evaluated_at)
    assert len(events) == len(result.findings) > 100
    for event in events:
        assert_valid(event)
    assert {e["status_id"] for e in events} >= {1, 4, 99}
    assert {e["severity_id"] for e in events} == {2, 3, 4}


def test_the_mapping_of_one_fail(result):
    f = next(f for f in result.findings if f.status is Status.fail and f.workspace_id)
    e = ocsf.event(f, run_id=result.run_id, evaluated_at=result.summary.evaluated_at)
    assert e["finding_info"]["uid"] == f.fingerprint and e["finding_info"]["desc"] == f.result
    assert e["resources"][0]["uid"] == f.object_id and e["resources"][0]["type"] == f.object_type
    assert e["resources"][0]["region"] == f.region and e["resources"][0]["data"]["workspace_id"] == f.workspace_id
    assert e["remediation"]["references"][0].startswith("https://")
    assert f.account_id and e["cloud"] == {"provider": "Alibaba Cloud", "region": f.region, "account": {
        "uid": f.account_id, "type_id": 99, "type": "Alibaba Cloud account"}}
    assert e["unmapped"]["evidence"] == f.evidence and e["unmapped"]["item_id"] == f.item_id
    assert e["time"] == int(result.summary.evaluated_at.timestamp() * 1000)
    assert (e["activity_id"], e["status_id"]) == (1, 1)


def test_lifecycle_follows_the_diff_and_waivers(result):
    fail = next(f for f in result.findings if f.status is Status.fail).replace()
    compare([fail], {"findings": [dict(fail.public(), first_seen="2026-01-01T00:00:00+00:00")]}, "2026-11-28")
    e = ocsf.event(fail, run_id="r", evaluated_at=result.summary.evaluated_at)
    assert (e["activity_id"], e["status_id"], e["status"]) == (2, 2, "In Progress")
    assert e["finding_info"]["first_seen_time"] == 1767225600000
    fail.waived = True
    fail.waiver = AppliedWaiver(reason="accepted", owner="ops", expires="2030-01-01", matched_by="fingerprint")
    e = ocsf.event(fail, run_id="r", evaluated_at=result.summary.evaluated_at)
    assert (e["status_id"], e["status"]) == (3, "Suppressed") and e["unmapped"]["waiver"]["owner"] == "ops"
    assert_valid(e)


def test_evaluate_prints_ocsf(capsys, tmp_path):
    assert main(["evaluate", "--evidence", str(DEMO_EVIDENCE), "--format", "ocsf"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert events and all(e["class_uid"] == 2004 for e in events)
    for event in events:
        assert_valid(event)
