"""The demo world describes the tenant of the bundled evidence snapshot (same ids and values)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from alibabacloud_actiontrail20200706 import models as at
from alibabacloud_actiontrail20200706.client import Client as TrailClient
from alibabacloud_dataworks_public20240518 import models as m
from alibabacloud_dataworks_public20240518.client import Client
from alibabacloud_maxcompute20220104 import models as mc
from alibabacloud_maxcompute20220104.client import Client as McClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_tea_openapi.exceptions import ClientException

from dwdiag_emulator import Emulator

from tests.support.emulator import make_config

pytestmark = pytest.mark.emulator
ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "shared" / "dwdiag_emulator" / "worlds" / "demo.yaml"
EVIDENCE = ROOT / "shared" / "dwdiag" / "demo" / "evidence.json"


@pytest.fixture(scope="module")
def demo():
    emu = Emulator(DEMO)
    with emu.running():
        yield emu, json.loads(EVIDENCE.read_text())


def _cfg(emu, region):
    return make_config(emu, region, ak="AKIDdemo", secret="demoSecret")


def test_workspaces_members_and_data_sources_match_the_evidence(demo):
    emu, evidence = demo
    for reg in evidence["regions"]:
        client = Client(_cfg(emu, reg["region"]))
        served = client.list_projects(m.ListProjectsRequest(page_size=100)).body.paging_info.projects
        wanted = [w["workspace"] for w in reg["data_production"]["workspaces"]]
        # the SDK's to_map() always adds an empty AliyunResourceTags list
        got = [{k: v for k, v in p.to_map().items() if v != []} for p in served]
        assert sorted(got, key=lambda p: p["Id"]) == sorted(wanted, key=lambda p: p["Id"])
        for entry in reg["data_production"]["workspaces"]:
            if "members" in entry and not entry.get("members_error"):
                got = client.list_project_members(m.ListProjectMembersRequest(
                    project_id=entry["workspace"]["Id"], page_size=100)).body.paging_info.project_members
                assert [{k: v for k, v in x.to_map().items() if k != "ProjectId"} for x in got] == entry["members"]
        for entry in reg["data_transmission"]["workspaces"]:
            if not entry.get("data_sources_error"):
                got = client.list_data_sources(m.ListDataSourcesRequest(
                    project_id=entry["workspace"]["Id"], page_size=100)).body.paging_info.data_sources
                names = [(g["Name"], [e["Id"] for e in g["DataSource"]]) for g in entry["data_sources"]]
                assert [(g.name, [e.id for e in g.data_source]) for g in got] == names


def test_recorded_errors_come_back_as_faults(demo):
    emu, evidence = demo
    client = Client(_cfg(emu, "cn-hangzhou"))
    broken = [w["workspace"]["Id"] for w in evidence["regions"][0]["data_production"]["workspaces"]
              if w.get("members_error")]
    with pytest.raises(ClientException) as err:
        client.list_project_members(m.ListProjectMembersRequest(project_id=broken[0]))
    assert err.value.code == "Forbidden.Access"
    with pytest.raises(ClientException) as err:
        McClient(_cfg(emu, "cn-hangzhou")).get_project("ods_archive", mc.GetProjectRequest(verbose="true"))
    assert err.value.data["errorCode"] == "ODPS-0420095"


def test_maxcompute_and_signins_match_the_evidence(demo):
    emu, evidence = demo
    reg = evidence["regions"][0]
    client = McClient(_cfg(emu, reg["region"]))
    for project in reg["computing_storage"]["maxcompute_projects"]:
        if "error" in project:
            continue
        data = client.get_project(project["name"], mc.GetProjectRequest(verbose="true")).body.data
        if "securityProperties" in project:
            assert data.security_properties.to_map() == project["securityProperties"]
        else:
            assert data.security_properties is None
        assert data.properties.to_map() == project.get("properties")
    trail = TrailClient(_cfg(emu, "ap-southeast-1"))
    attrs = [at.LookupEventsRequestLookupAttribute(key="ServiceName", value="AasSub"),
             at.LookupEventsRequestLookupAttribute(key="User", value="sched_bot")]
    body = trail.lookup_events(at.LookupEventsRequest(
        lookup_attribute=attrs, start_time="2026-08-30T02:00:00Z", end_time="2026-11-28T02:00:00Z")).body
    assert [e["eventId"] for e in body.events] == ["evt-0001"]


def test_trails_and_users_match_the_evidence(demo):
    """Each region lists the trails its evidence has (shadow and multi-account trails included when
    asked for); each trail's status is answered in its home region; a user the evidence shows without
    LastLoginDate gets "" from GetUser."""
    emu, evidence = demo
    for reg in evidence["regions"]:
        trails = reg.get("platform_config", {}).get("trails", [])
        client = TrailClient(_cfg(emu, reg["region"]))
        listed = client.describe_trails(at.DescribeTrailsRequest(
            include_shadow_trails=True, include_organization_trail=True)).body.trail_list
        assert [(t.name, t.home_region) for t in listed] == [(t["Name"], t["HomeRegion"]) for t in trails]
        for trail in trails:
            if trail.get("trail_status_error") or not trail.get("trail_status"):
                continue  # a recorded error comes back as a fault
            home = TrailClient(_cfg(emu, trail["HomeRegion"]))
            status = home.get_trail_status(at.GetTrailStatusRequest(
                name=trail["Name"], is_organization_trail=trail.get("IsOrganizationTrail") or None)).body
            assert status.is_logging == trail["trail_status"]["IsLogging"]
        for ident in reg.get("data_production", {}).get("identities", []):
            if ident.get("user") and not ident.get("get_user_error"):
                user = RamClient(_cfg(emu, reg["region"])).get_user(
                    ram.GetUserRequest(user_name=ident["user"]["UserName"])).body.user
                assert user.last_login_date == (ident["user"].get("LastLoginDate") or "")
