"""MaxCompute 2022-01-04 (ROA): GET /api/v1/projects and GET /api/v1/projects/{name}.

Bodies use MaxCompute's lowerCamel keys: requestId, httpCode, data.
"""
from __future__ import annotations

from typing import Any, Dict

from ..exceptions import MaxComputeNoSuchProject
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


ROUTES = {
    ("2022-01-04", "ListProjects"): list_projects,
    ("2022-01-04", "GetProject"): get_project,
}
