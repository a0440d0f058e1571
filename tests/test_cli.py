"""The dwdiag command line: items, evaluate, demo; clear one-line errors for bad input."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from dwdiag.cli import main
from dwdiag.models.findings import CATEGORY_TITLES
from tests.support.paths import DEMO_EVIDENCE

# Values planted in the demo evidence that must never come out.
DEMO_SECRETS = ["Demo-Dev-Passw0rd!", "Demo-Prod-Passw0rd!", "DemoOssAccessKeySecret0001",
                "DemoGrowthAccessKeySecret02", "Demo-Pg-Dev-Pass!", "Demo-Pg-Prod-Pass!"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_items_json_lists_the_17_ids_with_category_and_risk(capsys):
    code, out, _ = run(capsys, "items", "--format", "json")
    items = json.loads(out)
    assert code == 0 and len(items) == 17 and len({i["id"] for i in items}) == 17
    for item in items:
        assert item["category"] and item["default_risk"] in {"low", "medium", "high"}


def test_items_table(capsys):
    code, out, _ = run(capsys, "items")
    assert code == 0 and "maxcompute_permission_model" in out and "actiontrail_audit" in out
    assert len(out.strip().splitlines()) == 17 + 2


def test_evaluate_json_document_with_category_filter(capsys):
    code, out, _ = run(capsys, "evaluate", "--evidence", str(DEMO_EVIDENCE), "--format", "json",
                       "--category", "platform_config")
    doc = json.loads(out)
    assert code == 0 and doc["run_id"]
    assert {f["item_id"] for f in doc["findings"]} == {"actiontrail_audit"}
    assert {f["region"]: f["status"] for f in doc["findings"]} == {"cn-hangzhou": "pass", "ap-southeast-1": "pass"}


def test_evaluate_writes_the_store_layout(capsys, tmp_path):
    code, _, err = run(capsys, "evaluate", "--evidence", str(DEMO_EVIDENCE), "--output", str(tmp_path))
    assert code == 0 and "wrote" in err
    assert len(list(tmp_path.glob("runs/*/*/*/*/findings.json"))) == 8
    assert len(list(tmp_path.glob("runs/*/*/summary.json"))) == 1
    assert len(list(tmp_path.glob("latest/*/*.json"))) == 8


@pytest.mark.parametrize("content,expected", [
    (None, "cannot read evidence file"),
    ("{", "is not valid JSON"),
    ('{"collected_at": "2026-11-28T00:00:00Z"}', "regions: Field required"),
    ('{"collected_at": "2026-11-28T00:00:00Z", "regions": [{"region": "r", "data_production": {"workspaces": '
     '[{"workspace": {"Id": 1}, "members": [{"UserId": "u", "Roles": "admin"}]}]}}]}',
     "regions[0].data_production.workspaces[0].members[0].Roles"),
])
def test_bad_evidence_file_is_one_line_naming_the_problem(capsys, tmp_path, content, expected):
    path = tmp_path / "ev.json"
    if content is not None:
        path.write_text(content)
    code, out, err = run(capsys, "evaluate", "--evidence", str(path))
    assert code == 2 and out == ""
    assert expected in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


@pytest.mark.parametrize("name,value,expected", [
    ("DWDIAG_MAX_ADMINS", "many", "DWDIAG_MAX_ADMINS"),
    ("DWDIAG_MIN_RETENTION_DAYS", "90", "DWDIAG_MIN_RETENTION_DAYS"),
    ("DWDIAG_RISK_OVERRIDES", '{"no_such_item": "high"}', "no_such_item"),
    ("DWDIAG_RISK_OVERRIDES", '{"maxcompute_backup": "severe"}', "DWDIAG_RISK_OVERRIDES"),
    ("DWDIAG_ENDPOINT_DATAWORKS", "127.0.0.1:8080", "with a scheme"),
    ("DWDIAG_CATEGORIES", "computing,storage", "DWDIAG_CATEGORIES"),
])
def test_bad_setting_is_one_line_naming_the_variable(capsys, monkeypatch, name, value, expected):
    monkeypatch.setenv(name, value)
    code, out, err = run(capsys, "demo", "--format", "json", "--output", "")
    assert code == 2 and out == ""
    assert expected in err and len(err.strip().splitlines()) == 1


def test_unknown_dwdiag_variable_is_warned_about(capsys, monkeypatch):
    monkeypatch.setenv("DWDIAG_MAX_ADMIN", "5")
    code, _, err = run(capsys, "items")
    assert code == 0
    code, _, err = run(capsys, "evaluate", "--evidence", str(DEMO_EVIDENCE), "--format", "json")
    assert "DWDIAG_MAX_ADMIN is not a dwdiag setting" in err


def test_settings_change_results(capsys, monkeypatch):
    monkeypatch.setenv("DWDIAG_MAX_ADMINS", "5")
    monkeypatch.setenv("DWDIAG_REGIONS", "cn-hangzhou")
    _, out, _ = run(capsys, "evaluate", "--evidence", str(DEMO_EVIDENCE), "--format", "json")
    admins = {f["object_id"]: f["status"] for f in json.loads(out)["findings"] if f["item_id"] == "workspace_admin_count"}
    assert admins["10003"] == "pass"


@pytest.mark.slow
def test_demo_prints_all_four_categories_writes_the_layout_and_leaks_no_secret(capsys, tmp_path):
    code, out, err = run(capsys, "demo", "--output", str(tmp_path), "--all")
    assert code == 0
    for title in CATEGORY_TITLES.values():
        assert title in out
    assert "open risks: high" in out
    assert list(tmp_path.glob("latest/cn-hangzhou/*.json"))
    stored = "".join(p.read_text() for p in tmp_path.rglob("*.json"))
    for secret in DEMO_SECRETS:
        assert secret not in out and secret not in err and secret not in stored


@pytest.mark.slow
def test_demo_strict_mode_can_be_turned_off(capsys, monkeypatch):
    monkeypatch.setenv("DWDIAG_DATASOURCE_ACCESS_STRICT", "false")
    _, out, _ = run(capsys, "demo", "--format", "json", "--output", "")
    statuses = {f["status"] for f in json.loads(out)["findings"] if f["item_id"] == "datasource_access_control"}
    assert "pass" not in statuses and "fail" not in statuses and "manual" in statuses


def test_evaluate_now_must_be_a_zoned_iso_time(capsys):
    code, _, err = run(capsys, "evaluate", "--evidence", str(DEMO_EVIDENCE), "--now", "yesterday")
    assert code == 2 and "ISO 8601" in err


@pytest.mark.slow
def test_console_script_runs_in_a_fresh_interpreter(tmp_path):
    exe = Path(sys.executable).with_name("dwdiag")
    proc = subprocess.run([str(exe), "items", "--format", "json"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0 and len(json.loads(proc.stdout)) == 17


@pytest.mark.slow
def test_demo_of_an_organization_names_every_account_and_writes_one_run(capsys, tmp_path):
    code, out, err = run(capsys, "demo", "--organization", "--output", str(tmp_path))
    assert code == 0
    assert "accounts: 5" in out and "5000000000000011 (prod-data): swept" in out
    assert "5000000000000013 (sandbox): no: its role could not be assumed" in out
    assert "CreateVerifying" in out and "[5000000000000012/cn-shanghai]" in out
    (run_dir,) = tmp_path.glob("runs/*/*")
    assert {p.name for p in run_dir.iterdir() if p.is_dir() and p.name.isdigit()} == {
        "5000000000000001", "5000000000000011", "5000000000000012", "5000000000000013"}
    preview = json.loads((run_dir / "dingtalk-preview.json").read_text())["messages"]
    assert sum("dwdiag organization" in m["markdown"]["title"] for m in preview) == 1
    stored = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    assert "orgScannerSecret" not in out + err + stored
