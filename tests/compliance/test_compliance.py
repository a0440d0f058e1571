"""Compliance mappings: they load and validate, coverage counts add up, and `dwdiag report` prints them."""

from __future__ import annotations

import json

import pytest

from dwdiag import catalog, compliance
from dwdiag.cli import main
from dwdiag.compliance import Control, Framework, MappingError
from dwdiag.models.findings import Status
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from dwdiag.waivers import Waiver
from tests.support.paths import DEMO_EVIDENCE

MLPS, CIS = "mlps-2.0-level3", "cis-alibaba-cloud"


def _fw(*controls: Control, id: str = "test-fw") -> Framework:
    return Framework(id=id, title="Test", version="1", source_url="https://example.org", controls=controls)


def test_both_frameworks_load_and_every_item_is_mapped():
    frameworks = compliance.load_frameworks()
    assert set(frameworks) == {MLPS, CIS}
    mapped = set().union(*(fw.items() for fw in frameworks.values()))
    assert mapped == set(catalog.ITEM_IDS)
    mlps = frameworks[MLPS]
    by_id = {c.id: c for c in mlps.controls}
    assert "maxcompute_backup" in by_id["8.1.4.9"].items and "actiontrail_audit" in by_id["8.1.4.3"].items
    assert "maxcompute_permission_model" in by_id["8.1.4.2"].items
    assert {c.id: c.items for c in frameworks[CIS].controls} == {"2.1": ("actiontrail_audit",)}
    assert all(fw.notes for fw in frameworks.values())  # what could not be confirmed is said


def test_validation_catches_bad_mappings():
    ok = Control(id="1", title="one", items=tuple(catalog.ITEM_IDS))
    compliance.check([_fw(ok)], catalog.ITEM_IDS)
    with pytest.raises(MappingError, match="unknown item id.*no_such_item"):
        compliance.check([_fw(ok, Control(id="2", title="two", items=("no_such_item",)))], catalog.ITEM_IDS)
    with pytest.raises(MappingError, match="listed twice: 1"):
        compliance.check([_fw(ok, ok)], catalog.ITEM_IDS)
    with pytest.raises(MappingError, match="mapped in no framework: maxcompute_backup"):
        partial = Control(id="1", title="one", items=tuple(i for i in catalog.ITEM_IDS if i != "maxcompute_backup"))
        compliance.check([_fw(partial)], catalog.ITEM_IDS)
    with pytest.raises(MappingError, match="broken.yaml"):
        compliance.parse_framework("id: x\ncontrols: []\n", "broken.yaml")


def test_coverage_counts(demo):
    fw = compliance.find_framework("mlps")
    manual = next(f for f in evaluate(demo, Settings()).findings
                  if f.status is Status.manual and f.item_id == "datasource_access_control")
    result = evaluate(demo, Settings(), waivers=[Waiver(fingerprint=manual.fingerprint, reason="attested",
                                                        owner="ops", expires="2999-01-01")])
    rows = {r["id"]: r for r in compliance.coverage(fw, result.findings)}
    control = next(c for c in fw.controls if c.id == "8.1.4.2")
    mine = [f for f in result.findings if f.item_id in control.items]
    counts = rows["8.1.4.2"]["counts"]
    assert counts["fail"] == sum(1 for f in mine if f.status is Status.fail)
    assert counts["pass"] == sum(1 for f in mine if f.status is Status.passed)
    assert counts["manual"] == sum(1 for f in mine if f.status is Status.manual)
    assert counts["waived"] == 1 and counts["open"] == counts["fail"]
    assert sum(counts[s] for s in compliance.COUNTED) == len(mine)


def test_report_table_on_the_demo(capsys):
    assert main(["report", "--framework", MLPS]) == 0
    out = capsys.readouterr().out
    for clause in ("8.1.4.2", "8.1.4.3", "8.1.4.9"):
        assert clause in out
    assert "demo evidence" in out and "not confirmed" in out


def test_report_json_with_waivers(capsys, tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("waivers:\n  - item_id: datasource_access_control\n    object: '*'\n    reason: attested\n"
                    "    owner: ops\n    expires: 2999-01-01\n", encoding="utf-8")
    assert main(["report", "--framework", "cis", "--evidence", str(DEMO_EVIDENCE), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["framework"]["id"] == CIS and doc["controls"][0]["id"] == "2.1"
    assert doc["controls"][0]["counts"]["pass"] == 2
    assert main(["report", "--framework", MLPS, "--format", "json", "--waivers", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert next(c for c in doc["controls"] if c["id"] == "8.1.4.2")["counts"]["waived"] > 0


def test_report_from_a_store(capsys, tmp_path):
    assert main(["evaluate", "--evidence", str(DEMO_EVIDENCE), "--output", str(tmp_path)]) == 0
    capsys.readouterr()
    assert main(["report", "--framework", MLPS, "--store", str(tmp_path), "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["source"].startswith("run ") and sum(c["counts"]["pass"] for c in doc["controls"]) > 0


def test_unknown_framework(capsys):
    assert main(["report", "--framework", "iso27001"]) == 2
    assert "no framework 'iso27001'" in capsys.readouterr().err
