"""The runner: findings with exactly the spec's fields, stable fingerprints, isolation of failures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest

from dwdiag.checks import RULES
from dwdiag.models.findings import Category, Status, fingerprint
from dwdiag.models.snapshot import EvidenceSnapshot
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings

FIELDS = ["item_id", "category", "status", "risk_level", "region", "object_type", "object_id", "object_name",
          "workspace_id", "result", "suggestion", "evidence", "fingerprint", "account_id"]


def test_document_shape(demo):
    doc = evaluate(demo, Settings()).document()
    assert set(doc) == {"run_id", "findings"} and doc["findings"]
    for f in doc["findings"]:
        assert list(f) == FIELDS
        assert f["status"] in {"pass", "fail", "error", "not_applicable", "manual"}
        assert f["risk_level"] in {"low", "medium", "high"}
        assert f["category"] in {c.value for c in Category}
        assert f["workspace_id"] is None or isinstance(f["workspace_id"], str)


def test_one_result_per_item_and_object(demo):
    findings = evaluate(demo, Settings()).findings
    keys = [(f.item_id, f.region, f.object_type, f.object_id) for f in findings]
    assert len(keys) == len(set(keys))


def test_fingerprints_are_stable_across_runs_and_distinct_per_object(demo):
    first = {(f.item_id, f.region, f.object_id): f.fingerprint for f in evaluate(demo, Settings()).findings}
    second = {(f.item_id, f.region, f.object_id): f.fingerprint for f in evaluate(demo, Settings()).findings}
    assert first == second and len(set(first.values())) == len(first)
    assert fingerprint("a", "r", "t", "o") == fingerprint("a", "r", "t", "o")
    assert fingerprint("a", "r", "t", "o") != fingerprint("a", "r2", "t", "o")


def test_now_defaults_to_collection_time_so_a_rerun_agrees(demo):
    result = evaluate(demo, Settings())
    assert result.summary.evaluated_at == demo.collected_at
    later = evaluate(demo, Settings(), now=demo.collected_at + timedelta(days=365))
    dep = lambda r: {f.object_id for f in r.findings if f.item_id == "deploy_separation" and "*" not in f.object_id}  # noqa: E731,E501
    assert dep(result) and not dep(later), "a year later nothing is inside the deployment window"


def test_risk_overrides_and_disabled_items(demo):
    settings = Settings(risk_overrides={"maxcompute_backup": "high"}, disabled_items=["actiontrail_audit"])
    findings = evaluate(demo, settings).findings
    assert {f.risk_level.value for f in findings if f.item_id == "maxcompute_backup"} == {"high"}
    assert not [f for f in findings if f.item_id == "actiontrail_audit"]


def test_category_and_region_selection(demo):
    result = evaluate(demo, Settings(), categories=[Category.platform_config], regions=["ap-southeast-1"])
    assert {(f.item_id, f.region) for f in result.findings} == {("actiontrail_audit", "ap-southeast-1")}
    missing = evaluate(demo, Settings(), regions=["eu-central-1"])
    assert missing.findings == [] and "eu-central-1" in missing.summary.problems[0]


def test_missing_category_evidence_is_an_error_per_item_not_silence():
    snap = EvidenceSnapshot.model_validate({"collected_at": "2026-11-28T00:00:00Z", "regions": [
        {"region": "cn-hangzhou", "platform_config": {"trails": []}}]})
    result = evaluate(snap, Settings(), categories=[Category.computing_storage])
    assert len(result.findings) == 6
    assert {f.status for f in result.findings} == {Status.error}
    assert all(f.object_id == "*" for f in result.findings)


def test_a_crashing_rule_becomes_an_error_and_the_others_still_run(demo, monkeypatch):
    def broken(*_):
        raise KeyError("boom")

    monkeypatch.setitem(RULES, "maxcompute_backup", broken)
    result = evaluate(demo, Settings(), categories=[Category.computing_storage])
    backup = [f for f in result.findings if f.item_id == "maxcompute_backup"]
    assert [f.status for f in backup] == [Status.error, Status.error]  # one per region
    assert "KeyError" in backup[0].result
    assert any(f.item_id == "maxcompute_data_protection" and f.status is Status.fail for f in result.findings)


def test_summary_counts_match_the_findings(demo):
    result = evaluate(demo, Settings())
    s = result.summary
    assert s.findings == len(result.findings) == sum(s.totals.by_status.values())
    fails = [f for f in result.findings if f.status is Status.fail]
    assert sum(s.totals.open_by_risk.values()) == len(fails)
    assert sum(c.by_status["fail"] for c in s.by_category.values()) == len(fails)


@pytest.mark.parametrize("value", ["2026-11-28T02:00:00Z"])
def test_evaluate_accepts_an_explicit_now(demo, value):
    now = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert evaluate(demo, Settings(), now=now).summary.evaluated_at == now.astimezone(timezone.utc)
