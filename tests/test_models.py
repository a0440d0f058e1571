"""Evidence models: wire names in, Python names out, forgiving where the APIs are inconsistent."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from dwdiag.models.common import EnvEntry, Workspace, get_ci, same
from dwdiag.models.data_production import RamUser, SigninEvent
from dwdiag.models.data_transmission import DataSourceGroup
from dwdiag.models.snapshot import EvidenceSnapshot
from dwdiag.redact import REDACTED


def test_workspace_from_wire_names_with_numeric_ids_as_strings():
    ws = Workspace.model_validate({"Id": 1001, "Name": "ws", "Status": "available", "DevEnvironmentEnabled": "true",
                                   "Owner": 1234567890123456, "Unknown": 1})
    assert ws.id == "1001" and ws.owner == "1234567890123456"
    assert ws.available and ws.standard_mode


@pytest.mark.parametrize("props", [
    {"envType": "Prod", "project": "p"},
    json.dumps({"envType": "Prod", "project": "p"}),
    {"EnvType": "PROD", "project": "p"},
])
def test_connection_properties_as_object_or_json_string_and_any_case(props):
    entry = EnvEntry.model_validate({"Id": 1, "ConnectionProperties": props})
    assert entry.is_prod and not entry.is_dev
    assert get_ci(entry.connection_properties, "PROJECT") == "p"
    assert entry.connection_properties_error is None


@pytest.mark.parametrize("bad,why", [("{not json", "not valid JSON"), ("[1, 2]", "JSON object"), (42, "JSON object")])
def test_unreadable_connection_properties_become_an_error_note_not_a_crash(bad, why):
    entry = EnvEntry.model_validate({"Id": 1, "ConnectionProperties": bad})
    assert entry.connection_properties is None
    assert why in entry.connection_properties_error
    # The unreadable text itself (which may hold a password) is not kept.
    assert "not json" not in json.dumps(entry.model_dump(by_alias=True))


def test_secrets_in_connection_properties_are_redacted_on_the_way_in():
    props = json.dumps({"envType": "Dev", "password": "hunter2-secret", "accessKey": "AKSECRET123",
                        "nested": {"securityToken": "tok-123456"}, "accessId": "LTAI-id"})
    entry = EnvEntry.model_validate({"Id": 1, "ConnectionProperties": props})
    dumped = json.dumps(entry.model_dump(by_alias=True))
    for secret in ("hunter2-secret", "AKSECRET123", "tok-123456"):
        assert secret not in dumped
    assert entry.connection_properties["password"] == REDACTED
    assert entry.connection_properties["accessId"] == "LTAI-id"  # an AccessKey id is not a secret


def test_data_source_group_reads_the_datasource_array():
    group = DataSourceGroup.model_validate({"Name": "oss_raw", "Type": "oss", "DataSource": [
        {"Id": 501, "ConnectionProperties": {"envType": "Dev"}}, {"Id": 502, "ConnectionProperties": {"envType": "Prod"}}]})
    assert [e.id for e in group.entries] == ["501", "502"]


def test_same_is_case_insensitive_and_none_safe():
    assert same("Normal", "NORMAL ") and not same(None, "x") and not same("Dev", "Prod")


def test_times_without_zone_are_utc():
    user = RamUser.model_validate({"UserId": "1", "UserName": "u", "LastLoginDate": "2025-01-02T03:04:05"})
    assert user.last_login_date.utcoffset().total_seconds() == 0
    event = SigninEvent.from_event({"eventId": "e", "eventTime": "2025-01-02T03:04:05Z",
                                    "userIdentity": {"userName": "u", "type": "ram-user"}}, "ap-southeast-1")
    assert event.user_name == "u" and event.storage_region == "ap-southeast-1"


def test_snapshot_rejects_unknown_keys_naive_times_and_duplicate_regions():
    base = {"collected_at": "2026-11-28T02:00:00Z", "regions": [{"region": "cn-hangzhou"}]}
    EvidenceSnapshot.model_validate(base)
    with pytest.raises(ValidationError, match="regionz"):
        EvidenceSnapshot.model_validate({**base, "regions": [{"region": "cn-hangzhou", "regionz": 1}]})
    with pytest.raises(ValidationError, match="time zone"):
        EvidenceSnapshot.model_validate({**base, "collected_at": "2026-11-28T02:00:00"})
    with pytest.raises(ValidationError, match="only once"):
        EvidenceSnapshot.model_validate({**base, "regions": [{"region": "a"}, {"region": "a"}]})


def test_snapshot_gives_each_category_its_region():
    snap = EvidenceSnapshot.model_validate({"collected_at": "2026-11-28T02:00:00Z", "regions": [
        {"region": "cn-shanghai", "platform_config": {"trails": []}}]})
    assert snap.regions[0].platform_config.region == "cn-shanghai"
    with pytest.raises(ValidationError, match="inside region"):
        EvidenceSnapshot.model_validate({"collected_at": "2026-11-28T02:00:00Z", "regions": [
            {"region": "cn-shanghai", "platform_config": {"region": "cn-beijing"}}]})


@pytest.mark.parametrize("value", ["", "  ", None])
def test_an_empty_last_login_date_is_never_not_unreadable(value):
    # GetUser answers "" for a user who never logged on with a password.
    user = RamUser.model_validate({"UserId": 1, "UserName": "bot", "LastLoginDate": value})
    assert user.last_login_date is None


def test_a_last_login_date_that_is_not_a_time_is_still_rejected():
    with pytest.raises(ValidationError):
        RamUser.model_validate({"UserId": 1, "UserName": "bot", "LastLoginDate": "yesterday"})


def test_a_version_1_snapshot_keeps_its_sign_ins_as_console_sign_ins():
    # Version 1 looked sign-ins up by EventName=ConsoleSignin; its events carry no name of their own.
    event = {"event_id": "e1", "event_time": "2026-11-10T01:02:03Z", "user_name": "bot"}
    doc = {"schema_version": 1, "collected_at": "2026-11-28T02:00:00Z", "regions": [
        {"region": "cn-hangzhou", "data_production": {"identities": [{"user_id": "1", "signin_events": [event]}]}}]}
    snapshot = EvidenceSnapshot.model_validate(doc)
    (ident,) = snapshot.regions[0].data_production.identities
    assert snapshot.schema_version == 2 and ident.signin_events[0].is_console_signin_of("bot")
    assert not SigninEvent.model_validate({**event, "event_name": "ConsoleSignout"}).is_console_signin_of("bot")
