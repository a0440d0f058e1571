"""The write operations `dwdiag fix apply` calls (issue 17), through the official SDK clients: each changes
what the next read answers, refuses unknown objects and out-of-range values, and is refused to a key
without the permission, changing nothing. Every test has an emulator of its own (writes change its world).
docs/evidence.md, "Remediation operations (emulated)"."""
from __future__ import annotations

from typing import Any, Dict, Iterator

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

from dwdiag_emulator import Emulator
from dwdiag_emulator.worlds.build_demo import FIXER_ACTIONS
from tests.support.emulator import make_config
from tests.support.paths import ROOT

REGION = "cn-hangzhou"
FIXER, READER, ANY = ("AKIDfixer", "fixerSecret"), ("AKIDread", "readSecret"), ("AKIDany", "anySecret")


def _world() -> Dict[str, Any]:
    return {
        "account_id": "1234567890123456", "now": "2026-11-28T02:00:00Z", "default_region": REGION,
        "credentials": {"access_keys": [
            {"AccessKeyId": ANY[0], "AccessKeySecret": ANY[1]},
            {"AccessKeyId": READER[0], "AccessKeySecret": READER[1], "read_only": True},
            {"AccessKeyId": FIXER[0], "AccessKeySecret": FIXER[1], "allow": FIXER_ACTIONS}]},
        "ram_users": [
            {"UserId": "270000000000001", "UserName": "sched_bot", "CreateDate": "2025-01-01T00:00:00Z",
             "LastLoginDate": "2026-11-10T01:02:03Z"},
            {"UserId": "270000000000002", "UserName": "api_only", "login_profile": None}],
        "regions": {REGION: {
            "maxcompute": {"projects": [
                {"name": "mc_prod", "comment": "prod", "properties": {"retentionDays": 0, "allowFullScan": False}}]},
            "actiontrail": {"trails": [
                {"Name": "trail-main", "Status": "Disable", "EventRW": "All", "status": {"IsLogging": False}}]}}},
    }


@pytest.fixture
def emu() -> Iterator[Emulator]:
    emulator = Emulator(_world())
    with emulator.running():
        yield emulator


def _mc(emu: Emulator, key=FIXER) -> McClient:
    return McClient(make_config(emu, REGION, ak=key[0], secret=key[1]))


def _trail(emu: Emulator, key=FIXER) -> TrailClient:
    return TrailClient(make_config(emu, REGION, ak=key[0], secret=key[1]))


def _ram(emu: Emulator, key=FIXER) -> RamClient:
    return RamClient(make_config(emu, REGION, ak=key[0], secret=key[1]))


def _retention(emu: Emulator) -> Any:
    return _mc(emu, ANY).get_project("mc_prod", mc.GetProjectRequest()).body.data.properties.retention_days


def _meta(days: Any) -> mc.UpdateProjectBasicMetaRequest:
    return mc.UpdateProjectBasicMetaRequest(properties=mc.UpdateProjectBasicMetaRequestProperties(retention_days=days))


# --- MaxCompute UpdateProjectBasicMeta ----------------------------------------------------------------

def test_update_project_basic_meta_sets_retention_days_and_keeps_the_rest(emu):
    body = _mc(emu).update_project_basic_meta("mc_prod", _meta(7)).body
    assert body.http_code == 200 and body.request_id and body.data == "success"
    project = _mc(emu).get_project("mc_prod", mc.GetProjectRequest()).body.data
    assert project.properties.retention_days == 7
    assert project.properties.allow_full_scan is False and project.comment == "prod"  # only what was sent
    record = [r for r in emu.requests() if r.action == "UpdateProjectBasicMeta"][-1]
    assert record.product == "maxcompute" and record.status == 200 and record.access_key_id == FIXER[0]
    assert record.params["projectName"] == "mc_prod" and record.params["properties.retentionDays"] == "7"


def test_update_project_basic_meta_comment_and_reset(emu):
    _mc(emu).update_project_basic_meta("mc_prod", mc.UpdateProjectBasicMetaRequest(comment="backed up"))
    assert _mc(emu).get_project("mc_prod", mc.GetProjectRequest()).body.data.comment == "backed up"
    assert _retention(emu) == 0


@pytest.mark.parametrize("days", [-1, 31, 365])
def test_update_project_basic_meta_refuses_out_of_range(emu, days):
    with pytest.raises(ClientException) as err:
        _mc(emu).update_project_basic_meta("mc_prod", _meta(days))
    assert err.value.status_code == 400 and err.value.data["errorCode"] == "InvalidParameter"
    assert _retention(emu) == 0


@pytest.mark.parametrize("days", [0, 30])
def test_update_project_basic_meta_accepts_the_bounds(emu, days):
    _mc(emu).update_project_basic_meta("mc_prod", _meta(days))
    assert _retention(emu) == days


def test_update_project_basic_meta_unknown_project(emu):
    with pytest.raises(ClientException) as err:
        _mc(emu).update_project_basic_meta("nope", _meta(7))
    assert err.value.status_code == 404 and err.value.data["errorCode"] == "NoSuchObject"


def test_read_only_key_is_refused_update_project_basic_meta(emu):
    with pytest.raises(ClientException) as err:
        _mc(emu, READER).update_project_basic_meta("mc_prod", _meta(7))
    assert err.value.status_code == 403 and err.value.data["errorCode"] == "ODPS-0420095"
    assert "odps:UpdateProjectBasicMeta" in err.value.data["errorMsg"]
    assert _retention(emu) == 0
    assert _mc(emu, READER).get_project("mc_prod", mc.GetProjectRequest()).body.data.name == "mc_prod"
    denied = [r for r in emu.requests() if r.action == "UpdateProjectBasicMeta"]
    assert [(r.status, r.error_code, r.access_key_id) for r in denied] == [(403, "ODPS-0420095", READER[0])]


# --- ActionTrail StartLogging / StopLogging ---------------------------------------------------------

def test_start_and_stop_logging_change_status(emu):
    client = _trail(emu)
    assert client.start_logging(at.StartLoggingRequest(name="trail-main")).body.request_id
    status = client.get_trail_status(at.GetTrailStatusRequest(name="trail-main")).body
    assert status.is_logging is True and status.start_logging_time == "2026-11-28T02:00:00Z"
    listed = client.describe_trails(at.DescribeTrailsRequest()).body.trail_list[0]
    assert listed.status == "Enable" and listed.start_logging_time == "2026-11-28T02:00:00Z"
    _trail(emu, ANY).stop_logging(at.StopLoggingRequest(name="trail-main"))  # a key without `allow`
    status = client.get_trail_status(at.GetTrailStatusRequest(name="trail-main")).body
    assert status.is_logging is False and status.stop_logging_time == "2026-11-28T02:00:00Z"
    assert client.describe_trails(at.DescribeTrailsRequest()).body.trail_list[0].status == "Disable"
    calls = [(r.action, r.params.get("Name"), r.status) for r in emu.requests() if r.action.endswith("Logging")]
    assert calls == [("StartLogging", "trail-main", 200), ("StopLogging", "trail-main", 200)]


def test_start_logging_unknown_trail(emu):
    with pytest.raises(ClientException) as err:
        _trail(emu).start_logging(at.StartLoggingRequest(name="trail-none"))
    assert err.value.status_code == 404 and err.value.code == "TrailNotFoundException"


def test_read_only_key_is_refused_start_logging(emu):
    with pytest.raises(ClientException) as err:
        _trail(emu, READER).start_logging(at.StartLoggingRequest(name="trail-main"))
    assert err.value.status_code == 403 and err.value.code == "NoPermission"
    assert err.value.data["AccessDeniedDetail"]["AuthAction"] == "actiontrail:StartLogging"
    status = _trail(emu, READER).get_trail_status(at.GetTrailStatusRequest(name="trail-main")).body
    assert status.is_logging is False


def test_allow_list_refuses_what_it_does_not_name(emu):
    """The fixer key may start a trail but not stop one."""
    _trail(emu).start_logging(at.StartLoggingRequest(name="trail-main"))
    with pytest.raises(ClientException) as err:
        _trail(emu).stop_logging(at.StopLoggingRequest(name="trail-main"))
    assert err.value.code == "NoPermission"
    assert _trail(emu).get_trail_status(at.GetTrailStatusRequest(name="trail-main")).body.is_logging is True


# --- RAM console logon ------------------------------------------------------------------------------

def test_ram_delete_login_profile_disables_console_logon(emu):
    client = _ram(emu)
    profile = client.get_login_profile(ram.GetLoginProfileRequest(user_name="sched_bot")).body.login_profile
    assert profile.user_name == "sched_bot" and profile.create_date == "2025-01-01T00:00:00Z"
    assert client.delete_login_profile(ram.DeleteLoginProfileRequest(user_name="sched_bot")).body.request_id
    with pytest.raises(ClientException) as err:
        client.get_login_profile(ram.GetLoginProfileRequest(user_name="sched_bot"))
    assert err.value.status_code == 404 and err.value.code == "EntityNotExist.User.LoginProfile"
    # the last logon is history: GetUser still reports it
    user = client.get_user(ram.GetUserRequest(user_name="sched_bot")).body.user
    assert user.last_login_date == "2026-11-10T01:02:03Z"
    record = [r for r in emu.requests() if r.action == "DeleteLoginProfile"][-1]
    assert record.params == {"UserName": "sched_bot"} and record.status == 200


def test_ram_login_profile_errors(emu):
    client = _ram(emu)
    with pytest.raises(ClientException) as err:
        client.delete_login_profile(ram.DeleteLoginProfileRequest(user_name="ghost"))
    assert err.value.status_code == 404 and err.value.code == "EntityNotExist.User"
    with pytest.raises(ClientException) as err:
        client.get_login_profile(ram.GetLoginProfileRequest(user_name="api_only"))
    assert err.value.code == "EntityNotExist.User.LoginProfile"


def test_ram_update_login_profile_has_no_status(emu):
    """RAM 2015-05-01 UpdateLoginProfile changes the reset/MFA flags; it cannot disable logon."""
    client = _ram(emu)
    client.update_login_profile(ram.UpdateLoginProfileRequest(user_name="sched_bot", mfabind_required=True,
                                                              password="N0t-logged!"))
    profile = client.get_login_profile(ram.GetLoginProfileRequest(user_name="sched_bot")).body.login_profile
    assert profile.mfabind_required is True and profile.password_reset_required is False
    record = [r for r in emu.requests() if r.action == "UpdateLoginProfile"][-1]
    assert "Password" not in record.params and record.params["MFABindRequired"] in ("True", "true")


def test_read_only_key_is_refused_ram_writes(emu):
    with pytest.raises(ClientException) as err:
        _ram(emu, READER).delete_login_profile(ram.DeleteLoginProfileRequest(user_name="sched_bot"))
    assert err.value.status_code == 403 and err.value.code == "NoPermission"
    assert err.value.data["AccessDeniedDetail"]["AuthAction"] == "ram:DeleteLoginProfile"
    assert _ram(emu, READER).get_login_profile(
        ram.GetLoginProfileRequest(user_name="sched_bot")).body.login_profile.user_name == "sched_bot"


def _ims(emu: Emulator, action: str, key=FIXER, **query: Any) -> Dict[str, Any]:
    """IMS 2019-08-15 the way its SDK (alibabacloud_ims20190815, not a dependency) calls it: RPC, POST /,
    the parameters in the query, through the same OpenAPI client."""
    client = OpenApiClient(make_config(emu, REGION, ak=key[0], secret=key[1]))
    params = open_api.Params(action=action, version="2019-08-15", protocol="HTTPS", pathname="/", method="POST",
                             auth_type="AK", style="RPC", req_body_type="formData", body_type="json")
    request = open_api.OpenApiRequest(query={k: str(v) for k, v in query.items()})
    return client.call_api(params, request, RuntimeOptions())["body"]


def test_ims_update_login_profile_status_inactive(emu):
    upn = "sched_bot@1234567890123456.onaliyun.com"
    before = _ims(emu, "GetLoginProfile", UserPrincipalName=upn)["LoginProfile"]
    assert before["Status"] == "Active" and before["LastLoginTime"] == "2026-11-10T01:02:03Z"
    answer = _ims(emu, "UpdateLoginProfile", UserPrincipalName=upn, Status="Inactive")
    assert answer["LoginProfile"]["Status"] == "Inactive" and answer["RequestId"]
    after = _ims(emu, "GetLoginProfile", UserPrincipalName=upn)["LoginProfile"]
    assert after["Status"] == "Inactive" and after["UpdateDate"] == "2026-11-28T02:00:00Z"
    assert after["LastLoginTime"] == "2026-11-10T01:02:03Z"
    with pytest.raises(ClientException) as err:
        _ims(emu, "UpdateLoginProfile", UserPrincipalName=upn, Status="Off")
    assert err.value.status_code == 400 and err.value.code == "InvalidParameter"
    with pytest.raises(ClientException) as err:
        _ims(emu, "UpdateLoginProfile", READER, UserPrincipalName=upn, Status="Active")
    assert err.value.code == "NoPermission"
    assert _ims(emu, "GetLoginProfile", UserPrincipalName=upn)["LoginProfile"]["Status"] == "Inactive"


# --- quotas, and the demo's keys --------------------------------------------------------------------

def test_writes_count_against_quotas(emu):
    emu.add_quota(name="odps-daily", product="maxcompute", daily=1)
    _mc(emu).update_project_basic_meta("mc_prod", _meta(3))
    with pytest.raises(ClientException) as err:
        _mc(emu).get_project("mc_prod", mc.GetProjectRequest())
    assert err.value.code == "Throttling.Api.Risk"


def test_demo_keys_scanner_reads_fixer_writes():
    emulator = Emulator(ROOT / "shared" / "dwdiag_emulator" / "worlds" / "demo.yaml")
    with emulator.running():
        scanner, fixer = ("AKIDdemo", "demoSecret"), ("AKIDfixer", "fixerSecret")
        trails = _trail(emulator, scanner).describe_trails(at.DescribeTrailsRequest()).body.trail_list
        assert trails is not None
        project = _mc(emulator, scanner).list_projects(mc.ListProjectsRequest()).body.data.projects[0].name
        with pytest.raises(ClientException) as err:
            _mc(emulator, scanner).update_project_basic_meta(project, _meta(7))
        assert err.value.data["errorCode"] == "ODPS-0420095"
        _mc(emulator, fixer).update_project_basic_meta(project, _meta(7))
        got = _mc(emulator, scanner).get_project(project, mc.GetProjectRequest()).body.data.properties
        assert got.retention_days == 7


def test_allow_list_applies_to_reads_and_dataworks_answers_forbidden_access(emu):
    """A key with `allow` may call only what it names, reads included; DataWorks refuses with its own code."""
    narrow = Emulator({**_world(), "credentials": {"access_keys": [
        {"AccessKeyId": FIXER[0], "AccessKeySecret": FIXER[1], "allow": ["odps:Get*"]}]}})
    with narrow.running():
        assert _mc(narrow).get_project("mc_prod", mc.GetProjectRequest()).body.data.name == "mc_prod"
        with pytest.raises(ClientException) as err:
            DwClient(make_config(narrow, REGION, ak=FIXER[0], secret=FIXER[1])).list_projects(dw.ListProjectsRequest())
        assert err.value.status_code == 403 and err.value.code == "Forbidden.Access"
        assert err.value.data["AccessDeniedDetail"]["AuthAction"] == "dataworks:ListProjects"
