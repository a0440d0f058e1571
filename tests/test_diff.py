"""Run-to-run diff: new, existing (since when), resolved, regressions, and what stays unknown."""

from __future__ import annotations

from dwdiag.publish.diff import compare
from dwdiag.models.findings import Category, Finding, RiskLevel, Status, fingerprint


def finding(obj: str, status: str, item: str = "member_single_role", ws: str = "10001") -> Finding:
    return Finding(item_id=item, category=Category.data_production, status=Status(status), risk_level=RiskLevel.low,
                   region="cn-hangzhou", object_type="dataworks_member", object_id=obj, object_name=obj,
                   workspace_id=ws, result="r", suggestion="s", evidence={},
                   fingerprint=fingerprint(item, "cn-hangzhou", "dataworks_member", obj))


def doc(findings: list[Finding], carried=()) -> dict:
    return {"findings": [f.public() for f in findings], "carried": list(carried)}


def test_first_run_everything_failing_is_new_and_not_a_regression():
    now = [finding("10001/a", "fail"), finding("10001/b", "pass")]
    d = compare(now, None, "T1")
    assert [f.object_id for f in d.new] == ["10001/a"] and not d.regressed and not d.resolved
    assert now[0].state == "new" and now[0].first_seen == "T1" and now[1].state is None


def test_unchanged_second_run_is_existing_with_the_first_seen_kept():
    first = [finding("10001/a", "fail")]
    compare(first, None, "T1")
    second = [finding("10001/a", "fail")]
    d = compare(second, doc(first), "T2")
    assert not d.new and [f.first_seen for f in d.existing] == ["T1"] and second[0].state == "existing"


def test_pass_to_fail_is_a_regression_and_fail_to_pass_is_resolved():
    before = [finding("10001/a", "pass"), finding("10001/b", "fail")]
    compare(before, None, "T1")
    now = [finding("10001/a", "fail"), finding("10001/b", "pass")]
    d = compare(now, doc(before), "T2")
    assert [f.object_id for f in d.new] == ["10001/a"] and d.regressed == {now[0].fingerprint}
    assert now[0].regression is True and now[1].state == "resolved"
    assert [f["object_id"] for f in d.resolved] == ["10001/b"]


def test_a_failing_object_that_is_gone_is_resolved():
    before = [finding("10001/a", "fail")]
    compare(before, None, "T1")
    d = compare([], doc(before), "T2")
    assert [f["object_id"] for f in d.resolved] == ["10001/a"] and not d.carried


def test_an_object_hidden_by_an_error_is_carried_not_resolved_and_comes_back_as_existing():
    before = [finding("10001/a", "fail")]
    compare(before, None, "T1")
    hidden = [finding("10001/*", "error")]  # the members of 10001 could not be listed this time
    d = compare(hidden, doc(before), "T2")
    assert not d.resolved and [f["object_id"] for f in d.carried] == ["10001/a"]
    again = [finding("10001/a", "fail")]
    d3 = compare(again, doc(hidden, d.carried), "T3")
    assert not d3.new and again[0].state == "existing" and again[0].first_seen == "T1"


def test_an_error_elsewhere_does_not_hide_a_fix():
    before = [finding("10001/a", "fail")]
    compare(before, None, "T1")
    d = compare([finding("10002/*", "error", ws="10002")], doc(before), "T2")
    assert [f["object_id"] for f in d.resolved] == ["10001/a"]


def test_fail_to_error_on_the_same_object_is_carried():
    before = [finding("10001/a", "fail")]
    compare(before, None, "T1")
    now = [finding("10001/a", "error")]
    d = compare(now, doc(before), "T2")
    assert not d.resolved and len(d.carried) == 1 and now[0].state is None
