"""DataWorks 2024-05-18: workspaces, members, data sources, compute resources, strategies.

Wire shapes from reference evidence-dataworks.md section 3 and the SDK 9.11.0 models.
"""
from __future__ import annotations

import json
from typing import Any, Dict, List

from ..exceptions import DataWorksNotFound
from ..objects import Workspace
from ..protocol import get_bool, get_int, get_list, get_str
from .base import Call, dump_all, page_by_number


def workspace(call: Call, key: str = "ProjectId") -> Workspace:
    """Find the workspace by id, or by ProjectIdentifier (its name) where the API allows it."""
    ws_id = get_int(call.params, key)
    if ws_id is None:
        name = get_str(call.params, "ProjectIdentifier")
        found = [w for w in call.region.workspaces if name and w.Name == name]
        if not found:
            get_int(call.params, key, required=True)  # raises MissingParameter
            raise DataWorksNotFound(f"The workspace {name} does not exist.")
        return found[0]
    ws = call.region.workspace_by_id.get(ws_id)
    if ws is None:
        raise DataWorksNotFound(f"The workspace {ws_id} does not exist.")
    return ws


def _env_of(props: Any) -> str:
    """envType lives only inside ConnectionProperties; values compare case-insensitively."""
    if isinstance(props, str):
        try:
            props = json.loads(props)
        except ValueError:
            return ""
    if not isinstance(props, dict):
        return ""
    for key, value in props.items():
        if key.lower() == "envtype":
            return str(value).lower()
    return ""


def _groups(call: Call, groups: List[Any], entry_key: str) -> List[Dict[str, Any]]:
    """Filter name groups by Types/Name/EnvType; TotalCount counts groups (UNCONFIRMED)."""
    types = {t.lower() for t in get_list(call.params, "Types")}
    name = get_str(call.params, "Name")
    env = (get_str(call.params, "EnvType") or "").lower()
    out = []
    for group in groups:
        if types and group.Type.lower() not in types:
            continue
        if name and name not in group.Name:
            continue
        entries = [e for e in getattr(group, entry_key) if not env or _env_of(e.ConnectionProperties) == env]
        if entries:
            out.append({"Name": group.Name, "Type": group.Type, entry_key: entries})
    return out


def _render_groups(page: List[Dict[str, Any]], entry_key: str) -> List[Dict[str, Any]]:
    return [{**g, entry_key: dump_all(g[entry_key])} for g in page]


def list_projects(call: Call) -> Dict[str, Any]:
    p = call.params
    ids = {int(i) for i in get_list(p, "Ids")}
    names = set(get_list(p, "Names"))
    status, dev = get_str(p, "Status"), get_bool(p, "DevEnvironmentEnabled")
    rg = get_str(p, "AliyunResourceGroupId")
    items = [w for w in call.region.workspaces
             if (not ids or w.Id in ids) and (not names or w.Name in names)
             and (status is None or w.Status == status)
             and (dev is None or w.DevEnvironmentEnabled == dev)
             and (rg is None or w.AliyunResourceGroupId == rg)]
    page, info = page_by_number(call, items)
    return {"RequestId": call.request_id, "PagingInfo": {**info, "Projects": dump_all(page)}}


def get_project(call: Call) -> Dict[str, Any]:
    return {"RequestId": call.request_id, "Project": workspace(call, "Id").wire()}


def list_project_members(call: Call) -> Dict[str, Any]:
    ws = workspace(call)
    roles = set(get_list(call.params, "RoleCodes"))
    users = set(get_list(call.params, "UserIds"))
    # "any of" for RoleCodes is UNCONFIRMED (followup Q5)
    items = [m for m in ws.members
             if (not roles or roles & {r.Code for r in m.Roles}) and (not users or m.UserId in users)]
    page, info = page_by_number(call, items)
    members = [{"ProjectId": ws.Id, **m.wire()} for m in page]
    return {"RequestId": call.request_id, "PagingInfo": {**info, "ProjectMembers": members}}


def list_data_sources(call: Call) -> Dict[str, Any]:
    ws = workspace(call)
    page, info = page_by_number(call, _groups(call, ws.data_sources, "DataSource"))
    body = {**info, "DataSources": _render_groups(page, "DataSource")}
    return {"RequestId": call.request_id, "PagingInfo": body}


def list_data_source_shared_rules(call: Call) -> Dict[str, Any]:
    ds_id = get_int(call.params, "DataSourceId", required=True)
    found = call.region.data_sources.get(ds_id)
    if found is None:
        raise DataWorksNotFound(f"The data source {ds_id} does not exist.")
    ws, group, entry = found
    target = get_int(call.params, "TargetProjectId")
    rules = []
    for rule in entry.shared_rules:
        if target is None or rule.TargetProjectId == target:
            default_name = f"{ws.Name}.{group.Name}"
            rules.append({"DataSourceId": entry.Id, "SourceProjectId": ws.Id,
                          "SharedDataSourceName": default_name, **rule.wire()})
    return {"RequestId": call.request_id, "DataSourceSharedRules": rules}


def list_compute_resources(call: Call) -> Dict[str, Any]:
    ws = workspace(call)
    page, info = page_by_number(call, _groups(call, ws.compute_resources, "ComputeResource"))
    body = {**info, "ComputeResources": _render_groups(page, "ComputeResource")}
    return {"RequestId": call.request_id, "PagingInfo": body}


def get_compute_resource(call: Call) -> Dict[str, Any]:
    cr_id = get_int(call.params, "Id", required=True)
    ws = workspace(call)
    found = call.region.compute.get(cr_id)
    if found is None or found[0].Id != ws.Id:
        raise DataWorksNotFound(f"The compute resource {cr_id} does not exist.")
    _, group, entry = found
    body = {"Name": group.Name, "Type": group.Type, "ProjectId": ws.Id,
            "QualifiedName": entry.QualifiedName, **entry.wire()}
    return {"RequestId": call.request_id, "ComputeResource": _drop_none(body)}


def list_security_strategies(call: Call) -> Dict[str, Any]:
    module, sub = get_str(call.params, "ControlModule"), get_str(call.params, "ControlSubModule")
    items = [s for s in call.backend.world.security_strategies
             if (module is None or s.ControlModule == module)
             and (sub is None or s.ControlSubModule == sub)]
    # default 20 per page (SDK docstring); the cap is not documented, 100 assumed
    page, info = page_by_number(call, items, default_size=20)
    return {"RequestId": call.request_id, "PagingInfo": {**info, "SecurityStrategies": dump_all(page)}}


def _drop_none(body: Dict[str, Any]) -> Dict[str, Any]:
    return {k: v for k, v in body.items() if v is not None}


ROUTES = {
    ("2024-05-18", "ListProjects"): list_projects,
    ("2024-05-18", "GetProject"): get_project,
    ("2024-05-18", "ListProjectMembers"): list_project_members,
    ("2024-05-18", "ListDataSources"): list_data_sources,
    ("2024-05-18", "ListDataSourceSharedRules"): list_data_source_shared_rules,
    ("2024-05-18", "ListComputeResources"): list_compute_resources,
    ("2024-05-18", "GetComputeResource"): get_compute_resource,
    ("2024-05-18", "ListSecurityStrategies"): list_security_strategies,
}
