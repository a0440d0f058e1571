"""Request parsing: where parameters travel and how the SDKs encode them (reference 9.1, 9.6)."""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl, unquote

from .exceptions import InvalidParameter, MissingParameter

MC_ROOT = "/api/v1/projects"

# x-acs-version -> product; an unknown version is InvalidVersion, never a default product
VERSIONS = {
    "2024-05-18": "dataworks",
    "2020-05-18": "dataworks",
    "2022-01-04": "maxcompute",
    "2020-07-06": "actiontrail",
    "2015-05-01": "ram",
    "2019-08-15": "ims",  # RAM's identity management API (UpdateLoginProfile with Status)
    "2015-04-01": "sts",
    "2022-04-19": "resourcedirectory",
}


@dataclass
class ApiRequest:
    method: str
    path: str
    raw_query: str
    headers: Dict[str, str]
    body: bytes
    query: Dict[str, str] = field(default_factory=dict)
    form: Dict[str, str] = field(default_factory=dict)
    action: str = ""
    version: str = ""
    path_params: Dict[str, str] = field(default_factory=dict)
    json: Dict[str, Any] = field(default_factory=dict)  # a ROA request's JSON body (req_body_type json)
    json_invalid: bool = False
    roa_suffix: str = ""  # what follows /api/v1/projects/{projectName}/ ("meta" for UpdateProjectBasicMeta)

    @property
    def params(self) -> Dict[str, str]:
        """RPC gateways read both places, so the form body and the query string merge."""
        return {**self.form, **self.query}


def parse_request(method: str, target: str, headers: Dict[str, str], body: bytes) -> ApiRequest:
    path, _, raw_query = target.partition("?")
    lower = {k.lower(): v for k, v in headers.items()}
    req = ApiRequest(method.upper(), path, raw_query, lower, body)
    req.query = dict(parse_qsl(raw_query, keep_blank_values=True))
    if lower.get("content-type", "").startswith("application/x-www-form-urlencoded") and body:
        req.form = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    elif lower.get("content-type", "").startswith("application/json") and body:
        try:
            data = json.loads(body)
        except ValueError:
            data = None
        if isinstance(data, dict):
            req.json = data
        else:
            req.json_invalid = True  # answered InvalidParameter once the request is routed
    # V3 puts action/version in headers; legacy V1 signing puts them in the query
    req.action = lower.get("x-acs-action") or req.query.get("Action", "")
    req.version = lower.get("x-acs-version") or req.query.get("Version", "")
    if path == MC_ROOT or path.startswith(MC_ROOT + "/"):
        _roa_path(req)
    return req


def _roa_path(req: ApiRequest) -> None:
    rest = req.path[len(MC_ROOT):].strip("/")
    if rest and "/" not in rest:
        req.path_params["projectName"] = unquote(rest)
        req.action = req.action or "GetProject"
    elif rest:
        name, _, req.roa_suffix = rest.partition("/")
        req.path_params["projectName"] = unquote(name)
    else:
        req.action = req.action or "ListProjects"


def flatten(data: Dict[str, Any], prefix: str = "") -> Dict[str, str]:
    """A JSON body as flat parameters for the request log and fault/quota scopes:
    {"properties": {"retentionDays": 7}} -> {"properties.retentionDays": "7"}."""
    flat: Dict[str, str] = {}
    for key, value in data.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(flatten(value, name + "."))
        else:
            flat[name] = value if isinstance(value, str) else json.dumps(value)
    return flat


# --- typed parameter readers ----------------------------------------------------------------

def get_str(params: Dict[str, str], name: str, required: bool = False) -> Optional[str]:
    value = params.get(name)
    if value in (None, ""):
        if required:
            raise MissingParameter(name)
        return None
    return value


def get_int(params: Dict[str, str], name: str, default: Optional[int] = None,
            required: bool = False) -> Optional[int]:
    value = get_str(params, name, required)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise InvalidParameter(name, "It must be an integer.") from None


def get_bool(params: Dict[str, str], name: str, default: Optional[bool] = None) -> Optional[bool]:
    """The Python SDKs send str(bool) ('True'), others 'true'; accept both."""
    value = get_str(params, name)
    if value is None:
        return default
    if value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise InvalidParameter(name, "It must be true or false.")


def get_list(params: Dict[str, str], name: str) -> List[str]:
    """Arrays travel as a JSON-array string ('json' shrink) or comma-joined ('simple')."""
    value = get_str(params, name)
    if value is None:
        return []
    if value.startswith("["):
        try:
            items = json.loads(value)
        except ValueError:
            raise InvalidParameter(name, "It must be a JSON array.") from None
        return [str(x) for x in items]
    return [part for part in value.split(",") if part]


def get_repeated(params: Dict[str, str], name: str) -> List[Dict[str, str]]:
    """RPC repeated objects: Name.1.Key=..., Name.1.Value=... in index order."""
    prefix = name + "."
    found: Dict[int, Dict[str, Any]] = {}
    for key, value in params.items():
        if not key.startswith(prefix):
            continue
        index, _, sub = key[len(prefix):].partition(".")
        if index.isdigit():
            found.setdefault(int(index), {})[sub] = value
    return [found[i] for i in sorted(found)]
