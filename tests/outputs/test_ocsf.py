"""OCSF Detection Finding output, checked against what the schema requires of every event.

The required attributes and enums below are encoded from the OCSF 1.1.0 schema as published in
ocsf/ocsf-schema (events/base_event.json: activity_id, category_uid, class_uid, metadata, severity_id,
time, type_uid required; events/findings/finding.json: finding_info required, activity_id and status_id
enums; objects/finding_info.json: uid required; objects/metadata.json: product and version required;
objects/cloud.json: provider required) and from Prowler's 1.1.0 models (prowler-cloud/py-ocsf-models:
finding_info.title, product.vendor_name and remediation.desc required).
"""

from __future__ import annotations

import json

import pytest

from dwdiag.cli import main
from dwdiag.publish.diff import compare
from dwdiag.models.findings import AppliedWaiver, Status
from dwdiag.outputs import ocsf
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings

REQUIRED_TOP = ("activity_id", "category_uid", "class_uid", "finding_info", "metadata", "severity_id", "time",
                "type_uid")
REQUIRED_IN = {"finding_info": ("uid", "title"), "metadata": ("product", "version"),
               "cloud": ("provider",), "remediation": ("desc",)}
ACTIVITY_IDS = {0: "Unknown", 1: "Create", 2: "Update", 3: "Close", 99: "Other"}
SEVERITY_IDS = {0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical", 6: "Fatal",
                99: "Other"}
STATUS_IDS = {0: "Unknown", 1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 99: "Other"}


def assert_valid(event: dict) -> None:
    for key in REQUIRED_TOP:
        assert event.get(key) not in (None, "", {}), key
    for obj, keys in REQUIRED_IN.items():
        if obj in event:
            for key in keys:
                assert event[obj].get(key) not in (None, ""), f"{obj}.{key}"
    assert event["metadata"]["product"].get("vendor_name")
    assert event["class_uid"] == 2004 and event["category_uid"] == 2
    assert event["type_uid"] == event["class_uid"] * 100 + event["activity_id"]
    assert event["activity_id"] in ACTIVITY_IDS and event["activity_name"] == ACTIVITY_IDS[event["activity_id"]]
    assert event["severity_id"] in SEVERITY_IDS and event["severity"] == SEVERITY_IDS[event["severity_id"]]
    assert event["status_id"] in STATUS_IDS
    if event["status_id"] != 99:  # for Other the caption is the source's own label
        assert event["status"] == STATUS_IDS[event["status_id"]]
    assert isinstance(event["time"], int) and event["time"] > 10 ** 12  # epoch milliseconds
    for resource in event["resources"]:
        assert resource["uid"] and resource["type"]
    json.dumps(event)  # plain JSON all the way down


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
    assert e["cloud"] == {"provider": "Alibaba Cloud", "region": f.region}
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
    from tests.test_cli import DEMO_EVIDENCE

    assert main(["evaluate", "--evidence", str(DEMO_EVIDENCE), "--format", "ocsf"]) == 0
    events = json.loads(capsys.readouterr().out)
    assert events and all(e["class_uid"] == 2004 for e in events)
    for event in events:
        assert_valid(event)
