"""The watch's table: which write events it follows, and what object and categories each names."""

from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from dwdiag.errors import UserError
from dwdiag.models.findings import Category
from dwdiag.settings import Settings
from dwdiag.watch.table import PROJECT, RAM_USER, TRAIL, WORKSPACE, table


def _event(service, name, params=None, resource=None, region="cn-shanghai", **more):
    return {"eventId": "e-1", "serviceName": service, "eventName": name, "eventRW": "Write", "acsRegion": region,
            "eventTime": "2026-11-28T01:02:03Z", "requestParameters": params or {}, "resourceName": resource,
            "userIdentity": {"type": "ram-user", "userName": "ops-alice"}, **more}


def test_a_new_workspace_administrator_re_checks_that_workspace_s_members():
    change = table(Settings()).change(_event("dataworks-public", "AddProjectMemberToRole",
                                             {"ProjectId": 10001, "UserId": "2001", "RoleCode": "role_project_admin"}),
                                      "cn-hangzhou")
    assert (change.object, change.object_id, change.region) == (WORKSPACE, "10001", "cn-shanghai")
    assert change.categories == (Category.data_production,)
    assert change.describe() == ("AddProjectMemberToRole on workspace 10001 by ops-alice (ram-user) "
                                 "at 2026-11-28T01:02:03Z")


@pytest.mark.parametrize("service, name, params, resource, kind, object_id, categories", [
    ("Odps", "UpdateProject", {"projectName": "sales_prod"}, None, PROJECT, "sales_prod", {"computing_storage"}),
    ("Odps", "UpdateProjectBasicMeta", {}, "sales_prod", PROJECT, "sales_prod", {"computing_storage"}),
    ("Actiontrail", "StopLogging", {"Name": "audit"}, None, TRAIL, "audit", {"platform_config"}),
    ("Ims", "UpdateLoginProfile", {"UserPrincipalName": "dw-sched@corp.onaliyun.com"}, None, RAM_USER, "dw-sched",
     {"data_production"}),
    ("Ram", "DeleteLoginProfile", {}, "dw-sched", RAM_USER, "dw-sched", {"data_production"}),
    ("dataworks-public", "UpdateDataSource", {"ProjectId": "7"}, None, WORKSPACE, "7", {"data_transmission"}),
    ("dataworks-public", "UpdateComputeResource", {}, "7,8;x", WORKSPACE, "7",
     {"computing_storage", "data_production"}),
])
def test_each_product_s_events_name_their_object(service, name, params, resource, kind, object_id, categories):
    change = table(Settings()).change(_event(service, name, params, resource), "cn-hangzhou")
    assert (change.object, change.object_id) == (kind, object_id)
    assert {c.value for c in change.categories} == categories


def test_an_event_without_its_object_re_checks_every_object_of_the_kind():
    change = table(Settings()).change(_event("dataworks-public", "UpdateDataSource"), "cn-hangzhou")
    assert change.object == WORKSPACE and change.object_id is None


def test_events_the_table_does_not_know_are_none_for_the_caller_to_count():
    t = table(Settings())
    assert t.change(_event("dataworks-public", "CreateFile", {"ProjectId": 1}), "cn-hangzhou") is None
    assert t.change(_event("Ecs", "StopInstance"), "cn-hangzhou") is None
    # A MaxCompute event name with a DataWorks service name is not the MaxCompute event.
    assert t.change(_event("dataworks-public", "SetProjectPolicy", {"projectName": "p"}), "cn-hangzhou") is None


def test_service_names_and_extra_events_come_from_the_settings():
    settings = Settings(watch_service_names={"maxcompute": ["MaxCompute"]},
                        watch_extra_events={"maxcompute:SetSecurityConfig": "maxcompute:UpdateProject"})
    t = table(settings)
    assert "MaxCompute" in t.queries() and "Odps" not in t.queries()
    change = t.change(_event("MaxCompute", "SetSecurityConfig", {"projectName": "p"}), "cn-hangzhou")
    assert (change.object, change.object_id) == (PROJECT, "p")


def test_bad_watch_settings_are_named():
    with pytest.raises(ValidationError, match="unknown product emr"):
        Settings(watch_service_names={"emr": ["Emr"]})
    with pytest.raises(ValidationError, match="<product>:<EventName>"):
        Settings(watch_extra_events={"SetX": "maxcompute:UpdateProject"})
    with pytest.raises(UserError, match="maxcompute:NoSuchEvent is not an event of the watch's table"):
        table(Settings(watch_extra_events={"maxcompute:SetX": "maxcompute:NoSuchEvent"}))


def test_every_row_is_documented_with_its_confirmation():
    text = (Path(__file__).resolve().parents[2] / "docs" / "watch.md").read_text(encoding="utf-8")
    t = table(Settings())
    for (product, name), row in t.rows.items():
        assert f"`{name}`" in text, f"docs/watch.md names {product}:{name}"
