"""ActionTrail write events of run-time world changes (dwdiag_emulator/changes.py): Emulator.change and
POST /_emulator/changes change what the read APIs serve and record the write event, which LookupEvents
(ServiceName + EventRW=Write, the watch's query) serves only after the world's actiontrail_delivery_seconds,
once Emulator.advance / POST /_emulator/clock has moved the service clock; the write API handlers record
theirs with the caller. Every test has an emulator of its own (changes change its world)."""
from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid
from typing import Any, Callable, Dict, Iterator, List, NamedTuple, Optional, Tuple

import pytest
from alibabacloud_actiontrail20200706 import models as at
from alibabacloud_actiontrail20200706.client import Client as TrailClient
from alibabacloud_dataworks_public20240518 import models as dw
from alibabacloud_dataworks_public20240518.client import Client as DwClient
from alibabacloud_maxcompute20220104 import models as mc
from alibabacloud_maxcompute20220104.client import Client as McClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi import utils_models as open_api
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import ClientException
from darabonba.runtime import RuntimeOptions

from dwdiag_emulator import Emulator, WorldError, load_world
from dwdiag_emulator.changes import KINDS, SERVICE_NAMES
from tests.support.emulator import make_config

pytestmark = pytest.mark.emulator

ACCOUNT = "1234567890123456"
HZ, SH = "cn-hangzhou", "cn-shanghai"  # HZ is the home region
NOW = "2026-11-28T02:00:00Z"
DELAY = 600
OPS = ("AKIDops", "opsSecret-NEVER-IN-AN-EVENT")
READER = ("AKIDread", "readSecret-NEVER-IN-AN-EVENT")
ROLE = ("STS.opsRole", "stsSecret-NEVER-IN-AN-EVENT", "CAIS-token-NEVER-IN-AN-EVENT")
PASSWORD = "Passw0rd-NEVER-IN-AN-EVENT"
SECRETS = (OPS[1], READER[1], ROLE[1], ROLE[2], PASSWORD)
EVENT_KEYS = {"eventId", "eventVersion", "eventName", "eventType", "eventRW", "eventTime", "eventSource",
              "serviceName", "acsRegion", "requestId", "sourceIpAddress", "apiVersion", "userIdentity",
              "requestParameters", "resourceName", "resourceType"}
ALICE = {"type": "ram-user", "userName": "ops-alice", "principalId": "270000000000001", "accountId": ACCOUNT}


def _world(**extra: Any) -> Dict[str, Any]:
    return {
        "account_id": ACCOUNT, "now": NOW, "default_region": HZ, "actiontrail_delivery_seconds": DELAY,
        "credentials": {
            "access_keys": [
                {"AccessKeyId": OPS[0], "AccessKeySecret": OPS[1],
                 "identity": {"AccountId": ACCOUNT, "UserId": "270000000000007", "PrincipalId": "270000000000007",
                              "Arn": f"acs:ram::{ACCOUNT}:user/fixer-bot"}},
                {"AccessKeyId": READER[0], "AccessKeySecret": READER[1], "read_only": True}],
            "sts_tokens": [
                {"AccessKeyId": ROLE[0], "AccessKeySecret": ROLE[1], "SecurityToken": ROLE[2],
                 "identity": {"AccountId": ACCOUNT, "IdentityType": "AssumedRoleUser", "RoleId": "300000000000001",
                              "PrincipalId": "300000000000001:ops",
                              "Arn": f"acs:ram::{ACCOUNT}:assumed-role/ops-role/ops"}}]},
        "ram_users": [
            {"UserId": "270000000000001", "UserName": "ops-alice"},
            {"UserId": "270000000000002", "UserName": "sched_bot", "LastLoginDate": "2026-11-10T01:02:03Z"},
            {"UserId": "270000000000003", "UserName": "api_only", "login_profile": None},
            {"UserId": "270000000000007", "UserName": "fixer-bot"}],
        "regions": {
            HZ: {"dataworks": {"workspaces": [
                    {"Id": 10001, "Name": "ws_prod", "members": [
                        {"UserId": "270000000000002", "UserName": "sched_bot",
                         "Roles": [{"Code": "role_project_dev", "Name": "Develop"}]}]}]},
                 "maxcompute": {"projects": [
                     {"name": "mc_prod", "properties": {"retentionDays": 0},
                      "securityProperties": {"projectProtection": {"protected": True}}}]},
                 "actiontrail": {"trails": [{"Name": "trail-main", "EventRW": "All"}]}},
            SH: {"dataworks": {"workspaces": [{"Id": 20001, "Name": "ws_sh"}]},
                 "maxcompute": {"projects": [{"name": "mc_sh"}]},
                 "actiontrail": {"events": [  # in the world file: in the past, always served
                     {"eventId": "world-1", "eventName": "CreateProject", "eventTime": "2026-11-28T01:00:00Z",
                      "eventRW": "Write", "serviceName": "dataworks-public", "acsRegion": SH}]}}},
        **extra,
    }


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = Emulator(_world())
    with emulator.running():
        yield emulator


# --- reads, through the official SDK clients ------------------------------------------------------------

def _config(emu: Emulator, region: str = HZ, key: Tuple[str, ...] = OPS):
    token = key[2] if len(key) > 2 else None
    return make_config(emu, region, ak=key[0], secret=key[1], token=token)


def _lookup(emu: Emulator, region: str, service: str, start: Optional[str] = None,
            end: Optional[str] = None) -> List[Dict[str, Any]]:
    """Every event LookupEvents serves for ServiceName=service + EventRW=Write, page by page (NextToken)."""
    client = TrailClient(_config(emu, region))
    attrs = [at.LookupEventsRequestLookupAttribute(key="ServiceName", value=service),
             at.LookupEventsRequestLookupAttribute(key="EventRW", value="Write")]
    events, token = [], None
    while True:
        body = client.lookup_events(at.LookupEventsRequest(lookup_attribute=attrs, start_time=start, end_time=end,
                                                           max_results="2", next_token=token)).body
        events += body.events
        token = body.next_token
        if not token:
            return events


def _roles(emu: Emulator, workspace: int = 10001, region: str = HZ) -> Dict[str, List[str]]:
    body = DwClient(_config(emu, region)).list_project_members(
        dw.ListProjectMembersRequest(project_id=workspace, page_size=100)).body
    return {m.user_id: [r.code for r in m.roles] for m in body.paging_info.project_members}


def _protected(emu: Emulator, project: str = "mc_prod") -> bool:
    data = McClient(_config(emu)).get_project(project, mc.GetProjectRequest(verbose=True)).body.data
    return data.security_properties.project_protection.protected


def _logging(emu: Emulator, trail: str = "trail-main") -> bool:
    return TrailClient(_config(emu)).get_trail_status(at.GetTrailStatusRequest(name=trail)).body.is_logging


def _ims(emu: Emulator, action: str, key: Tuple[str, ...] = OPS, **query: Any) -> Dict[str, Any]:
    """IMS 2019-08-15 as its SDK calls it (RPC, POST /, the parameters in the query)."""
    client = OpenApiClient(_config(emu, HZ, key))
    params = open_api.Params(action=action, version="2019-08-15", protocol="HTTPS", pathname="/", method="POST",
                             auth_type="AK", style="RPC", req_body_type="formData", body_type="json")
    request = open_api.OpenApiRequest(query={k: str(v) for k, v in query.items()})
    return client.call_api(params, request, RuntimeOptions())["body"]


def _console_status(emu: Emulator, user: str = "sched_bot") -> str:
    return _ims(emu, "GetLoginProfile", UserPrincipalName=f"{user}@{ACCOUNT}.onaliyun.com")["LoginProfile"]["Status"]


def _control(emu: Emulator, method: str, what: str, body: Any = None) -> Tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{emu.url()}/_emulator/{what}", data=data, method=method,
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=5) as resp:
            return resp.status, json.loads(resp.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


# --- each kind of change ---------------------------------------------------------------------------------

class Case(NamedTuple):
    kind: str
    params: Dict[str, Any]
    read: Callable[[Emulator], Any]
    before: Any
    after: Any
    service: str
    name: str
    api_version: str
    region: str
    request_parameters: Dict[str, Any]
    resource: Tuple[str, str]


CASES = [
    Case("add_workspace_member_role", {"workspace_id": 10001, "user_id": "270000000000002"}, _roles,
         {"270000000000002": ["role_project_dev"]},
         {"270000000000002": ["role_project_dev", "role_project_admin"]},
         "dataworks-public", "AddProjectMemberToRole", "2020-05-18", HZ,
         {"ProjectId": 10001, "UserId": "270000000000002", "RoleCode": "role_project_admin"},
         ("10001", "ACS::DataWorks::Project")),
    Case("add_workspace_member_role", {"workspace_id": 10001, "user_id": "270000000000009", "user_name": "newbie",
                                       "role": "role_project_deploy"}, _roles,
         {"270000000000002": ["role_project_dev"]},
         {"270000000000002": ["role_project_dev"], "270000000000009": ["role_project_deploy"]},
         "dataworks-public", "AddProjectMemberToRole", "2020-05-18", HZ,
         {"ProjectId": 10001, "UserId": "270000000000009", "RoleCode": "role_project_deploy"},
         ("10001", "ACS::DataWorks::Project")),
    Case("remove_workspace_member_role", {"workspace_id": 10001, "user_id": "270000000000002",
                                          "role": "role_project_dev"}, _roles,
         {"270000000000002": ["role_project_dev"]}, {"270000000000002": []},
         "dataworks-public", "RemoveProjectMemberFromRole", "2020-05-18", HZ,
         {"ProjectId": 10001, "UserId": "270000000000002", "RoleCode": "role_project_dev"},
         ("10001", "ACS::DataWorks::Project")),
    Case("set_project_protection", {"project": "mc_prod", "protected": False}, _protected, True, False,
         "Odps", "UpdateProject", "2022-01-04", HZ, {"projectName": "mc_prod"},
         ("mc_prod", "ACS::MaxCompute::Project")),
    Case("stop_logging", {"name": "trail-main"}, _logging, True, False,
         "Actiontrail", "StopLogging", "2020-07-06", HZ, {"Name": "trail-main"},
         ("trail-main", "ACS::ActionTrail::Trail")),
    Case("disable_console_logon", {"user_name": "sched_bot"}, _console_status, "Active", "Inactive",
         "Ims", "UpdateLoginProfile", "2019-08-15", HZ, {"UserName": "sched_bot", "Status": "Inactive"},
         ("sched_bot", "ACS::RAM::User")),
]


def _check_event(event: Dict[str, Any], case: Case, identity: Dict[str, Any]) -> None:
    assert set(event) == EVENT_KEYS
    uuid.UUID(event["eventId"])
    assert (event["eventVersion"], event["eventType"], event["eventRW"]) == ("1", "ApiCall", "Write")
    assert (event["eventName"], event["serviceName"], event["apiVersion"]) == (case.name, case.service,
                                                                              case.api_version)
    assert event["eventTime"] == NOW and event["acsRegion"] == case.region
    assert event["eventSource"].endswith(".aliyuncs.com") and event["requestId"]
    assert event["sourceIpAddress"] == "203.0.113.10"
    assert event["userIdentity"] == identity
    assert event["requestParameters"] == case.request_parameters
    assert (event["resourceName"], event["resourceType"]) == case.resource


@pytest.mark.parametrize("case", CASES, ids=[f"{c.kind}-{i}" for i, c in enumerate(CASES)])
def test_a_change_changes_the_read_and_its_event_is_served_after_the_delay(emu, case):
    assert case.read(emu) == case.before
    event = emu.change(case.kind, **case.params)
    assert case.read(emu) == case.after
    _check_event(event, case, ALICE)
    assert _lookup(emu, case.region, case.service) == []  # not delivered yet
    emu.advance(DELAY - 1)
    assert _lookup(emu, case.region, case.service) == []
    emu.advance(1)
    assert _lookup(emu, case.region, case.service) == [event]  # exactly once, as returned
    assert emu.requests()[-1].action == "LookupEvents"  # a change is no API call of the request log


def test_start_logging_change_and_the_trails_home_region(emu):
    emu.change("stop_logging", name="trail-main")
    event = emu.change("start_logging", actor="fixer-bot", name="trail-main")
    assert _logging(emu) is True
    assert TrailClient(_config(emu)).describe_trails(at.DescribeTrailsRequest()).body.trail_list[0].status == "Enable"
    assert (event["eventName"], event["acsRegion"], event["eventSource"]) == (
        "StartLogging", HZ, f"actiontrail.{HZ}.aliyuncs.com")
    assert event["userIdentity"]["userName"] == "fixer-bot"
    assert event["userIdentity"]["principalId"] == "270000000000007"
    emu.advance(DELAY)
    assert [e["eventName"] for e in _lookup(emu, HZ, "Actiontrail")] == ["StartLogging", "StopLogging"]


def test_service_names_are_in_one_place():
    assert SERVICE_NAMES == {"dataworks": "dataworks-public", "maxcompute": "Odps", "ram": "Ram", "ims": "Ims",
                             "actiontrail": "Actiontrail"}
    assert set(KINDS) == {"add_workspace_member_role", "remove_workspace_member_role", "set_project_protection",
                          "stop_logging", "start_logging", "disable_console_logon"}


# --- delivery, windows, order --------------------------------------------------------------------------

def test_events_are_newest_first_world_events_unaffected_and_windows_apply(emu):
    # the world file's event is served at once; a change's waits for its delivery
    assert [e["eventId"] for e in _lookup(emu, SH, "dataworks-public")] == ["world-1"]
    first = emu.change("add_workspace_member_role", workspace_id=20001, user_id="270000000000002")
    assert first["acsRegion"] == SH and first["eventSource"] == f"dataworks.{SH}.aliyuncs.com"
    assert _lookup(emu, HZ, "dataworks-public") == []  # kept in the workspace's region only
    assert emu.advance(60) == "2026-11-28T02:01:00Z"
    second = emu.change("add_workspace_member_role", workspace_id=20001, user_id="270000000000001",
                        role="role_project_owner")
    assert second["eventTime"] == "2026-11-28T02:01:00Z"
    assert [e["eventId"] for e in _lookup(emu, SH, "dataworks-public")] == ["world-1"]
    emu.advance(DELAY - 60)  # the first is delivered, the second not yet
    assert [e["eventId"] for e in _lookup(emu, SH, "dataworks-public")] == [first["eventId"], "world-1"]
    emu.advance(60)
    served = _lookup(emu, SH, "dataworks-public")
    assert [e["eventId"] for e in served] == [second["eventId"], first["eventId"], "world-1"]  # newest first
    # a StartTime/EndTime window selects by eventTime
    window = _lookup(emu, SH, "dataworks-public", start=NOW, end="2026-11-28T02:00:30Z")
    assert [e["eventId"] for e in window] == [first["eventId"]]
    assert _lookup(emu, SH, "dataworks-public", start="2026-11-28T00:00:00Z", end="2026-11-28T01:59:59Z") == [
        served[2]]
    assert _roles(emu, 20001, SH) == {"270000000000002": ["role_project_admin"],
                                      "270000000000001": ["role_project_owner"]}


def test_events_recorded_in_one_second_are_newest_first(emu):
    ids = [emu.change("add_workspace_member_role", workspace_id=10001, user_id=str(270000000000010 + i))["eventId"]
           for i in range(5)]
    emu.advance(DELAY)
    assert [e["eventId"] for e in _lookup(emu, HZ, "dataworks-public")] == ids[::-1]  # paged 2 by 2


def test_no_delay_by_default_and_the_real_clock():
    world = _world()
    del world["actiontrail_delivery_seconds"], world["now"]
    emulator = Emulator(world)
    assert emulator.world.actiontrail_delivery_seconds == 0
    with emulator.running():
        event = emulator.change("set_project_protection", project="mc_prod", protected="false")
        assert [e["eventId"] for e in _lookup(emulator, HZ, "Odps")] == [event["eventId"]]
        assert _protected(emulator) is False


def test_the_world_setting_is_validated_and_read_from_world_files(tmp_path):
    with pytest.raises(WorldError) as err:
        load_world({"actiontrail_delivery_seconds": -1})
    assert "actiontrail_delivery_seconds" in str(err.value)
    path = tmp_path / "world.yaml"
    path.write_text("now: '2026-11-28T02:00:00Z'\nactiontrail_delivery_seconds: 900\n", encoding="utf-8")
    assert load_world(path).actiontrail_delivery_seconds == 900


def test_member_accounts_share_the_setting_and_the_clock():
    member = "5000000000000011"
    world = _world(organization={"members": [{"AccountId": member, "DisplayName": "prod", "tenant": {
        "regions": {HZ: {"actiontrail": {"trails": [{"Name": "member-trail"}]}}}}}]})
    emulator = Emulator(world)
    tenant = emulator.tenant(member)
    assert tenant.world.actiontrail_delivery_seconds == DELAY
    event = emulator.change("stop_logging", account=member, actor="ops-bob", name="member-trail")
    assert event["userIdentity"]["accountId"] == member and event["userIdentity"]["userName"] == "ops-bob"
    assert tenant.backend.regions[HZ].events[0][1].eventId == event["eventId"]
    assert emulator.backend.regions[HZ].events == []  # not the management account's
    emulator.advance(90)
    assert tenant.backend.now() == emulator.backend.now()
    assert emulator.now() == "2026-11-28T02:01:30Z"
    with pytest.raises(ValueError, match="no account 9999999999999999"):
        emulator.change("stop_logging", account="9999999999999999", name="member-trail")


# --- errors -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kind, params, message", [
    ("drop_database", {}, "unknown change kind 'drop_database'"),
    ("add_workspace_member_role", {"workspace_id": 4242, "user_id": "1"}, "no DataWorks workspace 4242"),
    ("add_workspace_member_role", {"workspace_id": "x", "user_id": "1"}, "workspace_id must be an integer"),
    ("add_workspace_member_role", {"user_id": "1"}, "missing a required argument: 'workspace_id'"),
    ("remove_workspace_member_role", {"workspace_id": 10001, "user_id": "999"}, "has no member 999"),
    ("remove_workspace_member_role", {"workspace_id": 10001, "user_id": "270000000000002"},
     "has no role role_project_admin"),
    ("set_project_protection", {"project": "nope", "protected": True}, "no MaxCompute project 'nope'"),
    ("set_project_protection", {"project": "mc_prod", "protected": "maybe"}, "protected must be true or false"),
    ("stop_logging", {"name": "trail-none"}, "no trail 'trail-none'"),
    ("stop_logging", {"name": "trail-main", "region": HZ}, "unexpected keyword argument 'region'"),
    ("disable_console_logon", {"user_name": "ghost"}, "no RAM user 'ghost'"),
    ("disable_console_logon", {"user_name": "api_only"}, "has no login profile"),
])
def test_a_bad_change_is_a_clear_value_error_and_changes_nothing(emu, kind, params, message):
    with pytest.raises(ValueError, match=message):
        emu.change(kind, **params)
    emu.advance(DELAY)
    assert all(not state.events or state.events[0][1].eventId == "world-1" for state in emu.backend.regions.values())
    assert _roles(emu) == {"270000000000002": ["role_project_dev"]} and _protected(emu) is True


# --- the HTTP controls ------------------------------------------------------------------------------------

def test_http_change_and_clock_controls(emu):
    status, event = _control(emu, "POST", "changes", {"kind": "add_workspace_member_role", "workspace_id": 10001,
                                                      "user_id": "270000000000003", "actor": "ops-carol"})
    assert status == 200 and event["eventName"] == "AddProjectMemberToRole"
    assert event["userIdentity"]["userName"] == "ops-carol"
    assert event["requestParameters"]["UserId"] == "270000000000003"
    assert _roles(emu)["270000000000003"] == ["role_project_admin"]
    assert _control(emu, "GET", "clock") == (200, {"now": NOW})
    assert _lookup(emu, HZ, "dataworks-public") == []
    assert _control(emu, "POST", "clock", {"advance": DELAY}) == (200, {"now": "2026-11-28T02:10:00Z"})
    assert _lookup(emu, HZ, "dataworks-public") == [event]


@pytest.mark.parametrize("what, body, message", [
    ("changes", {"kind": "drop_database"}, "unknown change kind 'drop_database'"),
    ("changes", {"kind": "remove_workspace_member_role", "workspace_id": 4242, "user_id": "1"},
     "no DataWorks workspace 4242"),
    ("changes", {"workspace_id": 10001}, "must give \"kind\""),
    ("changes", {"kind": "stop_logging", "name": "trail-main", "account": "9999999999999999"}, "no account"),
    ("changes", [1, 2], "JSON object"),
    ("clock", {}, "must give 'advance'"),
    ("clock", {"advance": -5}, "0 or more"),
    ("clock", {"advance": "soon"}, "must be a number"),
])
def test_http_controls_answer_400_with_the_reason(emu, what, body, message):
    status, answer = _control(emu, "POST", what, body)
    assert status == 400 and message in answer["error"]
    assert _logging(emu) is True and emu.now() == NOW


# --- the write API handlers record their event, with the caller ------------------------------------------

FIXER = {"type": "ram-user", "userName": "fixer-bot", "principalId": "270000000000007", "accountId": ACCOUNT,
         "accessKeyId": OPS[0]}


def test_stop_logging_api_call_records_an_event_with_the_caller(emu):
    answer = TrailClient(_config(emu)).stop_logging(at.StopLoggingRequest(name="trail-main")).body
    assert _logging(emu) is False
    assert _lookup(emu, HZ, "Actiontrail") == []
    emu.advance(DELAY)
    [event] = _lookup(emu, HZ, "Actiontrail")
    assert event["userIdentity"] == FIXER
    assert event["requestId"] == answer.request_id
    assert (event["eventName"], event["eventRW"], event["eventTime"], event["apiVersion"]) == (
        "StopLogging", "Write", NOW, "2020-07-06")
    assert (event["requestParameters"], event["resourceName"], event["resourceType"]) == (
        {"Name": "trail-main"}, "trail-main", "ACS::ActionTrail::Trail")


def test_an_sts_caller_is_an_assumed_role_and_refused_or_failed_calls_record_nothing(emu):
    TrailClient(_config(emu, key=ROLE)).stop_logging(at.StopLoggingRequest(name="trail-main"))
    with pytest.raises(ClientException):
        TrailClient(_config(emu, key=READER)).start_logging(at.StartLoggingRequest(name="trail-main"))
    with pytest.raises(ClientException):
        TrailClient(_config(emu)).start_logging(at.StartLoggingRequest(name="trail-none"))
    emu.advance(DELAY)
    [event] = _lookup(emu, HZ, "Actiontrail")
    assert event["userIdentity"] == {"type": "assumed-role", "userName": "ops-role:ops",
                                     "principalId": "300000000000001:ops", "accountId": ACCOUNT,
                                     "accessKeyId": ROLE[0]}


def test_maxcompute_and_login_profile_writes_record_their_events(emu):
    McClient(_config(emu)).update_project_basic_meta("mc_prod", mc.UpdateProjectBasicMetaRequest(
        properties=mc.UpdateProjectBasicMetaRequestProperties(retention_days=7)))
    RamClient(_config(emu)).update_login_profile(ram.UpdateLoginProfileRequest(
        user_name="sched_bot", password=PASSWORD, mfabind_required=True))
    _ims(emu, "UpdateLoginProfile", UserPrincipalName=f"sched_bot@{ACCOUNT}.onaliyun.com", Status="Inactive",
         Password=PASSWORD)
    RamClient(_config(emu)).delete_login_profile(ram.DeleteLoginProfileRequest(user_name="sched_bot"))
    emu.advance(DELAY)
    [odps] = _lookup(emu, HZ, "Odps")
    assert (odps["eventName"], odps["requestParameters"], odps["resourceName"], odps["resourceType"]) == (
        "UpdateProjectBasicMeta", {"projectName": "mc_prod"}, "mc_prod", "ACS::MaxCompute::Project")
    assert odps["userIdentity"] == FIXER and odps["apiVersion"] == "2022-01-04"
    assert odps["eventSource"] == f"maxcompute.{HZ}.aliyuncs.com"
    ram_events = _lookup(emu, HZ, "Ram")  # global: kept in the home region
    assert [(e["eventName"], e["requestParameters"]) for e in ram_events] == [
        ("DeleteLoginProfile", {"UserName": "sched_bot"}),
        ("UpdateLoginProfile", {"UserName": "sched_bot", "MFABindRequired": "True"})]
    assert {e["eventSource"] for e in ram_events} == {"ram.aliyuncs.com"}
    [ims] = _lookup(emu, HZ, "Ims")
    assert (ims["eventName"], ims["apiVersion"], ims["eventSource"]) == (
        "UpdateLoginProfile", "2019-08-15", "ims.aliyuncs.com")
    assert ims["requestParameters"] == {"UserPrincipalName": f"sched_bot@{ACCOUNT}.onaliyun.com",
                                        "Status": "Inactive"}
    assert (ims["resourceName"], ims["resourceType"], ims["userIdentity"]) == ("sched_bot", "ACS::RAM::User", FIXER)
    assert _lookup(emu, SH, "Ram") == []


def test_no_secret_in_any_event(emu):
    returned = [emu.change(kind, **params) for kind, params in [
        ("stop_logging", {"name": "trail-main"}),
        ("set_project_protection", {"project": "mc_prod", "protected": False}),
        ("disable_console_logon", {"user_name": "sched_bot"})]]
    TrailClient(_config(emu, key=ROLE)).start_logging(at.StartLoggingRequest(name="trail-main"))
    RamClient(_config(emu)).update_login_profile(ram.UpdateLoginProfileRequest(user_name="sched_bot",
                                                                                password=PASSWORD))
    _ims(emu, "UpdateLoginProfile", UserPrincipalName=f"sched_bot@{ACCOUNT}.onaliyun.com", Password=PASSWORD)
    emu.advance(DELAY)
    served = [e for region in (HZ, SH) for service in SERVICE_NAMES.values() for e in _lookup(emu, region, service)]
    assert len(served) == 7  # six writes and the world file's event
    text = json.dumps([*returned, *served])
    for secret in SECRETS:
        assert secret not in text
    assert "Password" not in text and "SecurityToken" not in text and "AccessKeySecret" not in text
