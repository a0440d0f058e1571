"""DataWorks 2024-05-18 and 2020-05-18 operations through the unchanged official SDK clients."""
from __future__ import annotations

import json

import pytest
from alibabacloud_dataworks_public20200518 import models as m20
from alibabacloud_dataworks_public20200518.client import Client as Client20
from alibabacloud_dataworks_public20240518 import models as m
from alibabacloud_dataworks_public20240518.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_util.models import RuntimeOptions

pytestmark = pytest.mark.emulator


@pytest.fixture
def dw(config) -> Client:
    return Client(config)


def all_pages(fetch, size):
    """Call fetch(page_number, size) until PageNumber*PageSize >= TotalCount."""
    pages, number = [], 1
    while True:
        info = fetch(number, size)
        pages.append(info)
        if info.page_number * info.page_size >= info.total_count:
            return pages
        number += 1


def test_list_projects_pages_and_filters(dw):
    pages = all_pages(lambda n, s: dw.list_projects(
        m.ListProjectsRequest(page_number=n, page_size=s)).body.paging_info, 2)
    assert [len(p.projects) for p in pages] == [2, 2, 1]
    assert [p.id for pg in pages for p in pg.projects] == [1001, 1002, 1003, 1004, 1005]
    first = pages[0].projects[0]
    assert (first.name, first.dev_environment_enabled, first.aliyun_resource_tags[0].key) == ("ws_std", True, "env")
    std = dw.list_projects(m.ListProjectsRequest(dev_environment_enabled=True, status="Available"))
    assert [p.id for p in std.body.paging_info.projects] == [1001, 1004]
    by_id = dw.list_projects(m.ListProjectsRequest(ids=[1002, 1005]))
    assert by_id.body.paging_info.total_count == 2


def test_page_size_is_capped_at_100(dw):
    info = dw.list_projects(m.ListProjectsRequest(page_size=500)).body.paging_info
    assert info.page_size == 100 and len(info.projects) == 5


def test_get_project(dw):
    project = dw.get_project(m.GetProjectRequest(id=1002)).body.project
    assert (project.name, project.dev_environment_enabled) == ("ws_basic", False)


def test_list_project_members_pages_and_role_filter(dw):
    pages = all_pages(lambda n, s: dw.list_project_members(m.ListProjectMembersRequest(
        project_id=1001, page_number=n, page_size=s)).body.paging_info, 2)
    members = [x for p in pages for x in p.project_members]
    assert [x.user_id for x in members] == ["200000000000001", "200000000000002", "200000000000003"]
    assert [r.code for r in members[0].roles] == ["role_project_admin", "role_project_deploy"]
    assert members[2].status == "Forbidden" and members[0].project_id == 1001
    admins = dw.list_project_members(m.ListProjectMembersRequest(
        project_id=1001, role_codes=["role_project_admin"])).body.paging_info
    assert {x.user_name for x in admins.project_members} == {"alice", "carol"}


def test_list_data_sources_groups_pages_and_both_property_forms(dw):
    pages = all_pages(lambda n, s: dw.list_data_sources(m.ListDataSourcesRequest(
        project_id=1001, page_number=n, page_size=s)).body.paging_info, 2)
    groups = [g for p in pages for g in p.data_sources]
    assert [g.name for g in groups] == ["oss_raw", "mysql_app", "holo_dw"]
    dev, prod = groups[0].data_source
    assert dev.connection_properties["authType"] == "Ak"
    assert json.loads(prod.connection_properties)["authType"] == "RamRole"  # served as a JSON string
    oss = dw.list_data_sources(m.ListDataSourcesRequest(project_id=1001, types=["oss"], env_type="Prod"))
    only = oss.body.paging_info.data_sources
    assert len(only) == 1 and [e.id for e in only[0].data_source] == [502]


def test_list_data_source_shared_rules(dw):
    rules = dw.list_data_source_shared_rules(
        m.ListDataSourceSharedRulesRequest(data_source_id=502)).body.data_source_shared_rules
    assert [(r.id, r.target_project_id, r.shared_user) for r in rules] == [
        (9002, 1002, "200000000000002"), (9003, 1003, "")]
    assert rules[0].source_project_id == 1001 and rules[0].data_source_id == 502
    one = dw.list_data_source_shared_rules(
        m.ListDataSourceSharedRulesRequest(data_source_id=502, target_project_id=1003))
    assert [r.id for r in one.body.data_source_shared_rules] == [9003]


def test_list_and_get_compute_resources(dw):
    pages = all_pages(lambda n, s: dw.list_compute_resources(m.ListComputeResourcesRequest(
        project_id=1001, page_number=n, page_size=s)).body.paging_info, 2)
    groups = [g for p in pages for g in p.compute_resources]
    assert [(g.name, g.type) for g in groups] == [("mc_main", "maxcompute"), ("emr_main", "emr"),
                                                  ("holo_main", "hologres")]
    prod = groups[0].compute_resource[1]
    assert prod.connection_properties["authIdentity"] == "200000000000009" and prod.whether_default
    emr = dw.list_compute_resources(m.ListComputeResourcesRequest(project_id=1001, types=["emr"]))
    assert [g.name for g in emr.body.paging_info.compute_resources] == ["emr_main"]
    one = dw.get_compute_resource(m.GetComputeResourceRequest(id=702, project_id=1001)).body
    cr = one.compute_resource
    assert (cr.name, cr.type, cr.project_id, cr.qualified_name) == ("mc_main", "maxcompute", 1001, "mc:proj_prod")


def test_list_security_strategies(dw):
    pages = all_pages(lambda n, s: dw.list_security_strategies(m.ListSecurityStrategiesRequest(
        page_number=n, page_size=s)).body.paging_info, 2)
    assert [s.id for p in pages for s in p.security_strategies] == ["12345", "12346", "12347"]
    dq = dw.list_security_strategies(m.ListSecurityStrategiesRequest(control_module="DataQuery"))
    first = dq.body.paging_info.security_strategies[0]
    assert dq.body.paging_info.page_size == 20  # the documented default
    assert first.workspaces == [1001] and first.content.controllers[0].controller == "download"


def test_deployment_packages_and_files(dw):
    pages = all_pages(lambda n, s: dw.list_deployment_packages(m.ListDeploymentPackagesRequest(
        project_id=1001, page_number=n, page_size=s)).body.data, 2)
    assert [d.id for p in pages for d in p.deployments] == [8001, 8002, 8003]
    detail = dw.get_deployment_package(m.GetDeploymentPackageRequest(project_id=1001, deployment_id=8001)).body
    assert detail.success is True and detail.http_status_code == 200
    dep = detail.data.deployment
    assert (dep.creator_id, dep.handler_id, dep.to_environment) == ("200000000000002", "200000000000002", 2)
    assert [(i.file_id, i.file_version) for i in detail.data.deployed_items] == [(3001, 2), (3002, 1)]
    versions = all_pages(lambda n, s: dw.list_file_versions(m.ListFileVersionsRequest(
        project_id=1001, file_id=3001, page_number=n, page_size=s)).body.data, 2)
    assert [v.commit_user for p in versions for v in p.file_versions] == [
        "200000000000001", "200000000000002", "200000000000002"]
    f = dw.get_file(m.GetFileRequest(project_id=1001, file_id=3001)).body
    assert f.success and (f.data.file.owner, f.data.file.current_version) == ("200000000000002", 3)


def test_pipeline_runs_items_and_snapshots(dw):
    pages = all_pages(lambda n, s: dw.list_pipeline_runs(m.ListPipelineRunsRequest(
        project_id=1001, page_number=n, page_size=s)).body.paging_info, 2)
    runs = [r for p in pages for r in p.pipeline_runs]
    assert [r.id for r in runs] == ["pr-1", "pr-2", "pr-3"]
    assert runs[0].stages[1].type == "Deploy" and runs[0].project_id == 1001
    ok = dw.list_pipeline_runs(m.ListPipelineRunsRequest(project_id=1001, status="Success"))
    assert [r.id for r in ok.body.paging_info.pipeline_runs] == ["pr-1", "pr-3"]
    items = all_pages(lambda n, s: dw.list_pipeline_run_items(m.ListPipelineRunItemsRequest(
        project_id=1001, pipeline_run_id="pr-1", page_number=n, page_size=s)).body.paging_info, 2)
    assert [i.id for p in items for i in p.pipeline_run_items][-1] == "700000000000003"
    snaps = all_pages(lambda n, s: dw.list_snapshots(m.ListSnapshotsRequest(
        namespace="1001", object_id="700000000000001", type="Saved", page_number=n,
        page_size=s)).body.paging_info, 2)
    saved = [x for p in snaps for x in p.snapshots]
    assert [x.version for x in saved] == [1, 2, 3] and saved[2].creator == "200000000000001"
    assert saved[0].namespace == "1001"


def test_list_code_reviews_through_generic_call_api(config):
    client = OpenApiClient(config)
    params = open_api_models.Params(action="ListCodeReviews", version="2024-05-18", protocol="HTTPS",
                                    pathname="/", method="POST", auth_type="AK", style="RPC",
                                    req_body_type="formData", body_type="json")
    seen, number = [], 1
    while True:
        req = open_api_models.OpenApiRequest(query={"ProjectId": "1001", "PageNumber": str(number),
                                                    "PageSize": "2"})
        body = client.call_api(params, req, RuntimeOptions())["body"]["PagingInfo"]
        seen += body["CodeReviews"]
        if body["PageNumber"] * body["PageSize"] >= body["TotalCount"]:
            break
        number += 1
    assert [r["Id"] for r in seen] == ["cr-1", "cr-2", "cr-3"]
    assert seen[0]["FinalReviewer"] == "200000000000002" and seen[0]["ProjectId"] == 1001
    req = open_api_models.OpenApiRequest(body={"ProjectId": "1001", "Status": "Accepted"})
    only = client.call_api(params, req, RuntimeOptions())["body"]["PagingInfo"]
    assert only["TotalCount"] == 1  # parameters in the form body are read too


def test_list_calc_engines_2020(config):
    client = Client20(config)
    pages = all_pages(lambda n, s: client.list_calc_engines(m20.ListCalcEnginesRequest(
        project_id=1001, calc_engine_type="EMR", page_number=n, page_size=s)).body.data, 2)
    engines = [e for p in pages for e in p.calc_engines]
    assert [e.engine_id for e in engines] == [12, 13, 14]
    assert engines[0].engine_info["emrAccessMode"] == "simple" and engines[0].binding_project_id == 1001
    prd = client.list_calc_engines(m20.ListCalcEnginesRequest(project_id=1001, calc_engine_type="EMR", env_type="PRD"))
    assert prd.body.success is True and prd.body.data.total_count == 2
