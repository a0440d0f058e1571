"""Rules of data_production over hand-made evidence: every branch the spec names."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import pytest

from dwdiag.models.data_production import DataProductionEvidence, SigninEvent
from dwdiag.models.findings import Category
from dwdiag.settings import Settings

from . import (
    REGION, THROTTLED, ago, by_id, call_error, entry, findings_json, ms, only, run, statuses, workspace,
)

ALICE, BOB, CAROL, DAVE, ERIN = (f"20000000000000{i}" for i in range(1, 6))
OWNER_ID = "1234567890123456"
ADMIN, OWNER, DEV, DEPLOY, GUEST, PE = ("role_project_admin", "role_project_owner", "role_project_dev",
                                        "role_project_deploy", "role_project_guest", "role_project_pe")
SCHED = "270000000000001"


def evidence(*workspaces: dict, **fields) -> DataProductionEvidence:
    return DataProductionEvidence.model_validate({"region": REGION, "workspaces": list(workspaces), **fields})


def prod_ws(ws: dict = None, **fields) -> dict:
    return {"workspace": ws or workspace(), **fields}


# --- builders: members, compute resources ------------------------------------------------------

def member(uid: str, name: str, *roles: str, status: str = "Normal") -> dict:
    return {"UserId": uid, "UserName": name, "Status": status,
            "Roles": [{"Code": r, "Name": r, "Type": "System"} for r in roles]}


def compute(name: str, type_: str, *entries: dict) -> dict:
    return {"Name": name, "Type": type_, "ComputeResource": list(entries)}


def mc(name: str, dev_project, prod_project, prod_auth="TaskOwner", identity=None) -> dict:
    entries = []
    if dev_project is not None:
        entries.append(entry(1, "Dev", {"project": dev_project, "regionId": REGION, "authType": "Executor"}))
    if prod_project is not None:
        props = {"project": prod_project, "regionId": REGION, "authType": prod_auth}
        if identity:
            props["authIdentity"] = identity
        entries.append(entry(2, "Prod", props))
    return compute(name, "maxcompute", *entries)


# --- builders: deployments ----------------------------------------------------------------------

def version(n: int, commit_user: str, node_id: str = None) -> dict:
    return {"FileVersion": n, "CommitUser": commit_user, "CommitTime": ms(ago(40)), "NodeId": node_id,
            "IsCurrentProd": True}


def file_item(file_id: int, deployed_version: int, *versions: dict, versions_error: dict = None) -> dict:
    item = {"FileId": file_id, "FileVersion": deployed_version, "Status": 1}
    if versions_error:
        item["versions_error"] = versions_error
    else:
        item["versions"] = list(versions)
    return item


def package(pid: int, executed: datetime, handler, *items: dict, to_env: int = 2, status: int = 1,
            executor: str = None, detail_error: dict = None, list_time: bool = True) -> dict:
    t = ms(executed)
    pkg = {"Id": pid, "Name": f"deploy_{pid}", "Status": status, "Creator": handler or executor,
           "Executor": executor or handler, "CreateTime": t - 600_000, "items": list(items)}
    if list_time:
        pkg["ExecuteTime"] = t
    if detail_error:
        pkg["detail_error"] = detail_error
    else:
        pkg["detail"] = {"CreatorId": handler, "HandlerId": handler, "FromEnvironment": 1, "ToEnvironment": to_env,
                         "Status": 1, "CreateTime": t - 600_000, "ExecuteTime": t}
    return pkg


def snap(creator: str, created: datetime, type_: str = "Saved", n: int = 1) -> dict:
    return {"Id": f"snap-{n}", "Version": n, "Type": type_, "Creator": creator, "CreateTime": ms(created)}


def node(nid: str, name: str, *snapshots: dict, snapshots_error: dict = None) -> dict:
    item = {"Id": nid, "Name": name, "Type": "Node", "Version": 1, "Status": "Success"}
    if snapshots_error:
        item["snapshots_error"] = snapshots_error
    else:
        item["snapshots"] = list(snapshots)
    return item


RUN_HOURS = 2  # a run stays open this long: built, reviewed, then deployed when its last stage ends


def pipeline(rid: str, creator: str, created: datetime, *items: dict, status: str = "Success",
             deploy: str = "Success", items_error: dict = None, deploy_code: str = "PROD") -> dict:
    run_ = {"Id": rid, "Creator": creator, "Status": status, "CreateTime": ms(created),
            "ModifyTime": ms(created + timedelta(hours=RUN_HOURS)),
            "Stages": [{"Step": 1, "Code": "BUILD_PACKAGE", "Type": "Build", "Status": "Success"},
                       {"Step": 2, "Code": "DEV_CHECK", "Type": "Check", "Status": "Success"},
                       {"Step": 3, "Code": deploy_code, "Type": "Deploy", "Status": deploy}],
            "items": list(items)}
    if items_error:
        run_["items_error"] = items_error
    return run_


def review(object_id, created: datetime, status: str = "Accepted", approved: datetime = None) -> dict:
    """A code review as ListCodeReviews returns it; by default approved 30 minutes after it was created."""
    out = {"Id": f"review-{object_id}-{ms(created)}", "ObjectId": object_id, "ObjectType": "Node", "Creator": ALICE,
           "Reviewers": [CAROL], "Status": status, "CreateTime": ms(created)}
    if status.lower() != "reviewing":
        out.update(FinalReviewer=CAROL, ReviewTime=ms(approved or created + timedelta(minutes=30)))
    return out


def run_review(object_id, run_created: datetime, status: str = "Accepted", **kw) -> dict:
    """The review of a run, created the way CreateCodeReview allows: after the run started."""
    return review(object_id, run_created + timedelta(minutes=10), status, **kw)


def legacy_deploy(file_id=3001, developer=ALICE, deployer=BOB, when=None, node_id=None, **kw) -> dict:
    return package(8000 + file_id, when or ago(2), deployer,
                   file_item(file_id, 5, version(4, deployer), version(5, developer, node_id)), **kw)


def new_deploy(nid="700000000000001", developer=ALICE, deployer=BOB, when=None, **kw) -> dict:
    when = when or ago(2)
    item = node(nid, f"task_{nid[-1]}", snap(developer, when - timedelta(hours=3)))
    return pipeline(f"pr-{nid}", deployer, when, item, **kw)


# --- builders: scheduling identities ----------------------------------------------------------

def signin(event_id: str, when: datetime, user_name: str, region: str = "ap-southeast-1",
           event_name: str = "ConsoleSignin") -> dict:
    """A raw ActionTrail event of the sign-in service (AasSub), read the way the collector reads it."""
    raw = {"eventId": event_id, "eventName": event_name, "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"),
           "sourceIpAddress": "198.51.100.7", "userIdentity": {"type": "ram-user", "userName": user_name}}
    return SigninEvent.from_event(raw, region).model_dump(mode="json")


BOTH = ["ap-southeast-1", "cn-hangzhou"]


def identity(uid: str = SCHED, name: str = "sched_bot", last_login: datetime = None, events=(), regions=BOTH,
             errors=(), get_user_error: dict = None, user: bool = True) -> dict:
    out = {"user_id": uid, "signin_events": list(events), "signin_regions": list(regions),
           "signin_errors": list(errors)}
    if user:
        # GetUser's LastLoginDate is "" for a user who never logged on with a password.
        last = last_login.strftime("%Y-%m-%dT%H:%M:%SZ") if last_login else ""
        out["user"] = {"UserId": uid, "UserName": name, "DisplayName": name, "LastLoginDate": last}
    if get_user_error:
        out["get_user_error"] = get_user_error
    return out


def scheduled_by(uid: str = SCHED, auth: str = "SubAccount", ws: dict = None) -> dict:
    return prod_ws(ws, compute_resources=[mc("mc_main", "retail_dev", "retail_prod", auth, uid)])


def login_run(*identities: dict, settings=None, workspaces=None):
    ev = evidence(*(workspaces or [scheduled_by()]), identities=list(identities))
    return run("schedule_identity_login", ev, settings)


# --- every item: region-level listing failure --------------------------------------------------

ITEMS = {"workspace_standard_mode": "dataworks_workspace", "compute_env_isolation": "dataworks_compute_resource",
         "workspace_admin_count": "dataworks_workspace", "member_single_role": "dataworks_member",
         "schedule_identity_login": "ram_user", "code_review_enabled": "dataworks_workspace",
         "deploy_separation": "dataworks_task"}


@pytest.mark.parametrize("item,object_type", ITEMS.items())
def test_workspace_listing_failure_is_one_error_for_the_region(item, object_type):
    o = only(run(item, evidence(workspaces_error=call_error("ListProjects", **THROTTLED))))
    assert (o.status.value, o.obj.type, o.obj.id, o.obj.workspace_id) == ("error", object_type, "*", None)
    assert "ListProjects" in o.result and "Throttling.Api.Risk" in o.result


@pytest.mark.parametrize("item", [i for i in ITEMS if i != "workspace_standard_mode"])
def test_unavailable_workspaces_give_no_result(item):
    ws = prod_ws(workspace(10005, "archive", status="Forbidden"),
                 members=[member(ALICE, "alice", ADMIN, DEV)], compute_resources=[mc("m", "p", "p", identity=SCHED)],
                 deployment_packages=[legacy_deploy(developer=BOB)])
    assert run(item, evidence(ws, identities=[identity(last_login=ago(1))])) == []


# --- workspace_standard_mode ------------------------------------------------------------------

def test_standard_mode_passes_and_basic_mode_fails():
    ev = evidence(prod_ws(workspace(10001, "retail_std")), prod_ws(workspace(10002, "growth_basic", standard=False)))
    out = by_id(run("workspace_standard_mode", ev))
    assert statuses(out.values()) == {"10001": "pass", "10002": "fail"}
    assert out["10002"].obj.type == "dataworks_workspace" and out["10002"].obj.workspace_id == "10002"
    assert "Workspace growth_basic is in basic mode" in out["10002"].result
    assert out["10002"].evidence == {"Status": "Available", "DevEnvironmentEnabled": False}
    assert "retail_std" in out["10001"].result


def test_standard_mode_status_is_compared_case_insensitively():
    o = only(run("workspace_standard_mode", evidence(prod_ws(workspace(status="available", standard=False)))))
    assert o.status.value == "fail"


def test_standard_mode_skips_workspaces_that_are_not_available():
    o = only(run("workspace_standard_mode", evidence(prod_ws(workspace(10005, "archive", status="Forbidden",
                                                                     standard=False)))))
    assert o.status.value == "not_applicable" and "Forbidden" in o.result


def test_standard_mode_unreported_flag_is_an_error_never_a_pass():
    o = only(run("workspace_standard_mode", evidence(prod_ws(workspace(standard=None)))))
    assert o.status.value == "error" and "DevEnvironmentEnabled" in o.result and "retail" in o.result


# --- compute_env_isolation --------------------------------------------------------------------

def isolation(*groups, ws=None, settings=None):
    return run("compute_env_isolation", evidence(prod_ws(ws, compute_resources=list(groups))), settings)


def test_maxcompute_same_project_in_dev_and_prod_fails():
    o = only(isolation(mc("mc_main", "retail", "retail", "SubAccount", SCHED)))
    assert (o.status.value, o.obj.type, o.obj.id, o.obj.workspace_id) == (
        "fail", "dataworks_compute_resource", "10001/mc_main", "10001")
    assert "Compute resource mc_main (maxcompute) in workspace retail" in o.result
    assert "maxcompute retail" in o.result


def test_maxcompute_different_projects_pass():
    o = only(isolation(mc("mc_main", "retail_dev", "retail_prod")))
    assert o.status.value == "pass"
    assert o.evidence["dev"][0]["target"] == "maxcompute retail_dev"
    assert o.evidence["prod"][0]["target"] == "maxcompute retail_prod"


@pytest.mark.parametrize("dev_db,status", [("risk_db", "fail"), ("risk_dev", "pass")])
def test_hologres_compares_instance_and_database(dev_db, status):
    group = compute("holo", "Hologres", entry(741, "DEV", {"instanceId": "hg-1", "database": dev_db}),
                    entry(742, "prod", {"instanceId": "hg-1", "database": "risk_db"}))
    assert only(isolation(group)).status.value == status


@pytest.mark.parametrize("prod_cluster,status", [("C-1", "fail"), ("C-2", "pass")])
def test_emr_compares_the_cluster_id_under_any_of_its_names(prod_cluster, status):
    group = compute("emr", "EMR", entry(1, "Dev", {"clusterId": "C-1", "authType": "Executor"}),
                    entry(2, "Prod", {"emrClusterId": prod_cluster, "authType": "TaskOwner"}))
    assert only(isolation(group)).status.value == status


@pytest.mark.parametrize("prod_host,status", [("sr.internal", "fail"), ("sr-prod.internal", "pass")])
def test_other_types_compare_properties_without_env_identity_and_secrets(prod_host, status):
    group = compute("sr", "starrocks",
                    entry(1, "Dev", {"host": "sr.internal", "port": 9030, "username": "dev", "password": "Pw-Dev-1",
                                     "authType": "Executor"}),
                    entry(2, "Prod", {"host": prod_host, "port": 9030, "username": "prod", "password": "Pw-Prod-1",
                                      "authType": "SubAccount", "authIdentity": SCHED}))
    o = only(isolation(group))
    assert o.status.value == status
    assert "Pw-Dev-1" not in o.result + json.dumps(o.evidence)


def test_prod_target_that_is_another_resources_dev_target_fails():
    risk = mc("mc_risk", "risk_dev", "risk_prod")
    scratch = mc("mc_scratch", "risk_prod", "risk_scratch_prod")
    out = by_id(isolation(risk, scratch))
    assert out["10001/mc_risk"].status.value == "fail"
    assert "maxcompute risk_prod, which is the Dev target of mc_scratch" in out["10001/mc_risk"].result
    assert out["10001/mc_risk"].evidence["dev_target_of"] == ["mc_scratch"]


def test_same_project_name_in_another_engine_type_is_not_a_shared_target():
    holo = compute("holo", "hologres", entry(1, "Dev", {"instanceId": "risk_prod", "database": "x"}),
                   entry(2, "Prod", {"instanceId": "hg", "database": "y"}))
    out = by_id(isolation(mc("mc_risk", "risk_dev", "risk_prod"), holo))
    assert out["10001/mc_risk"].status.value == "pass"


def test_target_missing_from_the_properties_is_manual_never_pass():
    group = compute("mc_odd", "maxcompute", entry(1, "Dev", {"project": "a"}), entry(2, "Prod", {"regionId": REGION}))
    o = only(isolation(group))
    assert o.status.value == "manual" and "mc_odd" in o.result


def test_resource_without_a_prod_entry_passes():
    o = only(isolation(mc("mc_dev_only", "sandbox", None)))
    assert o.status.value == "pass" and "no Prod entry" in o.result


def test_compute_isolation_basic_mode_is_not_applicable():
    o = only(isolation(mc("mc_basic", None, "growth_prod"), ws=workspace(10002, "growth", standard=False)))
    assert (o.status.value, o.obj.id) == ("not_applicable", "10002/mc_basic")


def test_compute_isolation_unreadable_properties_is_an_error_for_that_resource_only():
    broken = compute("mc_broken", "maxcompute", {"Id": 77, "ConnectionProperties": "{'envType': 'Dev'}"},
                     entry(78, "Prod", {"project": "p"}))
    out = by_id(isolation(broken, mc("mc_ok", "a", "b")))
    assert out["10001/mc_broken"].status.value == "error" and "entry 77" in out["10001/mc_broken"].result
    assert out["10001/mc_ok"].status.value == "pass"


def test_compute_isolation_json_string_properties_are_read():
    group = compute("mc_json", "maxcompute", entry(1, "Dev", {"project": "same"}, as_json=True),
                    entry(2, "Prod", {"project": "same"}, as_json=True))
    assert only(isolation(group)).status.value == "fail"


def test_compute_resource_listing_failure_is_an_error_for_that_workspace():
    err = prod_ws(workspace(10004, "legacy"), compute_resources_error=call_error("ListComputeResources"))
    ok = prod_ws(compute_resources=[mc("m", "a", "b")])
    out = by_id(run("compute_env_isolation", evidence(err, ok)))
    e = out["10004/*"]
    assert (e.status.value, e.obj.type, e.obj.workspace_id) == ("error", "dataworks_compute_resource", "10004")
    assert "ListComputeResources" in e.result and "Forbidden.Access" in e.result
    assert out["10001/m"].status.value == "pass"


# --- workspace_admin_count --------------------------------------------------------------------

def admins(n: int, start: int = 11) -> list[dict]:
    return [member(f"2000000000000{start + i}", f"admin_{i + 1}", ADMIN) for i in range(n)]


def admin_count(*members, settings=None, ws=None):
    return only(run("workspace_admin_count", evidence(prod_ws(ws, members=list(members))), settings))


def test_more_admins_than_the_limit_fails_and_names_them():
    o = admin_count(*admins(4))
    assert (o.status.value, o.obj.type, o.obj.id) == ("fail", "dataworks_workspace", "10001")
    assert "Workspace retail has 4 administrators, more than 3" in o.result
    assert all(f"admin_{i}" in o.result for i in range(1, 5))
    assert o.evidence["count"] == 4 and o.evidence["max_admins"] == 3


def test_admins_at_the_limit_pass_and_the_count_is_stated():
    o = admin_count(*admins(3), member(DAVE, "dave", DEPLOY))
    assert o.status.value == "pass" and "3 administrator(s), within the limit of 3" in o.result


def test_only_normal_members_count_compared_case_insensitively():
    o = admin_count(*admins(3), member(ERIN, "erin", ADMIN, status="normal"))
    assert o.status.value == "fail" and o.evidence["count"] == 4
    o = admin_count(*admins(3), member(ERIN, "erin", ADMIN, status="Forbidden"),
                    member(DAVE, "dave", ADMIN, status=None))
    assert o.status.value == "pass" and o.evidence["count"] == 3


def test_role_codes_are_compared_case_insensitively():
    o = admin_count(*admins(3), member(ERIN, "erin", "ROLE_PROJECT_ADMIN"))
    assert o.status.value == "fail"


def test_owner_tipping_the_count_is_manual_until_the_setting_decides():
    # Whether the console counts the owner role is not documented: unset, it is a person's call.
    members = [*admins(3), member(OWNER_ID, "root-account", OWNER)]
    o = admin_count(*members)
    assert o.status.value == "manual" and "DWDIAG_COUNT_OWNER_AS_ADMIN" in o.result
    assert (o.evidence["count"], o.evidence["count_with_owner"]) == (3, 4)
    o = admin_count(*members, settings=Settings(count_owner_as_admin=False))
    assert o.status.value == "pass" and "not counting the owner" in o.result
    o = admin_count(*members, settings=Settings(count_owner_as_admin=True))
    assert o.status.value == "fail" and "has 4 administrators" in o.result and "root-account" in o.result


def test_owner_within_the_limit_either_way_passes_without_the_setting():
    o = admin_count(*admins(2), member(OWNER_ID, "root-account", OWNER))
    assert o.status.value == "pass" and "with or without the owner" in o.result
    assert admin_count(*admins(4), member(OWNER_ID, "root-account", OWNER)).status.value == "fail"


def test_max_admins_is_configurable():
    assert admin_count(*admins(2), settings=Settings(max_admins=1)).status.value == "fail"
    assert admin_count(*admins(5), settings=Settings(max_admins=5)).status.value == "pass"


def test_a_member_on_two_pages_is_counted_once():
    dup = admins(3)
    o = admin_count(*dup, dup[0], member(dup[1]["UserId"], "admin_2", ADMIN, DEV))
    assert o.status.value == "pass" and o.evidence["count"] == 3


def test_admin_count_member_listing_denied_is_an_error_naming_the_role():
    ws = prod_ws(members_error=call_error("ListProjectMembers"))
    o = only(run("workspace_admin_count", evidence(ws)))
    assert (o.status.value, o.obj.id) == ("error", "10001")
    assert "ListProjectMembers" in o.result
    assert "a workspace role in the workspace, or the tenant administrator role" in o.result


# --- member_single_role -----------------------------------------------------------------------

def roles_run(*members, settings=None):
    return run("member_single_role", evidence(prod_ws(members=list(members))), settings)


def test_member_with_two_roles_fails_and_one_role_passes():
    out = by_id(roles_run(member(BOB, "bob", ADMIN, DEPLOY), member(CAROL, "carol", DEV)))
    bob, carol = out[f"10001/{BOB}"], out[f"10001/{CAROL}"]
    assert (bob.status.value, bob.obj.type, bob.obj.name, bob.obj.workspace_id) == (
        "fail", "dataworks_member", "bob", "10001")
    assert "Member bob of workspace retail holds 2 roles: role_project_admin, role_project_deploy" in bob.result
    assert carol.status.value == "pass" and "role_project_dev" in carol.result


def test_the_same_role_in_two_cases_is_one_role():
    o = only(roles_run(member(CAROL, "carol", DEV, "ROLE_PROJECT_DEV")))
    assert o.status.value == "pass" and o.evidence["roles"] == [DEV]


def test_owner_role_making_a_second_role_is_manual_until_the_setting_decides():
    owner = member(OWNER_ID, "root-account", OWNER, ADMIN)
    o = only(roles_run(owner))
    assert o.status.value == "manual" and "DWDIAG_COUNT_OWNER_ROLE" in o.result
    counted = only(roles_run(owner, settings=Settings(count_owner_role=True)))
    assert counted.status.value == "fail" and "(counting the owner role, DWDIAG_COUNT_OWNER_ROLE)" in counted.result
    not_counted = only(roles_run(owner, settings=Settings(count_owner_role=False)))
    assert not_counted.status.value == "pass" and "not counting the owner role" in not_counted.result
    # Two roles besides the owner's fail whatever the setting says.
    assert only(roles_run(member(OWNER_ID, "root", OWNER, ADMIN, DEV))).status.value == "fail"


@pytest.mark.parametrize("roles,status", [
    ((DEV, GUEST), "pass"),
    ((ADMIN, DEPLOY), "pass"),
    ((DEV, DEPLOY), "fail"),
    ((DEV, ADMIN), "fail"),
    ((DEV, PE), "fail"),
    ((DEV,), "pass"),
])
def test_separation_of_duties_mode_fails_only_development_with_deployment_or_admin(roles, status):
    o = only(roles_run(member(BOB, "bob", *roles), settings=Settings(member_roles_mode="separation_of_duties")))
    assert o.status.value == status and o.evidence["mode"] == "separation_of_duties"


def test_member_listing_failure_is_an_error_for_all_members_of_the_workspace():
    err = prod_ws(workspace(10004, "legacy"), members_error=call_error("ListProjectMembers"))
    out = by_id(run("member_single_role", evidence(err, prod_ws(members=[member(CAROL, "carol", DEV)]))))
    e = out["10004/*"]
    assert (e.status.value, e.obj.type, e.obj.workspace_id) == ("error", "dataworks_member", "10004")
    assert "tenant administrator role" in e.result
    assert out[f"10001/{CAROL}"].status.value == "pass"


# --- schedule_identity_login ------------------------------------------------------------------

def test_a_console_signin_in_the_window_fails_and_names_the_user():
    o = only(login_run(identity(events=[signin("evt-1", ago(18), "sched_bot")], last_login=ago(18))))
    assert (o.status.value, o.obj.type, o.obj.id, o.obj.name, o.obj.workspace_id) == (
        "fail", "ram_user", SCHED, "sched_bot", None)
    assert f"RAM user sched_bot ({SCHED})" in o.result and "10001/mc_main" in o.result
    assert "1 console sign-in(s), the latest on 2026-11-10" in o.result
    assert o.evidence["scheduling_for"] == ["10001/mc_main"]


def test_signin_events_are_deduplicated_by_event_id_across_storage_regions():
    events = [signin("evt-1", ago(3), "sched_bot", "ap-southeast-1"),
              signin("evt-1", ago(3), "sched_bot", "cn-hangzhou"),
              signin("evt-2", ago(5), "sched_bot", "cn-hangzhou")]
    o = only(login_run(identity(events=events)))
    assert o.status.value == "fail" and "2 console sign-in(s), the latest on 2026-11-25" in o.result
    assert [e["event_id"] for e in o.evidence["signin_events"]] == ["evt-1", "evt-2"]


def test_last_login_date_in_the_window_fails_without_events():
    o = only(login_run(identity(last_login=ago(10))))
    assert o.status.value == "fail" and "RAM LastLoginDate" in o.result and "2026-11-18" in o.result


def test_no_logon_in_the_window_passes():
    o = only(login_run(identity(name="etl_runner", last_login=ago(400))))
    assert o.status.value == "pass"
    assert "etl_runner" in o.result and "no console logon within 90 days" in o.result
    assert o.evidence["signin_regions_queried"] == BOTH


@pytest.mark.parametrize("offset,status", [(-1, "fail"), (1, "pass")], ids=["just-inside", "just-outside"])
def test_login_window_edges_for_events(offset, status):
    when = ago(7, seconds=offset)
    o = only(login_run(identity(events=[signin("e", when, "sched_bot")]), settings=Settings(login_lookback_days=7)))
    assert o.status.value == status


@pytest.mark.parametrize("offset,status", [(-1, "fail"), (1, "pass")], ids=["just-inside", "just-outside"])
def test_login_window_edges_for_last_login_date(offset, status):
    o = only(login_run(identity(last_login=ago(7, seconds=offset)), settings=Settings(login_lookback_days=7)))
    assert o.status.value == status


def test_events_by_other_users_do_not_count():
    events = [signin("e1", ago(1), "Sched_Bot"), signin("e2", ago(1), "someone_else")]
    assert only(login_run(identity(events=events))).status.value == "pass"


def test_other_events_of_the_user_are_not_logons():
    # The query asks for the user's events of the sign-in service; only ConsoleSignin is a logon.
    events = [signin("e1", ago(1), "sched_bot", event_name="ConsoleSignout"),
              signin("e2", ago(1), "sched_bot", event_name="CreateAccessKey")]
    assert only(login_run(identity(events=events))).status.value == "pass"


def test_an_empty_last_login_date_means_never_not_unreadable():
    o = only(login_run(identity(name="never_bot")))
    assert o.status.value == "pass" and o.evidence["LastLoginDate"] is None


def test_a_login_seen_wins_over_a_failed_region():
    ident = identity(events=[signin("e1", ago(2), "sched_bot", "ap-southeast-1")], regions=["ap-southeast-1"],
                     errors=[call_error("LookupEvents", product="actiontrail", region="cn-hangzhou", **THROTTLED)])
    assert only(login_run(ident)).status.value == "fail"


def test_last_login_date_wins_over_a_failed_region():
    ident = identity(last_login=ago(2), regions=[],
                     errors=[call_error("LookupEvents", product="actiontrail", **THROTTLED)])
    assert only(login_run(ident)).status.value == "fail"


def test_a_login_seen_wins_over_a_failed_get_user():
    ident = identity(events=[signin("e1", ago(2), "sched_bot")],
                     get_user_error=call_error("GetUser", product="ram", **THROTTLED))
    assert only(login_run(ident)).status.value == "fail"


@pytest.mark.parametrize("profile,status", [(False, "pass"), (True, "fail"), (None, "fail")],
                         ids=["no-login-profile", "login-profile", "login-profile-unread"])
def test_a_user_without_a_console_password_cannot_log_on_whatever_it_did_before(profile, status):
    ident = {**identity(events=[signin("e1", ago(2), "sched_bot")], last_login=ago(2)), "login_profile": profile}
    o = only(login_run(ident))
    assert o.status.value == status and o.evidence["console_password"] is profile
    if profile is False:
        assert "no console password" in o.result and "before its console logon was removed" in o.result


def test_no_login_profile_and_no_logon_passes_saying_so():
    o = only(login_run({**identity(name="etl_runner"), "login_profile": False}))
    assert o.status.value == "pass" and "cannot log on" in o.result and "removed" not in o.result


def test_times_without_a_zone_are_utc():
    # 30 minutes inside a 7-day window only if the naive LastLoginDate is read as UTC (not local time)
    ident = identity()
    ident["user"]["LastLoginDate"] = (ago(7) + timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S")
    assert only(login_run(ident, settings=Settings(login_lookback_days=7))).status.value == "fail"
    ident["user"]["LastLoginDate"] = (ago(7) - timedelta(minutes=30)).strftime("%Y-%m-%dT%H:%M:%S")
    assert only(login_run(ident, settings=Settings(login_lookback_days=7))).status.value == "pass"


def test_a_failed_actiontrail_region_without_a_login_is_an_error():
    ident = identity(name="ops_batch", regions=["ap-southeast-1"],
                     errors=[call_error("LookupEvents", product="actiontrail", region="cn-hangzhou", **THROTTLED)])
    o = only(login_run(ident))
    assert o.status.value == "error"
    assert "ops_batch" in o.result and "LookupEvents" in o.result and "Throttling.Api.Risk" in o.result


def test_a_region_never_queried_is_an_error_never_a_pass():
    o = only(login_run(identity(regions=["ap-southeast-1"])))
    assert o.status.value == "error" and "not queried in cn-hangzhou" in o.result


def test_signin_regions_are_configurable():
    o = only(login_run(identity(regions=["ap-southeast-1"]), settings=Settings(signin_regions=["ap-southeast-1"])))
    assert o.status.value == "pass"


def test_get_user_failure_without_a_login_is_an_error():
    ident = identity(get_user_error=call_error("GetUser", product="ram", code="NoPermission"))
    o = only(login_run(ident))
    assert o.status.value == "error" and "GetUser" in o.result and "LastLoginDate" in o.result


def test_identity_missing_from_the_evidence_is_an_error():
    o = only(login_run())
    assert (o.status.value, o.obj.id) == ("error", SCHED) and "no evidence" in o.result


def test_ram_user_listing_failure_is_an_error_for_the_identity():
    ev = evidence(scheduled_by(), identities=[identity(user=False)],
                  ram_users_error=call_error("ListUsers", product="ram", code="NoPermission"))
    o = only(run("schedule_identity_login", ev))
    assert (o.status.value, o.obj.id) == ("error", SCHED) and "ListUsers" in o.result


def test_an_id_that_is_not_a_ram_user_of_this_account_is_manual():
    o = only(login_run(identity(uid="270000000000099", user=False), workspaces=[scheduled_by("270000000000099")]))
    assert (o.status.value, o.obj.id) == ("manual", "270000000000099")


@pytest.mark.parametrize("auth", ["SubAccount", "SUBACCOUNT", "subaccount"])
def test_sub_account_auth_type_is_compared_case_insensitively(auth):
    out = login_run(identity(last_login=ago(1)), workspaces=[scheduled_by(auth=auth)])
    assert statuses(out) == {SCHED: "fail"}


@pytest.mark.parametrize("key,auth_key", [("authIdentity", "authType"), ("TaskSubmitter", "AuthType"),
                                          ("AUTHIDENTITY", "AUTHTYPE")])
def test_the_identity_is_read_under_each_documented_key(key, auth_key):
    # GetComputeResource's example says authIdentity; CreateComputeResource's says TaskSubmitter.
    props = {"envType": "Prod", "project": "p", auth_key: "SubAccount", key: SCHED}
    ws = prod_ws(compute_resources=[compute("mc", "maxcompute", entry(2, "Prod", props))])
    o = only(login_run(identity(), workspaces=[ws]))
    assert o.obj.id == SCHED and o.status.value == "pass"


def test_an_entry_naming_two_identities_under_the_two_keys_has_each_checked():
    # Which of authIdentity and TaskSubmitter schedules, when both are there and differ, is not documented.
    other = "209999999999999999"
    props = {"envType": "Prod", "project": "p", "authType": "SubAccount", "authIdentity": SCHED,
             "TaskSubmitter": other}
    ws = prod_ws(compute_resources=[compute("mc", "maxcompute", entry(2, "Prod", props))])
    out = login_run(identity(), identity(other, "other_bot", last_login=ago(1)), workspaces=[ws])
    assert {o.obj.id: o.status.value for o in out} == {SCHED: "pass", other: "fail"}


def test_only_prod_sub_account_identities_are_checked():
    dev_only = prod_ws(compute_resources=[compute("mc", "maxcompute", entry(1, "Dev", {
        "project": "p", "authType": "SubAccount", "authIdentity": SCHED}))])
    task_owner = scheduled_by(auth="TaskOwner", ws=workspace(10003, "risk"))
    assert login_run(identity(last_login=ago(1)), workspaces=[dev_only, task_owner]) == []


def test_one_identity_used_by_two_workspaces_gives_one_result():
    out = login_run(identity(last_login=ago(1)),
                    workspaces=[scheduled_by(), scheduled_by(ws=workspace(10003, "risk"))])
    o = only(out)
    assert o.evidence["scheduling_for"] == ["10001/mc_main", "10003/mc_main"]


def test_compute_resource_listing_failure_is_an_error_for_that_workspaces_identities():
    failed_ws = prod_ws(workspace(10004, "legacy"), compute_resources_error=call_error("ListComputeResources"))
    out = by_id(login_run(identity(last_login=ago(400)), workspaces=[failed_ws, scheduled_by()]))
    assert (out["10004/*"].status.value, out["10004/*"].obj.type) == ("error", "ram_user")
    assert out[SCHED].status.value == "pass"


def test_unreadable_compute_resource_properties_are_an_error_not_silence():
    unreadable = '{"envType": "Prod", "authType": "SubAccount", "authIdentity": '
    broken = compute("mc_broken", "maxcompute", {"Id": 9, "ConnectionProperties": unreadable})
    out = login_run(workspaces=[prod_ws(compute_resources=[broken])])
    assert [o.status.value for o in out] == ["error"]
    assert out[0].obj.workspace_id == "10001"


def test_long_lookback_notes_the_actiontrail_history_limit():
    o = only(login_run(identity(last_login=ago(400)), settings=Settings(login_lookback_days=365)))
    assert o.status.value == "pass" and "ActionTrail keeps 90 days" in o.result


# --- code_review_enabled ----------------------------------------------------------------------

def review_run(ws=None, settings=None, **fields):
    return only(run("code_review_enabled", evidence(prod_ws(ws, **fields)), settings))


def test_runs_reviewed_after_they_started_pass():
    # CreateCodeReview takes the PipelineRunId of an existing run, so every real review is created after
    # its run started; the old reading (reviews before the run) reported all of these unreviewed.
    o = review_run(pipeline_runs=[new_deploy("7001", when=ago(3)), new_deploy("7002", when=ago(2))],
                   code_reviews=[run_review("7001", ago(3)), run_review("7002", ago(2), "accepted")])
    assert (o.status.value, o.obj.type, o.obj.id) == ("pass", "dataworks_workspace", "10001")
    assert "(2) had an accepted code review when it was deployed" in o.result and "retail" in o.result
    assert o.evidence["reviewed"] == {"7001": f"review-7001-{ms(ago(3) + timedelta(minutes=10))}",
                                      "7002": f"review-7002-{ms(ago(2) + timedelta(minutes=10))}"}


def test_a_review_of_the_runs_root_object_covers_every_object_of_the_run():
    items = [node("8600000000000000001", "sales_workflow", snap(ALICE, ago(4))),
             node("7001", "ods_sales", snap(ALICE, ago(4))), node("7002", "dws_sales", snap(ALICE, ago(4)))]
    o = review_run(pipeline_runs=[pipeline("pr-1", BOB, ago(2), *items)],
                   code_reviews=[run_review("8600000000000000001", ago(2))])
    assert o.status.value == "pass" and sorted(o.evidence["reviewed"]) == ["7001", "7002", "8600000000000000001"]


def test_runs_without_any_review_fail():
    o = review_run(pipeline_runs=[new_deploy("7001"), new_deploy("7002")])
    assert o.status.value == "fail"
    assert "deployed 2 task(s) to production through the new Data Studio in the last 30 days and none had an " \
           "accepted code review" in o.result
    assert o.evidence["unreviewed"] == ["7001", "7002"]


@pytest.mark.parametrize("rev", [
    run_review("7001", ago(2), "Rejected"),
    run_review("7001", ago(2), "Reviewing"),
    run_review("7001", ago(2), approved=ago(2) + timedelta(hours=RUN_HOURS, minutes=5)),
    review("7001", ago(2) - timedelta(minutes=1)),
    review("7001", ago(2) + timedelta(hours=RUN_HOURS, minutes=1)),
    run_review("7002", ago(2)),
], ids=["rejected", "still-reviewing", "approved-after-deploy", "created-before-the-run", "created-after-the-run",
        "other-object"])
def test_reviews_that_do_not_cover_the_run_do_not_count(rev):
    o = review_run(pipeline_runs=[new_deploy("7001", when=ago(2))], code_reviews=[rev])
    assert o.status.value == "fail"


@pytest.mark.parametrize("review_time", [None, "", 0], ids=["absent", "empty", "zero"])
def test_an_accepted_review_without_a_review_time_is_manual_never_pass_nor_a_crash(review_time):
    # ReviewTime is documented as empty until a review is approved: an "Accepted" one without it cannot say
    # whether it was accepted before the deployment.
    rev = run_review("7001", ago(2))
    if review_time is None:
        del rev["ReviewTime"]
    else:
        rev["ReviewTime"] = review_time
    o = review_run(pipeline_runs=[new_deploy("7001", when=ago(2))], code_reviews=[rev])
    assert o.status.value == "manual" and "carries no review time" in o.result
    assert o.evidence["accepted_without_review_time"] == ["7001"]
    # Beside a task with no review at all, the workspace still fails.
    o = review_run(pipeline_runs=[new_deploy("7001", when=ago(2)), new_deploy("7002")], code_reviews=[rev])
    assert o.status.value == "fail" and o.evidence["unreviewed"] == ["7002"]


def test_some_deployed_tasks_without_review_fail_naming_the_share():
    o = review_run(pipeline_runs=[new_deploy("7001", when=ago(3)), new_deploy("7002")],
                   code_reviews=[run_review("7001", ago(3))])
    assert o.status.value == "fail" and "1 of 2 task(s)" in o.result
    assert o.evidence["unreviewed"] == ["7002"] and list(o.evidence["reviewed"]) == ["7001"]


def test_the_latest_deployment_of_a_task_decides():
    runs = [new_deploy("7001", when=ago(9)), {**new_deploy("7001", when=ago(2)), "Id": "pr-again"}]
    assert review_run(pipeline_runs=runs, code_reviews=[run_review("7001", ago(2))]).status.value == "pass"
    assert review_run(pipeline_runs=runs, code_reviews=[run_review("7001", ago(9))]).status.value == "fail"


def test_legacy_deployments_cannot_be_checked_and_are_manual():
    # No API lists the review tickets of the legacy Data Studio: neither pass nor fail.
    o = review_run(deployment_packages=[legacy_deploy(3001), legacy_deploy(3002)], code_reviews=[review(3001, ago(3))])
    assert o.status.value == "manual" and "legacy Data Studio" in o.result
    assert o.evidence["legacy_not_verifiable"] == ["3001", "3002"]
    o = review_run(deployment_packages=[legacy_deploy(3001)], pipeline_runs=[new_deploy("7001")],
                   code_reviews=[run_review("7001", ago(2))])
    assert o.status.value == "manual" and "1 task(s) deployed through the new Data Studio had accepted reviews" \
        in o.result


def test_a_run_deployed_only_to_development_is_not_a_production_deployment():
    o = review_run(pipeline_runs=[new_deploy("7001", deploy_code="DEV")])
    assert o.status.value == "manual" and o.evidence["deployed_tasks"] == 0


def test_nothing_deployed_in_the_window_is_manual():
    packages = [legacy_deploy(3001, when=ago(31)), legacy_deploy(3002, to_env=1), legacy_deploy(3003, status=2)]
    runs = [new_deploy("7001", deploy="Fail"), new_deploy("7002", status="Fail"), new_deploy("7003", when=ago(45))]
    o = review_run(deployment_packages=packages, pipeline_runs=runs)
    assert o.status.value == "manual" and "Nothing was deployed" in o.result and "retail" in o.result
    assert o.evidence["deployed_tasks"] == 0


@pytest.mark.parametrize("offset,status", [(-1, "fail"), (1, "manual")], ids=["just-inside", "just-outside"])
def test_code_review_window_is_deploy_lookback_days(offset, status):
    o = review_run(settings=Settings(deploy_lookback_days=7),
                   pipeline_runs=[new_deploy("7001", when=ago(7, seconds=offset))])
    assert o.status.value == status


def test_code_review_basic_mode_is_not_applicable():
    o = review_run(ws=workspace(10002, "growth", standard=False), deployment_packages=[legacy_deploy()])
    assert o.status.value == "not_applicable" and "basic mode" in o.result


def test_code_review_listing_denied_is_an_error_naming_the_role():
    o = review_run(deployment_packages=[legacy_deploy()], code_reviews_error=call_error("ListCodeReviews"))
    assert (o.status.value, o.obj.id) == ("error", "10001")
    assert "ListCodeReviews" in o.result and "Workspace Administrator" in o.result


def test_deployments_that_failed_to_load_are_an_error_not_manual():
    o = review_run(deployment_packages_error=call_error("ListDeploymentPackages"))
    assert o.status.value == "error" and "ListDeploymentPackages" in o.result


def test_unloaded_deployments_with_every_loaded_one_reviewed_is_still_an_error():
    o = review_run(deployment_packages_error=call_error("ListDeploymentPackages", **THROTTLED),
                   pipeline_runs=[new_deploy("7001")], code_reviews=[run_review("7001", ago(2))])
    assert o.status.value == "error" and "ListDeploymentPackages" in o.result


def test_an_unreviewed_deployment_wins_over_a_failed_listing():
    o = review_run(deployment_packages_error=call_error("ListDeploymentPackages", **THROTTLED),
                   pipeline_runs=[new_deploy("7001")])
    assert o.status.value == "fail"


def test_package_detail_failure_is_an_error_for_code_review():
    o = review_run(deployment_packages=[legacy_deploy(detail_error=call_error("GetDeploymentPackage"))])
    assert o.status.value == "error" and "GetDeploymentPackage" in o.result


# --- deploy_separation ------------------------------------------------------------------------

TEAM = [member(ALICE, "alice", DEV), member(BOB, "bob", DEPLOY), member(CAROL, "carol", DEV),
        member(DAVE, "dave", DEV)]


def separation(ws=None, settings=None, **fields):
    fields.setdefault("members", TEAM)  # the ids of the deployers and developers are the workspace's members
    return run("deploy_separation", evidence(prod_ws(ws, **fields)), settings)


def test_legacy_deployment_by_the_developer_of_the_deployed_version_fails():
    o = only(separation(deployment_packages=[legacy_deploy(3001, developer=DAVE, deployer=DAVE, when=ago(3))]))
    assert (o.status.value, o.obj.type, o.obj.id, o.obj.workspace_id) == (
        "fail", "dataworks_task", "10001/3001", "10001")
    assert f"deployed to production by its own developer ({DAVE})" in o.result
    assert "2026-11-25" in o.result and "package 11001" in o.result
    assert o.evidence["deployments"][0]["deployer"] == DAVE == o.evidence["deployments"][0]["developer"]


def test_legacy_compares_with_the_deployed_version_not_another_one():
    # version 4 was committed by the deployer, but version 5 (by ALICE) is what went out
    o = only(separation(deployment_packages=[legacy_deploy(3001, developer=ALICE, deployer=BOB)]))
    assert o.status.value == "pass"
    assert "Task file 3001 in workspace retail was deployed 1 time(s) in the last 30 days" in o.result


def test_legacy_deployer_falls_back_to_the_package_executor():
    pkg = package(8001, ago(2), None, file_item(3001, 1, version(1, DAVE)), executor=DAVE)
    o = only(separation(deployment_packages=[pkg]))
    assert o.status.value == "fail" and DAVE in o.result


def test_legacy_packages_to_development_or_unpublished_are_ignored():
    packages = [legacy_deploy(3001, developer=DAVE, deployer=DAVE, to_env=1),
                legacy_deploy(3002, developer=DAVE, deployer=DAVE, status=0)]
    assert separation(deployment_packages=packages) == []


def test_legacy_deployed_version_missing_from_the_versions_is_an_error_for_that_task():
    pkg = package(8001, ago(2), BOB, file_item(3001, 7, version(6, ALICE)),
                  file_item(3002, 1, versions_error=call_error("ListFileVersions", **THROTTLED)),
                  file_item(3003, 1, version(1, ALICE)))
    out = by_id(separation(deployment_packages=[pkg]))
    assert out["10001/3001"].status.value == "error"
    assert "version 7 of file 3001 is not in ListFileVersions" in out["10001/3001"].result
    assert out["10001/3002"].status.value == "error" and "ListFileVersions" in out["10001/3002"].result
    assert out["10001/3003"].status.value == "pass"


def test_legacy_package_detail_failure_is_an_error_for_the_workspace_tasks():
    bad = legacy_deploy(3001, detail_error=call_error("GetDeploymentPackage"))
    out = by_id(separation(deployment_packages=[bad, legacy_deploy(3002, developer=DAVE, deployer=DAVE)]))
    assert (out["10001/*"].status.value, out["10001/*"].obj.type) == ("error", "dataworks_task")
    assert "GetDeploymentPackage" in out["10001/*"].result
    assert out["10001/3002"].status.value == "fail"


def test_deployment_listing_failures_are_one_error_for_the_workspace():
    out = separation(deployment_packages_error=call_error("ListDeploymentPackages"),
                     pipeline_runs_error=call_error("ListPipelineRuns", **THROTTLED))
    e = only(out)
    assert (e.status.value, e.obj.type, e.obj.id, e.obj.workspace_id) == ("error", "dataworks_task", "10001/*", "10001")
    assert "ListDeploymentPackages" in e.result and "1 more failed call(s)" in e.result
    assert len(e.evidence["errors"]) == 2


def test_one_failed_deployment_listing_does_not_stop_the_other_path():
    out = by_id(separation(pipeline_runs_error=call_error("ListPipelineRuns", **THROTTLED),
                           deployment_packages=[legacy_deploy(3001, developer=DAVE, deployer=DAVE)]))
    assert statuses(out.values()) == {"10001/*": "error", "10001/3001": "fail"}
    assert "ListPipelineRuns" in out["10001/*"].result and "Throttling.Api.Risk" in out["10001/*"].result


def test_new_data_studio_run_by_the_snapshot_creator_fails():
    o = only(separation(pipeline_runs=[new_deploy("700000000000003", developer=CAROL, deployer=CAROL)]))
    assert (o.status.value, o.obj.id, o.obj.name) == ("fail", "10001/700000000000003", "task_3")
    assert f"own developer ({CAROL})" in o.result and "pipeline run pr-700000000000003" in o.result


def test_new_data_studio_run_by_someone_else_passes():
    o = only(separation(pipeline_runs=[new_deploy("700000000000001", developer=ALICE, deployer=BOB)]))
    assert o.status.value == "pass"


def test_new_data_studio_ids_not_shown_to_be_of_one_kind_are_manual_never_pass():
    # ListSnapshots documents its Creator as the submitter's employee ID: a developer id that is not a
    # member's user id may be of another kind than the run's Creator, so a difference proves nothing.
    deploy = new_deploy("7001", developer="209508679263509059", deployer=BOB)
    o = only(separation(pipeline_runs=[deploy]))
    assert o.status.value == "manual" and "employee ID" in o.result and "209508679263509059" in o.result
    assert only(separation(pipeline_runs=[deploy], members=[])).status.value == "manual"
    # The same id on both sides is a self-deployment whatever kind of id it is.
    same_id = new_deploy("7002", developer="209508679263509059", deployer="209508679263509059")
    assert only(separation(pipeline_runs=[same_id], members=[])).status.value == "fail"


def test_new_data_studio_member_listing_failure_is_an_error_where_it_decides():
    o = only(separation(pipeline_runs=[new_deploy("7001")], members=[],
                        members_error=call_error("ListProjectMembers")))
    assert o.status.value == "error" and "ListProjectMembers" in o.result


def test_legacy_ids_are_documented_as_account_ids_and_need_no_member_check():
    o = only(separation(deployment_packages=[legacy_deploy(3001, developer=ALICE, deployer=BOB)], members=[]))
    assert o.status.value == "pass"


def test_a_run_deployed_only_to_development_is_not_checked():
    runs = [new_deploy("7001", developer=BOB, deployer=BOB, deploy_code="DEV")]
    assert separation(pipeline_runs=runs) == []


def test_new_data_studio_uses_the_latest_saved_snapshot_before_the_run():
    when = ago(2)
    item = node("7001", "risk_score",
                snap(BOB, when - timedelta(days=5), n=1),          # older, by the deployer
                snap(ALICE, when - timedelta(hours=1), n=2),        # latest Saved before the run
                snap(BOB, when - timedelta(minutes=5), "Deployed", n=3),  # not a Saved snapshot
                snap(BOB, when + timedelta(hours=1), n=4))          # after the run
    o = only(separation(pipeline_runs=[pipeline("pr-1", BOB, when, item)]))
    assert o.status.value == "pass" and o.evidence["deployments"][0]["developer"] == ALICE


def test_new_data_studio_latest_saved_snapshot_by_the_deployer_fails():
    when = ago(2)
    item = node("7001", "risk_score", snap(ALICE, when - timedelta(days=5), n=1),
                snap(BOB, when - timedelta(hours=1), "saved", n=2))
    assert only(separation(pipeline_runs=[pipeline("pr-1", BOB, when, item)])).status.value == "fail"


def test_new_data_studio_unknown_developer_is_an_error_for_that_task():
    when = ago(2)
    run_ = pipeline("pr-1", BOB, when,
                    node("7001", "a", snapshots_error=call_error("ListSnapshots", **THROTTLED)),
                    node("7002", "b", snap(ALICE, when + timedelta(hours=1))),
                    node("7003", "c", snap(ALICE, when - timedelta(hours=1))))
    out = by_id(separation(pipeline_runs=[run_]))
    assert out["10001/7001"].status.value == "error" and "ListSnapshots" in out["10001/7001"].result
    assert out["10001/7002"].status.value == "error" and "no Saved snapshot of 7002" in out["10001/7002"].result
    assert out["10001/7003"].status.value == "pass"


def test_new_data_studio_runs_that_did_not_deploy_are_ignored():
    runs = [new_deploy("7001", developer=BOB, deployer=BOB, deploy="Fail"),
            new_deploy("7002", developer=BOB, deployer=BOB, status="Running", deploy="Init")]
    assert separation(pipeline_runs=runs) == []


def test_new_data_studio_run_items_failure_is_an_error_for_the_workspace():
    runs = [pipeline("pr-1", BOB, ago(2), items_error=call_error("ListPipelineRunItems"))]
    o = only(separation(pipeline_runs=runs))
    assert (o.status.value, o.obj.id) == ("error", "10001/*") and "ListPipelineRunItems" in o.result


def test_status_values_of_pipeline_runs_are_case_insensitive():
    runs = [new_deploy("7001", developer=BOB, deployer=BOB, status="SUCCESS", deploy="success")]
    assert statuses(separation(pipeline_runs=runs)) == {"10001/7001": "fail"}


@pytest.mark.parametrize("offset,expected", [(-1, {"10001/3001": "fail", "10001/7001": "fail"}), (1, {})],
                         ids=["just-inside", "just-outside"])
def test_deploy_window_edges(offset, expected):
    when = ago(7, seconds=offset)
    out = separation(settings=Settings(deploy_lookback_days=7),
                     deployment_packages=[legacy_deploy(3001, developer=DAVE, deployer=DAVE, when=when)],
                     pipeline_runs=[new_deploy("7001", developer=DAVE, deployer=DAVE, when=when)])
    assert statuses(out) == expected


def test_one_own_deployment_among_several_fails_the_task():
    packages = [legacy_deploy(3001, developer=ALICE, deployer=BOB, when=ago(10)),
                package(9001, ago(3), DAVE, file_item(3001, 6, version(6, DAVE)))]
    o = only(separation(deployment_packages=packages))
    assert o.status.value == "fail" and len(o.evidence["deployments"]) == 2
    assert o.evidence["deployments"][0]["time"].startswith("2026-11-25")  # newest first


def test_basic_mode_workspaces_are_not_applicable():
    # Basic mode has no development environment to deploy from: the item is about standard mode.
    out = separation(ws=workspace(10002, "growth", standard=False),
                     deployment_packages=[legacy_deploy(3001, developer=DAVE, deployer=DAVE)])
    o = only(out)
    assert (o.status.value, o.obj.id) == ("not_applicable", "10002/*") and "basic mode" in o.result


def test_legacy_package_time_from_the_detail_when_the_list_entry_has_none():
    pkg = legacy_deploy(3001, developer=DAVE, deployer=DAVE, when=ago(3), list_time=False)
    assert statuses(separation(deployment_packages=[pkg])) == {"10001/3001": "fail"}


def test_legacy_deployer_not_recorded_is_an_error_never_a_pass():
    pkg = package(8001, ago(2), None, file_item(3001, 1, version(1, ALICE)))
    pkg["Executor"] = pkg["Creator"] = None
    o = only(separation(deployment_packages=[pkg]))
    assert o.status.value == "error" and "the deployer is not recorded" in o.result


def test_unknown_developer_is_not_reported_as_an_unknown_deployer():
    pkg = package(8001, ago(2), BOB, file_item(3001, 1, {"FileVersion": 1}))  # no CommitUser
    o = only(separation(deployment_packages=[pkg]))
    assert o.status.value == "error"
    assert "deployer is not recorded" not in o.result and "develop" in o.result.split("unknown:")[1]


# --- through evaluation -----------------------------------------------------------------------

def test_evaluated_findings_carry_no_secret_and_no_rule_crashes():
    ws = prod_ws(
        members=[member(BOB, "bob", ADMIN, DEPLOY)],
        compute_resources=[
            compute("sr", "starrocks",
                    entry(1, "Dev", {"host": "h", "password": "StarRocks-Dev-Pass"}, as_json=True),
                    entry(2, "Prod", {"host": "h", "password": "StarRocks-Prod-Pass", "accessKey": "Sr-AK-Secret",
                                      "authType": "SubAccount", "authIdentity": SCHED})),
            compute("emr", "emr", entry(3, "Prod", {"clusterId": "C-1", "accessKey": "Emr-AK-Secret"})),
        ],
        pipeline_runs=[new_deploy("7001", developer=DAVE, deployer=DAVE)],
    )
    ev = evidence(ws, identities=[identity(last_login=ago(1))])
    found, text = findings_json(ev, Category.data_production)
    got = {(f.item_id, f.object_id): f.status.value for f in found}
    assert got[("compute_env_isolation", "10001/sr")] == "fail"
    assert got[("schedule_identity_login", SCHED)] == "fail"
    assert got[("deploy_separation", "10001/7001")] == "fail"
    assert got[("code_review_enabled", "10001")] == "fail"
    assert got[("member_single_role", f"10001/{BOB}")] == "fail"
    assert got[("workspace_admin_count", "10001")] == "pass"
    assert got[("workspace_standard_mode", "10001")] == "pass"
    for secret in ("StarRocks-Dev-Pass", "StarRocks-Prod-Pass", "Sr-AK-Secret", "Emr-AK-Secret"):
        assert secret not in text
    assert "bug in dwdiag" not in text


def test_demo_snapshot_data_production(demo):
    found, text = findings_json(demo.regions[0].data_production, Category.data_production)
    got = {(f.item_id, f.object_id): f.status.value for f in found}
    assert got[("workspace_standard_mode", "10002")] == "fail"
    assert got[("workspace_admin_count", "10003")] == "fail"
    assert got[("workspace_admin_count", "10001")] == "pass"
    assert got[("member_single_role", "10001/200000000000002")] == "fail"
    assert got[("compute_env_isolation", "10003/holo_main")] == "fail"
    assert got[("compute_env_isolation", "10003/mc_risk")] == "fail"
    assert got[("schedule_identity_login", "270000000000001")] == "fail"
    assert got[("schedule_identity_login", "270000000000002")] == "pass"
    assert got[("schedule_identity_login", "270000000000003")] == "error"
    assert got[("schedule_identity_login", "270000000000099")] == "manual"  # not a RAM user of this account
    assert got[("deploy_separation", "10001/3002")] == "fail"
    assert got[("deploy_separation", "10001/3001")] == "pass"
    assert ("deploy_separation", "10001/3003") not in got  # ToEnvironment 1
    assert got[("deploy_separation", "10003/700000000000003")] == "fail"
    assert got[("deploy_separation", "10003/700000000000002")] == "error"
    assert "bug in dwdiag" not in text


def test_an_unread_login_profile_leaves_a_logon_a_fail_and_says_so():
    ident = {**identity(events=[signin("e1", ago(2), "sched_bot")]),
             "login_profile_error": call_error("GetLoginProfile", product="ram", **THROTTLED)}
    o = only(login_run(ident))
    assert o.status.value == "fail" and "could not be read (GetLoginProfile failed" in o.result
    quiet = only(login_run({**identity(name="etl_runner"), "login_profile_error": ident["login_profile_error"]}))
    assert quiet.status.value == "pass", "no logon in the window: the profile was never needed"
