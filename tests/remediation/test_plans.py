"""Remediation plans (dwdiag.remediation.plan_for): every failed finding of the demo gets a plan whose steps
name the real object, cite an official page and leave no placeholder; only three kinds of step are
automatable, each with a complete call; hostile project names never reach a statement."""

from __future__ import annotations

import functools
import re

import pytest

from dwdiag.cli import demo_snapshot
from dwdiag.clients.operations import SERVICES
from dwdiag.evaluate import evaluate
from dwdiag.models.findings import Finding, Status
from dwdiag.remediation import plan_for
from dwdiag.remediation.plan import PLACEHOLDER, PROJECT_NAME, templates
from dwdiag.settings import Settings


@functools.lru_cache(maxsize=None)
def findings(strict: bool) -> tuple[Finding, ...]:
    return tuple(evaluate(demo_snapshot(), Settings(datasource_access_strict=strict)).findings)


def fails(strict: bool) -> list[Finding]:
    return [f for f in findings(strict) if f.status is Status.fail]


def one(item_id: str, status: Status = Status.fail) -> Finding:
    return next(f for f in findings(True) if f.item_id == item_id and f.status is status)


# The automatable kinds: (product, action) -> the parameters their call must carry.
AUTOMATABLE = {
    ("maxcompute", "UpdateProjectBasicMeta"): {"projectName", "properties"},
    ("actiontrail", "StartLogging"): {"Name"},
    ("ram", "DeleteLoginProfile"): {"UserName"},
}


def names_object(f: Finding, text: str) -> bool:
    return any(v and v in text for v in (f.object_id, f.object_name, f.workspace_id))


def check_plan(f: Finding) -> None:
    plan = plan_for(f)
    assert plan is not None, f.item_id
    assert plan.steps, f.item_id
    for text in [plan.summary, plan.note or ""]:
        assert not PLACEHOLDER.search(text), (f.item_id, text)
    for step in plan.steps:
        where = (f.item_id, f.object_id, step.text)
        assert names_object(f, step.text), where
        assert step.doc.startswith("https://"), where
        for text in (step.text, step.who, step.breaks, step.undo or ""):
            assert not PLACEHOLDER.search(text), (where, text)
        if step.kind == "api":
            assert step.call is not None, where
            service = SERVICES[step.call.product]
            assert step.call.version == service.version, where
            assert step.call.action in step.text, where
        if step.automatable:
            assert step.kind == "api" and step.call is not None, where
            wanted = AUTOMATABLE.get((step.call.product, step.call.action))
            assert wanted is not None, where
            assert wanted <= set(step.call.params) and all(step.call.params[k] not in (None, "") for k in wanted), where
        if step.kind == "sql":
            project = re.search(r"^use (.*);$", step.text, re.M)
            assert project and PROJECT_NAME.fullmatch(project.group(1)) and project.group(1) == f.object_id, where


@pytest.mark.parametrize("strict", [False, True])
def test_every_failed_demo_finding_has_a_plan_naming_its_object(strict):
    failed = fails(strict)
    assert {f.item_id for f in failed} >= {"maxcompute_backup", "schedule_identity_login", "workspace_admin_count"}
    for f in failed:
        check_plan(f)


def test_the_strict_demo_plans_the_access_control_item_too():
    assert any(f.item_id == "datasource_access_control" for f in fails(True))


def test_findings_that_are_not_failures_get_no_plan():
    others = [f for f in findings(True) if f.status is not Status.fail]
    assert {f.status for f in others} >= {Status.passed, Status.error}
    assert all(plan_for(f) is None for f in others)


def test_only_the_three_documented_kinds_are_automatable_and_each_carries_its_call():
    kinds = set()
    for f in fails(True):
        for step in plan_for(f).steps:
            if step.automatable:
                kinds.add((f.item_id, step.call.product, step.call.action))
    assert kinds == {("maxcompute_backup", "maxcompute", "UpdateProjectBasicMeta"),
                     ("schedule_identity_login", "ram", "DeleteLoginProfile")}


def test_backup_sets_the_configured_minimum_on_the_named_project():
    f = one("maxcompute_backup")
    step = plan_for(f).steps[0]
    assert step.call.params == {"projectName": f.object_id, "properties": {"retentionDays": 1}}
    assert step.call.version == "2022-01-04" and step.automatable and plan_for(f).automatable
    assert plan_for(f, min_retention_days=7).steps[0].call.params["properties"] == {"retentionDays": 7}
    assert plan_for(f, min_retention_days=90).steps[0].call.params["properties"] == {"retentionDays": 30}


def test_schedule_identity_plan_disables_the_named_users_console_logon():
    f = one("schedule_identity_login")
    plan = plan_for(f)
    assert plan.automatable and len(plan.steps) == 1
    assert plan.steps[0].call.model_dump() == {"product": "ram", "version": "2015-05-01",
                                               "action": "DeleteLoginProfile", "params": {"UserName": "sched_bot"}}
    without_name = f.replace(evidence={k: v for k, v in f.evidence.items() if k != "UserName"})
    fallback = plan_for(without_name)
    assert [s.kind for s in fallback.steps] == ["console"] and not fallback.automatable
    assert f.object_id in fallback.steps[0].text


def test_admin_count_offers_each_listed_admin_and_is_not_automatable():
    f = one("workspace_admin_count")
    plan = plan_for(f)
    users = [s.call.params["UserId"] for s in plan.steps]
    assert users == [a["UserId"] for a in f.evidence["admins"]]
    assert all(s.call.action == "RevokeMemberProjectRoles" and s.call.params["RoleCodes"] == ["role_project_admin"]
               and s.call.params["ProjectId"] == int(f.workspace_id) and not s.automatable for s in plan.steps)


def test_standard_mode_is_marked_irreversible():
    step = plan_for(one("workspace_standard_mode")).steps[0]
    assert step.reversible == "no" and step.undo is None and not step.automatable
    assert step.call.params == {"Id": 10002, "DevEnvironmentEnabled": True}


def test_code_review_plan_is_console_only_and_says_so():
    plan = plan_for(one("code_review_enabled"))
    assert {s.kind for s in plan.steps} == {"console"} and "no API" in plan.note


def trail(name, **fields):
    base = {"Name": name, "HomeRegion": "cn-hangzhou", "IsOrganizationTrail": None, "Status": "Enable",
            "EventRW": "All", "TrailRegion": "All", "destinations": ["SLS"], "IsLogging": True, "status_error": None}
    return {**base, **fields}


def trail_finding(*trails, reading="strict") -> Finding:
    f = one("actiontrail_audit", Status.passed)
    return f.replace(status=Status.fail, evidence={"reading": reading, "trails": list(trails)})


def test_a_stopped_trail_that_would_qualify_is_started_automatically():
    plan = plan_for(trail_finding(trail("write-only", EventRW="Write"),
                                  trail("audit-all", Status="Disable", IsLogging=False)))
    assert plan.automatable and len(plan.steps) == 1
    call = plan.steps[0].call
    assert (call.product, call.version, call.action, call.params) == (
        "actiontrail", "2020-07-06", "StartLogging", {"Name": "audit-all"})
    assert "cn-hangzhou" in plan.steps[0].text


def test_a_stopped_trail_of_another_home_region_or_needing_changes_is_not_automatable():
    elsewhere = plan_for(trail_finding(trail("sg-audit", HomeRegion="ap-southeast-1", Status="Disable", IsLogging=False)))
    assert not elsewhere.automatable and elsewhere.steps[0].call.action == "StartLogging"
    changes = plan_for(trail_finding(trail("write-only", EventRW="Write", TrailRegion="cn-hangzhou", destinations=[],
                                           Status="Disable", IsLogging=False)))
    assert [(s.kind, s.call.action if s.call else None) for s in changes.steps] == [
        ("api", "UpdateTrail"), ("console", None), ("api", "StartLogging")]
    assert changes.steps[0].call.params == {"Name": "write-only", "EventRW": "All", "TrailRegion": "All"}
    assert not any(s.automatable for s in changes.steps)


def test_no_trail_means_create_then_start_and_nothing_automatable():
    for plan in (plan_for(trail_finding()),
                 plan_for(trail_finding(trail("org-audit", IsOrganizationTrail=True, Status="Disable", IsLogging=False,
                                              owner_account="999")))):
        assert plan.steps[-2].kind == "console" and "CreateTrail" in plan.steps[-2].text
        assert plan.steps[-1].call.action == "StartLogging" and not plan.automatable
        check_plan(trail_finding())


@pytest.mark.parametrize("name", ["x; drop", "a\nb", "p`q", "proj'x", "ab", "_under", "x" * 29, "中文名"])
def test_a_project_name_not_of_the_documented_form_never_reaches_a_statement(name):
    for item in ("maxcompute_permission_model", "maxcompute_download_control", "maxcompute_data_protection"):
        f = one(item).replace(object_id=name, object_name=name)
        plan = plan_for(f)
        assert [s.kind for s in plan.steps] == ["console"], (item, name)
        text = plan.steps[0].text
        assert "\n" not in text.replace("\\n", "") or "\n" not in name
        assert name in text or repr(name)[1:-1] in text or name.encode("unicode_escape").decode() in text


def test_a_plain_project_name_is_written_as_is():
    f = one("maxcompute_data_protection")
    assert plan_for(f).steps[0].text.splitlines()[1:] == [f"use {f.object_id};", "set ProjectProtection=true;"]


def test_every_template_cites_an_official_page_and_says_how_reversible_it_is():
    for item, block in templates().items():
        for name, step in block["steps"].items():
            assert step["doc"].startswith("https://") or step["doc"] == "{item_doc}", (item, name)
            assert step["kind"] in ("sql", "api", "console") and step["reversible"] in ("yes", "no", "partly")


@pytest.mark.emulator
@pytest.mark.slow
def test_every_failed_finding_of_the_emulated_organization_has_a_plan_naming_its_object():
    from tests.support.organization import run_org, running_organization

    with running_organization() as emu:
        _, result = run_org(emu)
    failed = [f for f in result.findings if f.status is Status.fail]
    assert len({f.account_id for f in failed}) >= 3, "fails in the management account and the members"
    for f in failed:
        check_plan(f)
