"""ActionTrail and RAM answer as their documentation says, not as a caller would like.

LookupAttribute: https://help.aliyun.com/zh/actiontrail/support/how-to-set-the-lookupattribute-parameter
DescribeTrails / GetTrailStatus: the 2020-07-06 API reference (IncludeOrganizationTrail, IsOrganizationTrail).
RAM GetUser: LastLoginDate, "" for a user who never logged on with a password.
"""
from __future__ import annotations

import pytest
from alibabacloud_actiontrail20200706 import models as at
from alibabacloud_actiontrail20200706.client import Client as TrailClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException

from dwdiag_emulator import Emulator
from dwdiag_emulator.generate import generate_world
from dwdiag_emulator.responses.base import Call
from dwdiag_emulator.responses.identity import list_users
from dwdiag_emulator.worlds.build_demo import build

from tests.support.emulator import make_config

pytestmark = pytest.mark.emulator
SG = "ap-southeast-1"
WINDOW = {"start_time": "2025-03-29T00:00:00Z", "end_time": "2025-03-31T00:00:00Z"}


def _ids(client, *attrs, **kw):
    items = [at.LookupEventsRequestLookupAttribute(key=k, value=v) for k, v in attrs]
    body = client.lookup_events(at.LookupEventsRequest(lookup_attribute=items, max_results="50",
                                                       **{**WINDOW, **kw})).body
    return [e["eventId"] for e in body.events]


# --- LookupEvents LookupAttribute ------------------------------------------------------------

@pytest.mark.parametrize("attrs, wanted", [
    ([("ServiceName", "AasSub"), ("User", "alice")], ["s2", "s1"]),
    ([("User", "alice"), ("ServiceName", "AasSub")], ["s2", "s1"]),  # the order does not matter
    ([("ServiceName", "AasSub"), ("PrincipalId", "200000000000002")], ["s5"]),
    ([("ServiceName", "Ecs"), ("EventRW", "Read")], ["s4"]),
    ([("ServiceName", "Ecs"), ("SensitiveAction", "true")], ["s3"]),
    ([("ServiceName", "Ecs"), ("SensitiveAction", "false")], ["s4"]),
    ([("ServiceName", "Ecs"), ("RoleName", "fc-role")], ["s4"]),
    ([("ServiceName", "AasSub"), ("EventType", "ConsoleSignout")], ["s2"]),
    ([("ResourceName", "i-abc"), ("ResourceType", "ACS::ECS::Instance")], ["s4", "s3"]),
    ([("ResourceName", "i-abc"), ("User", "alice")], ["s3"]),
    ([("EventName", "ConsoleSignin"), ("EventType", "ConsoleSignin")], ["s5", "s1"]),
])
def test_listed_key_pairs_must_both_match(config, attrs, wanted):
    assert _ids(TrailClient(config), *attrs) == wanted


@pytest.mark.parametrize("attrs, wanted", [
    # EventName + User is not a listed pair: only EventName applies (bob's s5 comes back too)
    ([("EventName", "ConsoleSignin"), ("User", "alice")], ["s5", "s1"]),
    ([("User", "alice"), ("EventName", "ConsoleSignin")], ["s3", "s2", "s1"]),
    ([("EventAccessKeyId", "LTAIalice"), ("ServiceName", "AasSub")], ["s3"]),
    ([("SourceIpAddress", "192.0.2.1"), ("EventRW", "Read")], ["s3"]),
])
def test_an_unlisted_pair_applies_only_the_first_condition(config, attrs, wanted):
    assert _ids(TrailClient(config), *attrs) == wanted


def test_the_same_key_twice_keeps_the_second_condition(config):
    assert _ids(TrailClient(config), ("User", "bob"), ("User", "alice")) == ["s3", "s2", "s1"]


def test_more_than_two_conditions_use_the_first_two(config):
    client = TrailClient(config)
    first_two = [("ServiceName", "AasSub"), ("User", "alice")]
    assert _ids(client, *first_two, ("EventName", "ConsoleSignout")) == ["s2", "s1"]
    assert _ids(client, *first_two, ("NotAKey", "x")) == ["s2", "s1"]


def test_matching_is_exact_and_case_sensitive(config):
    client = TrailClient(config)
    assert _ids(client, ("ServiceName", "aassub")) == []
    assert _ids(client, ("User", "Alice")) == []
    assert _ids(client, ("RoleName", "fc-role:fc")) == []  # the role name, not the session
    assert _ids(client, ("EventId", "s4")) == ["s4"]


def test_an_unknown_key_is_invalid(config):
    with pytest.raises(ClientException) as err:
        _ids(TrailClient(config), ("ServiceName", "AasSub"), ("UserName", "alice"))
    assert (err.value.code, err.value.status_code) == ("InvalidParameter", 400)


# --- DescribeTrails / GetTrailStatus ---------------------------------------------------------

def _names(client, **kw):
    return [t.name for t in client.describe_trails(at.DescribeTrailsRequest(**kw)).body.trail_list]


def test_organization_trails_are_listed_only_when_asked_for(config, config_for):
    home, sg = TrailClient(config), TrailClient(config_for(SG))
    assert _names(home) == ["trail-sh", "trail-local"]
    assert _names(home, include_organization_trail=False) == ["trail-sh", "trail-local"]
    listed = home.describe_trails(at.DescribeTrailsRequest(include_organization_trail=True)).body.trail_list
    org = listed[-1]
    assert [t.name for t in listed] == ["trail-sh", "trail-local", "trail-org"]
    assert (org.is_organization_trail, org.organization_id, org.home_region) == (True, "rd-Abc123", "cn-shanghai")
    assert listed[0].to_map().get("IsOrganizationTrail") is None  # a single-account trail has no such key
    assert _names(sg, include_shadow_trails=True) == ["trail-sg", "trail-sg-only", "trail-sh"]
    assert _names(sg, include_shadow_trails=True, include_organization_trail=True) == [
        "trail-sg", "trail-sg-only", "trail-sh", "trail-org"]
    assert _names(sg, include_organization_trail=True) == ["trail-sg", "trail-sg-only"]


def _status(client, name, org=None):
    return client.get_trail_status(at.GetTrailStatusRequest(name=name, is_organization_trail=org)).body


def _not_found(client, name, org=None):
    with pytest.raises(ClientException) as err:
        _status(client, name, org)
    return err.value.code, err.value.status_code, err.value.data.get("Message")


def test_trail_status_needs_the_trails_kind(config):
    client = TrailClient(config)
    assert _status(client, "trail-org", org=True).is_logging is True
    assert _status(client, "trail-sh", org=False).is_logging is True
    missing = ("TrailNotFoundException", 404, "The specified Trail does not exist.")
    assert _not_found(client, "trail-org") == missing  # IsOrganizationTrail defaults to false
    assert _not_found(client, "trail-org", org=False) == missing
    assert _not_found(client, "trail-sh", org=True) == missing


def test_trail_status_is_answered_only_in_the_home_region(config, config_for):
    sg = TrailClient(config_for(SG))
    assert _status(sg, "trail-sg").is_logging is True
    # trail-sh covers every region and DescribeTrails lists it in SG as a shadow, but only its
    # home region answers for it (the stricter reading; the docs do not say)
    assert _not_found(sg, "trail-sh")[0] == "TrailNotFoundException"
    assert _not_found(sg, "trail-org", org=True)[0] == "TrailNotFoundException"
    assert _status(TrailClient(config), "trail-sh").is_logging is True


# --- RAM GetUser / ListUsers -----------------------------------------------------------------

def test_get_user_last_login_date_is_empty_for_a_user_who_never_logged_on(config):
    client = RamClient(config)
    alice = client.get_user(ram.GetUserRequest(user_name="alice")).body.user
    assert alice.last_login_date == "" and alice.to_map()["LastLoginDate"] == ""
    bot = client.get_user(ram.GetUserRequest(user_name="sched_bot")).body.user
    assert bot.last_login_date == "2025-03-02T03:04:05Z"


def test_list_users_carries_no_last_login_date(emulator):
    backend = emulator.backend
    call = Call(backend, backend.region(None), "ListUsers", "2015-05-01", {"MaxItems": "100"}, {}, "req")
    users = list_users(call)["Users"]["User"]
    assert [u["UserName"] for u in users] == ["alice", "bob", "sched_bot"]
    assert all("LastLoginDate" not in u for u in users)


# --- worlds built by the generator and from the demo evidence ---------------------------------

def test_generated_sign_ins_answer_the_documented_pair_and_users_never_logged_on():
    world = generate_world(4, 1, seed=5, regions=["cn-hangzhou"])
    region, events, name = next((r, b["actiontrail"]["events"], e["userIdentity"]["userName"])
                                for r, b in world["regions"].items() for e in b["actiontrail"]["events"]
                                if e["eventTime"] >= "2025-01-01")
    wanted = [e["eventId"] for e in sorted(events, key=lambda e: e["eventTime"], reverse=True)
              if e["userIdentity"]["userName"] == name and e["eventTime"] >= "2025-01-01"]
    emu = Emulator(world)
    with emu.running():
        cfg = make_config(emu, region, ak="AKIDbench", secret="benchSecret")
        got = _ids(TrailClient(cfg), ("ServiceName", "AasSub"), ("User", name),
                   start_time="2025-01-01T00:00:00Z", end_time="2025-03-31T00:00:00Z")
        assert got == wanted and got
        user = RamClient(cfg).get_user(ram.GetUserRequest(user_name=name)).body.user
        assert user.last_login_date == ""
        home = TrailClient(make_config(emu, "cn-hangzhou", ak="AKIDbench", secret="benchSecret"))
        assert _names(home) == ["audit"] and _status(home, "audit").is_logging is True


def _evidence():
    trail = {"Name": "org-audit", "Status": "Enable", "EventRW": "All", "TrailRegion": "All",
             "HomeRegion": "cn-hangzhou", "IsOrganizationTrail": True, "OrganizationId": "rd-Org1",
             "trail_status": {"IsLogging": True}}
    error = {"product": "actiontrail", "operation": "GetTrailStatus", "code": "Forbidden.RAM",
             "message": "denied", "http_status": 403, "request_id": "r", "region": "cn-hangzhou"}
    broken = {"Name": "broken", "HomeRegion": "cn-hangzhou", "trail_status": None, "trail_status_error": error}
    ident = {"user_id": "27", "user": {"UserId": "27", "UserName": "never", "LastLoginDate": ""},
             "signin_events": [], "signin_regions": ["cn-hangzhou"]}
    return {"account_id": "1234567890123456", "collected_at": "2026-01-01T00:00:00Z",
            "regions": [{"region": "cn-hangzhou", "platform_config": {"trails": [trail, broken]},
                         "data_production": {"identities": [ident]}},
                        {"region": "ap-southeast-1", "platform_config": {"trails": [trail]}}]}


def test_demo_builder_carries_organization_trails_and_never_logged_on_users():
    world = build(_evidence())
    assert world["ram_users"] == [{"UserId": "27", "UserName": "never"}]
    hz = world["regions"]["cn-hangzhou"]["actiontrail"]["trails"]
    assert [t["Name"] for t in hz] == ["org-audit", "broken"]
    assert (hz[0]["IsOrganizationTrail"], hz[0]["OrganizationId"]) == (True, "rd-Org1")
    assert world["regions"]["ap-southeast-1"]["actiontrail"]["trails"] == []  # a shadow: served from home
    emu = Emulator(world)
    with emu.running():
        client = TrailClient(make_config(emu, "cn-hangzhou", ak="AKIDdemo", secret="demoSecret"))
        assert _status(client, "org-audit", org=True).is_logging is True
        assert _not_found(client, "broken")[:2] == ("Forbidden.RAM", 403)
        user = RamClient(make_config(emu, "cn-hangzhou", ak="AKIDdemo", secret="demoSecret")).get_user(
            ram.GetUserRequest(user_name="never")).body.user
        assert user.last_login_date == ""
