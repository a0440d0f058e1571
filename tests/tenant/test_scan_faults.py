"""Faults in the emulator give retries, or `error` on just what they affect: never a pass, never a crash."""

from __future__ import annotations

import pytest

from dwdiag.settings import Settings
from tests.support.tenant import statuses, sweep

FAST = dict(qps_dataworks=1000, qps_maxcompute=1000, qps_actiontrail_lookup=1000, qps_ram=1000)


def run(emu, **settings):
    return sweep(emu, Settings(regions=list(emu.endpoints), **FAST, **settings))


def changed(result, expected):
    got = statuses(result)
    assert set(got) == set(expected), "every (item, object) of the world still has a result"
    return {k: (expected[k], v) for k, v in got.items() if v != expected[k]}


@pytest.mark.slow
def test_one_throttled_answer_is_retried_and_changes_nothing(emu, expected):
    emu.add_fault(actions=["ListProjectMembers"], params={"ProjectId": "10001"}, kind="error", status=429,
                  code="Throttling.User", times=1)
    result = run(emu)
    assert changed(result, expected) == {}
    members = [r for r in emu.requests() if r.action == "ListProjectMembers" and r.params.get("ProjectId") == "10001"]
    assert [r.error_code for r in members] == ["Throttling.User", None]
    assert result.summary.throttled["dataworks:ListProjectMembers"] == 1


def test_one_503_is_retried_and_changes_nothing(emu, expected):
    emu.add_fault(product="maxcompute", actions=["GetProject"], regions=["cn-hangzhou"], kind="error", status=503,
                  code="ServiceUnavailable", times=1)
    assert changed(run(emu), expected) == {}


@pytest.mark.slow
def test_denied_security_strategies_make_access_control_error_naming_the_role(emu, expected):
    emu.add_fault(actions=["ListSecurityStrategies"], kind="forbidden")
    result = run(emu)
    diff = changed(result, expected)
    assert diff and {k[0] for k in diff} == {"datasource_access_control"}
    assert {new for _, new in diff.values()} == {"error"}
    denied = [f for f in result.findings if f.item_id == "datasource_access_control" and f.status.value == "error"
              and f.object_id != "10004"]  # legacy_ws cannot even list its data sources
    assert denied and all("ListSecurityStrategies" in f.result and "security administrator" in f.result for f in denied)
    assert not [f for f in denied if f.object_id == "10006"], "a workspace without data sources stays not_applicable"


@pytest.mark.slow
def test_a_malformed_answer_is_error_for_that_workspace_only(emu, expected):
    bad = ('{"RequestId": "r", "PagingInfo": {"PageNumber": 1, "PageSize": 100, "TotalCount": 1, '
           '"ProjectMembers": [{"UserId": "u1", "Roles": "role_project_admin"}]}}')
    emu.add_fault(actions=["ListProjectMembers"], params={"ProjectId": "10001"}, kind="malformed", status=200,
                  body=bad)
    got = statuses(run(emu))
    # The members of retail_std cannot be known any more: one error stands for all of them.
    members = {k for k in expected if k[0] == "member_single_role" and k[2].startswith("10001/")}
    assert set(got) == (set(expected) - members) | {("member_single_role", "cn-hangzhou", "10001/*")}
    assert got[("member_single_role", "cn-hangzhou", "10001/*")] == "error"
    assert got[("workspace_admin_count", "cn-hangzhou", "10001")] == "error"
    others = {k: v for k, v in got.items() if k in expected and k != ("workspace_admin_count", "cn-hangzhou", "10001")}
    assert others == {k: expected[k] for k in others}


def test_a_daily_quota_stops_that_api_and_errors_only_what_depends_on_it(emu, expected):
    emu.add_fault(product="maxcompute", actions=["GetProject"], regions=["cn-hangzhou"], kind="error", status=429,
                  code="Throttling.Api.Risk", params={"projectName": "finance_prod"})
    result = run(emu)
    diff = changed(result, expected)
    mc_items = {"maxcompute_permission_model", "maxcompute_download_control", "maxcompute_data_protection",
                "maxcompute_storage_encryption", "maxcompute_backup"}
    assert {k[0] for k in diff} <= mc_items and all(new == "error" for _, new in diff.values())
    assert ("maxcompute_backup", "cn-hangzhou", "finance_prod") in diff
    finance = [f for f in result.findings if f.object_id == "finance_prod"]
    assert all("Throttling.Api.Risk" in f.result for f in finance)
    assert all(f.status.value != "pass" for f in finance)


@pytest.mark.parametrize("kind", ["non_json", "forbidden"])
def test_failed_trail_listing_is_error_not_fail_or_pass(emu, kind):
    emu.add_fault(actions=["DescribeTrails"], regions=["cn-hangzhou"], kind=kind)
    result = run(emu, categories=["platform_config"])
    found = {f.region: f.status.value for f in result.findings}
    assert found == {"cn-hangzhou": "error", "ap-southeast-1": "pass"}
