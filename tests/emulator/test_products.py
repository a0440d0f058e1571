"""MaxCompute, ActionTrail, RAM and STS operations through the unchanged official SDK clients."""
from __future__ import annotations

import pytest
from alibabacloud_actiontrail20200706 import models as at
from alibabacloud_actiontrail20200706.client import Client as TrailClient
from alibabacloud_maxcompute20220104 import models as mc
from alibabacloud_maxcompute20220104.client import Client as McClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_tea_openapi.exceptions import ClientException

pytestmark = pytest.mark.emulator
SG = "ap-southeast-1"


def test_maxcompute_list_projects_pages_by_marker(config):
    client, names, marker, markers = McClient(config), [], None, []
    while True:
        data = client.list_projects(mc.ListProjectsRequest(max_item=2, marker=marker)).body.data
        names += [p.name for p in data.projects]
        assert data.marker == data.next_token  # both carry the next page
        if not data.marker:
            break
        markers.append(data.marker)
        marker = data.marker
    assert names == ["proj_prod", "proj_dev", "proj_three", "proj_four", "other_five"]
    assert len(set(markers)) == 2
    prefixed = client.list_projects(mc.ListProjectsRequest(prefix="proj_")).body.data
    assert len(prefixed.projects) == 4 and prefixed.projects[0].security_properties is None


def test_maxcompute_marker_is_bound_to_prefix(config):
    client = McClient(config)
    marker = client.list_projects(mc.ListProjectsRequest(max_item=2)).body.data.marker
    with pytest.raises(ClientException) as err:
        client.list_projects(mc.ListProjectsRequest(max_item=2, marker=marker, prefix="proj_"))
    assert err.value.code == "InvalidNextToken"


@pytest.mark.parametrize("verbose", ["true", True])
def test_maxcompute_get_project_verbose(config, verbose):
    data = McClient(config).get_project("proj_prod", mc.GetProjectRequest(verbose=verbose)).body.data
    sec = data.security_properties
    assert sec.label_security is True and sec.enable_download_privilege is True
    assert sec.project_protection.protected is True and sec.project_protection.exception_policy == "{}"
    assert data.properties.encryption.enable is True and data.properties.retention_days == 1
    assert data.super_admins == ["alice"]


def test_maxcompute_get_project_without_verbose_and_missing(config):
    client = McClient(config)
    data = client.get_project("proj_dev", mc.GetProjectRequest()).body.data
    assert data.security_properties is None and data.properties.retention_days == 0
    with pytest.raises(ClientException) as err:
        client.get_project("nope", mc.GetProjectRequest(verbose="true"))
    assert err.value.code == "None" and err.value.data["errorCode"] == "NoSuchObject"


def test_describe_trails_with_and_without_shadow_trails(config_for, config):
    client = TrailClient(config)
    home = client.describe_trails(at.DescribeTrailsRequest()).body.trail_list
    assert [t.name for t in home] == ["trail-sh", "trail-local"]
    assert home[0].event_rw == "All" and home[0].home_region == "cn-shanghai"
    everything = client.describe_trails(at.DescribeTrailsRequest(include_shadow_trails=True)).body
    assert [t.name for t in everything.trail_list] == ["trail-sh", "trail-local", "trail-sg"]
    sg = TrailClient(config_for(SG)).describe_trails(
        at.DescribeTrailsRequest(include_shadow_trails=True, name_list="trail-sh")).body
    assert [(t.name, t.home_region) for t in sg.trail_list] == [("trail-sh", "cn-shanghai")]


def test_get_trail_status(config):
    client = TrailClient(config)
    status = client.get_trail_status(at.GetTrailStatusRequest(name="trail-sh")).body
    assert status.is_logging is True and status.sls_log_store_status is True
    assert client.get_trail_status(at.GetTrailStatusRequest(name="trail-local")).body.is_logging is False
    with pytest.raises(ClientException) as err:
        client.get_trail_status(at.GetTrailStatusRequest(name="missing"))
    assert err.value.status_code == 404


def _lookup(client, token=None, **kw):
    attrs = [at.LookupEventsRequestLookupAttribute(key=k, value=v) for k, v in kw.pop("attrs", [])]
    req = at.LookupEventsRequest(lookup_attribute=attrs, next_token=token, **kw)
    return client.lookup_events(req).body


def test_lookup_events_filters_pages_and_window(config_for):
    client = TrailClient(config_for(SG))
    attrs = [("ServiceName", "AasSub"), ("User", "sched_bot")]  # a key pair the FAQ lists
    start, end = "2025-01-01T00:00:00Z", "2025-03-31T00:00:00Z"
    ids, token, pages = [], None, 0
    while True:
        body = _lookup(client, token, attrs=attrs, start_time=start, end_time=end, max_results="2")
        ids += [e["eventId"] for e in body.events]
        pages += 1
        token = body.next_token
        if not token:
            break
    assert ids == ["e1", "e2", "e4", "e5"] and pages == 2  # e3 differs in case
    assert body.start_time == start and body.end_time == end
    default = _lookup(client, attrs=[("EventName", "ConsoleSignin")])
    assert [e["eventId"] for e in default.events] == ["e1", "e2", "e3", "e7"]  # last 7 days
    old = _lookup(client, attrs=attrs, start_time="2024-10-01T00:00:00Z", end_time=end, max_results="50")
    assert "e6" not in [e["eventId"] for e in old.events]  # older than 90 days of history
    assert old.events[0]["userIdentity"]["userName"] == "sched_bot"


def test_lookup_events_rejects_bad_requests(config_for):
    client = TrailClient(config_for(SG))
    first = _lookup(client, attrs=[("EventName", "ConsoleSignin")], max_results="1")
    with pytest.raises(ClientException) as err:  # a token is bound to the other parameters
        _lookup(client, first.next_token, attrs=[("User", "alice")], max_results="1")
    assert err.value.code == "InvalidNextToken"
    with pytest.raises(ClientException) as err:
        _lookup(client, max_results="51")
    assert err.value.code == "InvalidParameter"
    with pytest.raises(ClientException) as err:
        _lookup(client, attrs=[("UserName", "sched_bot")])
    assert err.value.code == "InvalidParameter"


def test_ram_list_users_marker_and_get_user(config):
    client, names, marker = RamClient(config), [], None
    while True:
        body = client.list_users(ram.ListUsersRequest(max_items=2, marker=marker)).body
        names += [u.user_name for u in body.users.user]
        if not body.is_truncated:
            assert not body.marker
            break
        marker = body.marker
    assert names == ["alice", "bob", "sched_bot"]
    user = client.get_user(ram.GetUserRequest(user_name="sched_bot")).body.user
    assert (user.user_id, user.last_login_date) == ("200000000000009", "2025-03-02T03:04:05Z")
    with pytest.raises(ClientException) as err:
        client.get_user(ram.GetUserRequest(user_name="nobody"))
    assert (err.value.code, err.value.status_code) == ("EntityNotExist.User", 404)


def test_sts_get_caller_identity(config_for, config):
    body = StsClient(config).get_caller_identity().body
    assert (body.identity_type, body.user_id, body.account_id) == ("RAMUser", "200000000000001",
                                                                   "1234567890123456")
    sts = config_for(ak="STS.tmpKey", secret="stsSecret", token="CAIStoken1")
    role = StsClient(sts).get_caller_identity().body
    assert (role.identity_type, role.role_id) == ("AssumedRoleUser", "300000000000001")
