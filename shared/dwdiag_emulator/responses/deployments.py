"""DataWorks 2024-05-18 production history: legacy deployment packages and files, new Data
Studio pipeline runs and snapshots, code reviews (documented, not in the Python SDK), and the
2020-05-18 ListCalcEngines."""
from __future__ import annotations

from typing import Any, Dict

from ..exceptions import DataWorksNotFound
from ..protocol import get_int, get_str
from .base import Call, dump_all, page_by_number
from .dataworks import workspace


def _legacy(call: Call, data: Dict[str, Any]) -> Dict[str, Any]:
    """Legacy-style operations also carry Success/HttpStatusCode in a 200 body."""
    return {"RequestId": call.request_id, "Success": True, "HttpStatusCode": 200,
            "ErrorCode": "", "ErrorMessage": "", "Data": data}


def list_deployment_packages(call: Call) -> Dict[str, Any]:
    ws, p = workspace(call), call.params
    status, creator, executor = get_int(p, "Status"), get_str(p, "Creator"), get_str(p, "Executor")
    keyword = get_str(p, "Keyword")
    end_create, end_exec = get_int(p, "EndCreateTime"), get_int(p, "EndExecuteTime")
    items = [d for d in ws.deployments
             if (status is None or d.Status == status)
             and (creator is None or d.Creator == creator)
             and (executor is None or d.Executor == executor)
             and (keyword is None or keyword in d.Name)
             and (end_create is None or (d.CreateTime or 0) <= end_create)
             and (end_exec is None or (d.ExecuteTime or 0) <= end_exec)]
    page, info = page_by_number(call, items)
    body = {"RequestId": call.request_id, "Data": {**info, "Deployments": dump_all(page)}}
    return body


def get_deployment_package(call: Call) -> Dict[str, Any]:
    ws = workspace(call)
    dep_id = get_int(call.params, "DeploymentId", required=True)
    dep = call.region.deployments.get((ws.Id, dep_id))
    if dep is None:
        raise DataWorksNotFound(f"The deployment package {dep_id} does not exist.")
    detail = {"Name": dep.Name, "CreatorId": dep.Creator, "HandlerId": dep.HandlerId or dep.Executor,
              "CreateTime": dep.CreateTime, "ExecuteTime": dep.ExecuteTime, "Status": dep.Status,
              "ErrorMessage": dep.ErrorMessage or "", "FromEnvironment": dep.FromEnvironment,
              "ToEnvironment": dep.ToEnvironment, "CheckingStatus": dep.CheckingStatus}
    detail = {k: v for k, v in detail.items() if v is not None}
    return _legacy(call, {"Deployment": detail, "DeployedItems": dump_all(dep.DeployedItems)})


def _file(call: Call):
    ws = workspace(call)
    file_id, node_id = get_int(call.params, "FileId"), get_int(call.params, "NodeId")
    if file_id is None and node_id is None:
        get_int(call.params, "FileId", required=True)
    for f in ws.files:
        if (file_id is not None and f.FileId == file_id) or (file_id is None and f.NodeId == node_id):
            return f
    raise DataWorksNotFound(f"The file {file_id or node_id} does not exist.")


def list_file_versions(call: Call) -> Dict[str, Any]:
    get_int(call.params, "FileId", required=True)
    page, info = page_by_number(call, _file(call).versions)
    return _legacy(call, {**info, "FileVersions": dump_all(page)})


def get_file(call: Call) -> Dict[str, Any]:
    return _legacy(call, {"File": _file(call).wire()})


def list_pipeline_runs(call: Call) -> Dict[str, Any]:
    ws, p = workspace(call), call.params
    status, creator, obj = get_str(p, "Status"), get_str(p, "Creator"), get_str(p, "ObjectId")
    items = [r for r in ws.pipeline_runs
             if (status is None or r.Status == status) and (creator is None or r.Creator == creator)
             and (obj is None or any(i.Id == obj for i in r.items))]
    page, info = page_by_number(call, items)
    runs = [{"ProjectId": ws.Id, **r.wire()} for r in page]
    return {"RequestId": call.request_id, "PagingInfo": {**info, "PipelineRuns": runs}}


def list_pipeline_run_items(call: Call) -> Dict[str, Any]:
    ws = workspace(call)
    run_id = get_str(call.params, "PipelineRunId", required=True)
    run = call.region.runs.get((ws.Id, run_id))
    if run is None:
        raise DataWorksNotFound(f"The pipeline run {run_id} does not exist.")
    page, info = page_by_number(call, run.items)
    return {"RequestId": call.request_id, "PagingInfo": {**info, "PipelineRunItems": dump_all(page)}}


def list_snapshots(call: Call) -> Dict[str, Any]:
    p = call.params
    namespace = get_str(p, "Namespace", required=True)
    obj = get_str(p, "ObjectId", required=True)
    kind = get_str(p, "Type", required=True)
    items = [s for s in call.region.snapshots.get((namespace, obj), []) if s.Type == kind]
    page, info = page_by_number(call, items)
    snaps = [{"Namespace": namespace, **s.wire()} for s in page]
    return {"RequestId": call.request_id, "PagingInfo": {**info, "Snapshots": snaps}}


def list_code_reviews(call: Call) -> Dict[str, Any]:
    ws, p = workspace(call), call.params
    status, creator, reviewer = get_str(p, "Status"), get_str(p, "Creator"), get_str(p, "Reviewer")
    items = [r for r in ws.code_reviews
             if (status is None or r.Status == status) and (creator is None or r.Creator == creator)
             and (reviewer is None or reviewer in r.Reviewers)]
    page, info = page_by_number(call, items)
    reviews = [{"RegionId": call.region.name, "ProjectId": ws.Id, **r.wire()} for r in page]
    return {"RequestId": call.request_id, "PagingInfo": {**info, "CodeReviews": reviews}}


def list_calc_engines(call: Call) -> Dict[str, Any]:
    """2020-05-18: CalcEngineType is required; EnvType is DEV or PRD."""
    ws, p = workspace(call), call.params
    kind = get_str(p, "CalcEngineType", required=True)
    env, name = get_str(p, "EnvType"), get_str(p, "Name")
    items = [e for e in ws.calc_engines
             if e.CalcEngineType == kind and (env is None or e.EnvType == env)
             and (name is None or name in e.Name)]
    page, info = page_by_number(call, items)
    engines = [{"BindingProjectId": ws.Id, "BindingProjectName": ws.Name, **e.wire()} for e in page]
    return {"RequestId": call.request_id, "Success": True, "HttpStatusCode": 200,
            "Data": {**info, "CalcEngines": engines}}


ROUTES = {
    ("2024-05-18", "ListDeploymentPackages"): list_deployment_packages,
    ("2024-05-18", "GetDeploymentPackage"): get_deployment_package,
    ("2024-05-18", "ListFileVersions"): list_file_versions,
    ("2024-05-18", "GetFile"): get_file,
    ("2024-05-18", "ListPipelineRuns"): list_pipeline_runs,
    ("2024-05-18", "ListPipelineRunItems"): list_pipeline_run_items,
    ("2024-05-18", "ListSnapshots"): list_snapshots,
    ("2024-05-18", "ListCodeReviews"): list_code_reviews,
    ("2020-05-18", "ListCalcEngines"): list_calc_engines,
}
