"""Session and Client over HTTP against the emulator, with the unchanged official SDKs."""
from __future__ import annotations

import socket

import pytest

from dwdiag.clients.credentials import Credentials
from dwdiag.clients.errors import DEADLINE, MALFORMED, ClientError
from dwdiag.clients.retry import RetryPolicy
from dwdiag.clients.session import CallStats, Session, resolve_endpoint

from tests.support.emulator import AK, HOME, PRODUCTS, SECRET

pytestmark = pytest.mark.emulator


def actions(emu, action=None):
    return [r for r in emu.requests() if action is None or r.action == action]


# --- plain dicts with wire names ------------------------------------------------------------

def test_snake_case_operation_returns_a_plain_dict_with_wire_names(session):
    body = session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)
    assert type(body) is dict
    assert body["Data"]["Deployment"]["Name"] == "deploy_a"
    assert isinstance(body["RequestId"], str)
    assert "data" not in body


def test_the_request_carries_the_wire_parameters(session, emu):
    session.client("dataworks").list_project_members(ProjectId=1001, PageSize=2)
    (record,) = actions(emu)
    assert (record.action, record.params["ProjectId"], record.params["PageSize"]) == (
        "ListProjectMembers", "1001", "2")
    assert record.access_key_id == AK


def test_each_service_answers(session, make_session):
    assert session.client("sts").get_caller_identity()["AccountId"] == "1234567890123456"
    assert session.client("maxcompute").get_project(projectName="proj_prod")["data"]["name"] == "proj_prod"
    assert session.client("ram").get_user(UserName="bob")["User"]["UserId"] == "200000000000002"
    sg = make_session("ap-southeast-1")
    trails = sg.client("actiontrail").describe_trails()["TrailList"]
    assert {t["Name"] for t in trails} >= {"trail-sg", "trail-sg-only"}


def test_a_client_is_made_once_per_service(session):
    assert session.client("dataworks") is session.client("dataworks")
    assert session.client("dataworks") is not session.client("dataworks_legacy")


def test_an_unknown_service_is_refused(session):
    with pytest.raises(ValueError):
        session.client("oss")


@pytest.mark.parametrize("service, name", [
    ("dataworks", "delete_project"), ("dataworks", "list_users"), ("ram", "list_projects"),
    ("dataworks", "ListProjects"),
])
def test_an_unknown_operation_is_an_attribute_error(session, emu, service, name):
    client = session.client(service)
    with pytest.raises(AttributeError):
        getattr(client, name)
    assert not hasattr(client, name)
    assert actions(emu) == []


# --- collect across pages ------------------------------------------------------------------

def test_collect_dataworks_list_projects_by_page_number(session, emu):
    items = session.client("dataworks").collect("list_projects", PageSize=2)
    assert [p["Id"] for p in items] == [1001, 1002, 1003, 1004, 1005]
    assert [r.params["PageNumber"] for r in actions(emu, "ListProjects")] == ["1", "2", "3"]


def test_collect_maxcompute_list_projects_by_marker(session, emu):
    items = session.client("maxcompute").collect("list_projects", maxItem=2)
    assert [p["name"] for p in items] == ["proj_prod", "proj_dev", "proj_three", "proj_four", "other_five"]
    sent = actions(emu, "ListProjects")
    assert len(sent) == 3
    assert "marker" not in sent[0].params and all(r.params.get("marker") for r in sent[1:])


def test_collect_ram_list_users_by_marker_and_is_truncated(session, emu):
    items = session.client("ram").collect("list_users", MaxItems=1)
    assert [u["UserName"] for u in items] == ["alice", "bob", "sched_bot"]
    assert len(actions(emu, "ListUsers")) == 3


def test_collect_actiontrail_lookup_events_by_next_token(make_session, emu):
    at = make_session("ap-southeast-1").client("actiontrail")
    items = at.collect("lookup_events", MaxResults=2, StartTime="2025-01-01T00:00:00Z",
                       EndTime="2025-03-31T00:00:00Z")
    assert sorted(e["eventId"] for e in items) == ["e1", "e2", "e3", "e4", "e5", "e7"]
    sent = actions(emu, "LookupEvents")
    assert len(sent) == 3
    assert {r.params["StartTime"] for r in sent} == {"2025-01-01T00:00:00Z"}
    assert "NextToken" not in sent[0].params and all(r.params.get("NextToken") for r in sent[1:])


def test_paginate_yields_the_pages(session):
    pages = list(session.client("dataworks").paginate("list_projects", PageSize=3))
    assert [len(p["PagingInfo"]["Projects"]) for p in pages] == [3, 2]


def test_paginate_an_operation_without_paging_is_one_call(session, emu):
    (page,) = list(session.client("dataworks").paginate("get_deployment_package", ProjectId=1001, DeploymentId=8001))
    assert page["Data"]["Deployment"]["Name"] == "deploy_a"
    assert len(actions(emu)) == 1


def test_list_code_reviews_goes_through_the_generic_call(session, emu):
    items = session.client("dataworks").collect("list_code_reviews", ProjectId=1001, PageSize=2)
    assert [c["Id"] for c in items] == ["cr-1", "cr-2", "cr-3"]
    sent = actions(emu, "ListCodeReviews")
    assert [(r.version, r.params["PageNumber"]) for r in sent] == [("2024-05-18", "1"), ("2024-05-18", "2")]


# --- retries, quotas and errors --------------------------------------------------------------

def test_one_503_is_retried_and_counted(session, emu, sleeps):
    emu.add_fault(actions=["GetDeploymentPackage"], status=503, code="ServiceUnavailable", times=1)
    assert session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)["Data"]["Deployment"]["Name"] == "deploy_a"
    assert [r.status for r in actions(emu)] == [503, 200]
    assert session.stats.calls["dataworks:GetDeploymentPackage"] == 2
    assert len(sleeps) == 1


def test_throttling_user_with_retry_after_is_retried_after_that_pause(make_session, emu, sleeps):
    session = make_session(retry=RetryPolicy(base_delay=0.001, max_delay=5.0, sleep=sleeps))
    emu.add_fault(actions=["ListProjects"], status=429, code="Throttling.User",
                  headers={"x-acs-retry-after": "1500"}, times=1)
    assert session.client("dataworks").list_projects()["PagingInfo"]["TotalCount"] == 5
    assert [r.status for r in actions(emu)] == [429, 200]
    assert sleeps == [1.5]
    assert session.stats.throttled["dataworks:ListProjects"] == 1


def test_a_qps_quota_answer_is_retried(session, emu):
    emu.add_fault(actions=["ListProjectMembers"], status=429, code="Throttling.User", times=2)
    body = session.client("dataworks").list_project_members(ProjectId=1001)
    assert body["PagingInfo"]["TotalCount"] == 3
    assert session.stats.calls["dataworks:ListProjectMembers"] == 3
    assert session.stats.throttled["dataworks:ListProjectMembers"] == 2


def test_the_retries_give_up_after_max_attempts(make_session, emu, sleeps):
    session = make_session(retry=RetryPolicy(max_attempts=3, base_delay=0.001, sleep=sleeps))
    emu.add_fault(actions=["GetDeploymentPackage"], status=500, code="InternalError")
    with pytest.raises(ClientError) as caught:
        session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)
    assert (caught.value.code, caught.value.http_status) == ("InternalError", 500)
    assert len(actions(emu)) == 3 and len(sleeps) == 2


def test_a_daily_quota_stops_at_once_and_the_action_is_not_called_again(session, emu, sleeps):
    emu.add_quota(name="daily", actions=["GetDeploymentPackage"], daily=1)
    dw = session.client("dataworks")
    dw.get_deployment_package(ProjectId=1001, DeploymentId=8001)
    with pytest.raises(ClientError) as first:
        dw.get_deployment_package(ProjectId=1001, DeploymentId=8002)
    assert first.value.code == "Throttling.Api.Risk"
    assert len(actions(emu, "GetDeploymentPackage")) == 2 and sleeps == []
    assert "dataworks:GetDeploymentPackage" in session.exhausted
    emu.clear_quotas()                          # even if the server would answer now
    with pytest.raises(ClientError) as again:
        dw.get_deployment_package(ProjectId=1001, DeploymentId=8003)
    assert again.value.code == "Throttling.Api.Risk"
    assert len(actions(emu, "GetDeploymentPackage")) == 2
    assert dw.list_projects()["PagingInfo"]["TotalCount"] == 5   # other actions go on


def test_forbidden_is_raised_with_its_code_and_status_without_retry(session, emu, sleeps):
    emu.add_fault(actions=["ListProjectMembers"], kind="forbidden")
    with pytest.raises(ClientError) as caught:
        session.client("dataworks").list_project_members(ProjectId=1001)
    e = caught.value
    assert (e.code, e.http_status, e.product, e.operation) == (
        "Forbidden.Access", 403, "dataworks", "ListProjectMembers")
    assert e.request_id
    assert len(actions(emu)) == 1 and sleeps == []


def test_maxcompute_error_code_is_read_from_the_body(session, emu):
    emu.add_fault(product="maxcompute", kind="maxcompute_error", code="ODPS-0420095",
                  message="Access Denied - Authorization Failed")
    with pytest.raises(ClientError) as caught:
        session.client("maxcompute").get_project(projectName="proj_prod")
    e = caught.value
    assert e.code == "ODPS-0420095"
    assert e.http_status == 400
    assert "Authorization Failed" in e.message and "None" not in e.message
    assert "None" not in str(e)
    assert len(actions(emu)) == 1                   # a 400 is not retried


def test_a_non_json_body_is_malformed_and_retried(session, emu):
    emu.add_fault(actions=["GetDeploymentPackage"], kind="non_json")
    with pytest.raises(ClientError) as caught:
        session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)
    assert caught.value.code == MALFORMED == "MalformedResponse"
    assert len(actions(emu)) == session.retry.max_attempts


def test_a_truncated_json_body_once_is_retried(session, emu):
    emu.add_fault(actions=["GetDeploymentPackage"], kind="malformed", times=1)
    assert session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)["Data"]["Deployment"]["Name"] == "deploy_a"
    assert len(actions(emu)) == 2


def test_a_json_body_that_is_not_an_object_once_is_retried(session, emu):
    emu.add_fault(actions=["ListCodeReviews"], kind="malformed", body="null", times=1)
    items = session.client("dataworks").collect("list_code_reviews", ProjectId=1001)
    assert len(items) == 3


def test_a_typed_call_answered_with_an_array_is_malformed(make_session, emu, sleeps):
    session = make_session(retry=RetryPolicy(max_attempts=1, sleep=sleeps))
    emu.add_fault(actions=["GetDeploymentPackage"], kind="malformed", body="[]")
    with pytest.raises(ClientError) as caught:
        session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)
    assert caught.value.code == MALFORMED


def closed_port() -> int:
    """A port that was free a moment ago and has nothing listening on it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_connection_failure_is_a_network_error_and_retried(sleeps):
    url = f"http://127.0.0.1:{closed_port()}"
    session = Session(HOME, Credentials(AK, SECRET), {p: url for p in PRODUCTS},
                      retry=RetryPolicy(max_attempts=2, base_delay=0.001, sleep=sleeps), timeouts_ms=(500, 500))
    with pytest.raises(ClientError) as caught:
        session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)
    assert caught.value.code == "NetworkError"
    assert session.stats.calls["dataworks:GetDeploymentPackage"] == 2


def test_the_deadline_stops_before_any_request(make_session, emu):
    session = make_session(retry=RetryPolicy(deadline=0.0))   # on time.monotonic's scale: long past
    with pytest.raises(ClientError) as caught:
        session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)
    assert caught.value.code == DEADLINE
    assert actions(emu) == []


def test_a_rate_limited_family_still_answers(make_session):
    session = make_session(rates={"dataworks": 1000.0})
    assert session.limiters.get("dataworks") is not None
    assert session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)["Data"]["Deployment"]["Name"] == "deploy_a"


def test_a_shared_call_stats_counts_every_session(make_session):
    stats = CallStats()
    make_session(stats=stats).client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)
    make_session(stats=stats).client("ram").list_users()
    assert stats.calls == {"dataworks:GetDeploymentPackage": 1, "ram:ListUsers": 1}


# --- credentials on the wire -----------------------------------------------------------------

def test_a_wrong_secret_is_rejected_with_the_real_code(make_session, emu):
    session = make_session(credentials=Credentials(AK, "not-the-secret"))
    with pytest.raises(ClientError) as caught:
        session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)
    assert (caught.value.code, caught.value.http_status) == ("SignatureDoesNotMatch", 400)
    assert len(actions(emu)) == 1
    assert "not-the-secret" not in str(caught.value)


@pytest.mark.parametrize("ak, secret, token, code", [
    ("AKIDnope", "whatever", None, "InvalidAccessKeyId.NotFound"),
    ("AKIDoff", "secretOff", None, "InvalidAccessKeyId.Inactive"),
    ("STS.oldKey", "oldSecret", "CAIStokenOld", "InvalidSecurityToken.Expired"),
])
def test_rejected_credentials_are_not_retried(make_session, emu, ak, secret, token, code):
    session = make_session(credentials=Credentials(ak, secret, token))
    with pytest.raises(ClientError) as caught:
        session.client("sts").get_caller_identity()
    assert caught.value.code == code
    assert len(actions(emu)) == 1


def test_sts_security_token_credentials_work(make_session, emu):
    session = make_session(credentials=Credentials("STS.tmpKey", "stsSecret", "CAIStoken1"))
    me = session.client("sts").get_caller_identity()
    assert (me["IdentityType"], me["RoleId"]) == ("AssumedRoleUser", "300000000000001")
    assert session.client("dataworks").get_deployment_package(ProjectId=1001, DeploymentId=8001)["Data"]["Deployment"]["Name"] == "deploy_a"
    assert {r.access_key_id for r in actions(emu)} == {"STS.tmpKey"}


def test_credentials_come_from_the_environment_when_none_are_given(emu, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", AK)
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    session = Session(HOME, None, {"sts": emu.url()}, retry=RetryPolicy(max_attempts=1))
    assert session.client("sts").get_caller_identity()["UserId"] == "200000000000001"
    assert session.secrets() == (SECRET,)


# --- endpoints -------------------------------------------------------------------------------

def test_resolve_endpoint_from_a_url():
    assert resolve_endpoint("http://127.0.0.1:8080", "cn-shanghai") == ("http", "127.0.0.1:8080")
    assert resolve_endpoint("https://dataworks.example.com", "x") == ("https", "dataworks.example.com")


def test_resolve_endpoint_from_a_region_map():
    setting = {"cn-shanghai": "http://127.0.0.1:1", "*": "https://any.example.com:8443"}
    assert resolve_endpoint(setting, "cn-shanghai") == ("http", "127.0.0.1:1")
    assert resolve_endpoint(setting, "ap-southeast-1") == ("https", "any.example.com:8443")
    assert resolve_endpoint({"cn-shanghai": "http://127.0.0.1:1"}, "cn-beijing") is None


@pytest.mark.parametrize("setting", [None, "", {}])
def test_no_endpoint_setting_means_the_sdk_default(setting):
    assert resolve_endpoint(setting, "cn-shanghai") is None


@pytest.mark.parametrize("setting", ["127.0.0.1:8080", "dataworks.cn-shanghai.aliyuncs.com", "http://"])
def test_an_endpoint_that_is_not_a_url_is_refused(setting):
    with pytest.raises(ValueError):
        resolve_endpoint(setting, "cn-shanghai")


def test_sdk_config_uses_the_override_or_the_table():
    plain = Session("cn-beijing", Credentials(AK, SECRET))
    assert plain.sdk_config("maxcompute").endpoint == "maxcompute.cn-beijing.aliyuncs.com"
    assert plain.sdk_config("dataworks").endpoint is None          # the SDK's own map decides
    mapped = Session("cn-beijing", Credentials(AK, SECRET), {"MaxCompute": {"*": "http://127.0.0.1:7000"}})
    cfg = mapped.sdk_config("maxcompute")
    assert (cfg.protocol, cfg.endpoint) == ("http", "127.0.0.1:7000")
    # dataworks_legacy shares the dataworks product's endpoint setting
    both = Session("cn-beijing", Credentials(AK, SECRET), {"dataworks": "http://127.0.0.1:7001"})
    assert both.sdk_config("dataworks_legacy").endpoint == "127.0.0.1:7001"


def test_regions_are_served_by_their_own_endpoint(make_session):
    sg = make_session("ap-southeast-1")
    assert sg.client("dataworks").list_projects()["PagingInfo"]["TotalCount"] == 0
