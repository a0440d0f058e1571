"""MaxCompute 2022-01-04 (ROA): GET /api/v1/projects, GET /api/v1/projects/{name} and
PUT /api/v1/projects/{name}/meta (UpdateProjectBasicMeta).

Bodies use MaxCompute's lowerCamel keys: requestId, httpCode, data.
"""
from __future__ import annotations

from typing import Any, Dict

from pydantic import ValidationError

from ..changes import record_call
from ..exceptions import MaxComputeError, MaxComputeNoSuchProject
from ..objects import McProperties
from ..protocol import get_bool, get_int, get_str
from .base import Call, page_by_token

# securityProperties/superAdmins are the "additional information" that verbose adds (API doc)
_VERBOSE_ONLY = {"securityProperties", "superAdmins"}


def _project(call: Call, project: Any, verbose: bool) -> Dict[str, Any]:
    body = project.wire(exclude=None if verbose else _VERBOSE_ONLY)
    body.setdefault("regionId", call.region.name)
    return body


def list_projects(call: Call) -> Dict[str, Any]:
    """Paged by marker/maxItem; the next page is in data.marker and data.NextToken alike
    (which of the two the service fills is UNCONFIRMED). Whether list items carry
    securityProperties is UNCONFIRMED, so they do not: callers must use GetProject."""
    p = call.params
    prefix = get_str(p, "prefix") or ""
    size = min(max(get_int(p, "maxItem", 10), 1), 100)
    items = [x for x in call.region.mc_projects if x.name.startswith(prefix)]
    bound = {"prefix": prefix, "region": call.region.name}
    page, token = page_by_token(items, get_str(p, "marker") or "", size, bound)
    data = {"marker": token, "NextToken": token, "maxItem": size,
            "projects": [_project(call, x, verbose=False) for x in page]}
    return {"requestId": call.request_id, "data": data}


def get_project(call: Call) -> Dict[str, Any]:
    name = call.path_params.get("projectName", "")
    project = call.region.mc_by_name.get(name)
    if project is None:
        raise MaxComputeNoSuchProject(f"The project '{name}' does not exist.")
    verbose = bool(get_bool(call.params, "verbose", False))
    return {"requestId": call.request_id, "httpCode": 200, "data": _project(call, project, verbose)}


RETENTION_DAYS = (0, 30)  # "Valid values: [0, 30]. Default value: 1. 0 ... disabled" (API reference)


class MaxComputeInvalidParameter(MaxComputeError):
    """A body UpdateProjectBasicMeta refuses. The code and status MaxCompute answers are UNCONFIRMED."""

    code, status = "InvalidParameter", 400


def _properties(current: Any, sent: Any) -> McProperties:
    """The project's properties after an update: "Submit only the properties that need to be modified";
    "To reset a property, set the corresponding value to an empty string" (API reference, body)."""
    if not isinstance(sent, dict):
        raise MaxComputeInvalidParameter("properties must be a JSON object.")
    merged = current.model_dump(exclude_none=True) if current is not None else {}
    for key, value in sent.items():
        if value == "" or value is None:
            merged.pop(key, None)
        else:
            merged[key] = value
    days = sent.get("retentionDays")
    if days not in (None, ""):
        if isinstance(days, bool) or not isinstance(days, int) or not RETENTION_DAYS[0] <= days <= RETENTION_DAYS[1]:
            raise MaxComputeInvalidParameter(
                f"retentionDays must be an integer from {RETENTION_DAYS[0]} to {RETENTION_DAYS[1]}, not {days!r}.")
    try:
        return McProperties.model_validate(merged)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise MaxComputeInvalidParameter(f"properties.{where}: {first['msg']}.") from None


def update_project_basic_meta(call: Call) -> Dict[str, Any]:
    """PUT /api/v1/projects/{projectName}/meta with a JSON body {comment, properties{...}} (the SDK's
    UpdateProjectBasicMetaRequest). `comment` left out (null) is kept, "" clears it; the properties sent
    replace those of the project, the rest stay. Answers {requestId, httpCode, data}; what `data` holds is
    UNCONFIRMED ("The response result", a string: "success" here). The body's `status` (AVAILABLE/FROZEN,
    named in the page's body example but not in the SDK model) is not modelled and is ignored. The call is
    recorded as a write event (serviceName Odps, UNCONFIRMED; changes.py)."""
    name = call.path_params.get("projectName", "")
    body = call.body or {}
    with call.backend.lock:
        project = call.region.mc_by_name.get(name)
        if project is None:
            raise MaxComputeNoSuchProject(f"The project '{name}' does not exist.")
        properties = _properties(project.properties, body["properties"]) if "properties" in body else None
        comment = body.get("comment")
        if comment is not None and not isinstance(comment, str):
            raise MaxComputeInvalidParameter("comment must be a string.")
        if properties is not None:
            project.properties = properties
        if comment is not None:
            project.comment = comment or None
        record_call(call, request_parameters={"projectName": name}, resource_name=name,
                    resource_type="ACS::MaxCompute::Project")
    return {"requestId": call.request_id, "httpCode": 200, "data": "success"}


ROUTES = {
    ("2022-01-04", "ListProjects"): list_projects,
    ("2022-01-04", "GetProject"): get_project,
    ("2022-01-04", "UpdateProjectBasicMeta"): update_project_basic_meta,
}
