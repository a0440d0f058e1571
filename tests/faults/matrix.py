"""The fault matrix as data: every API the collectors call, every fault, and the bodies that fake bad answers."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

DW, LEGACY, MC, AT, RAM = "2024-05-18", "2020-05-18", "2022-01-04", "2020-07-06", "2015-05-01"


@dataclass(frozen=True)
class Api:
    service: str            # the operation table's service name
    product: str            # the emulator's product (fault scope)
    version: str
    action: str
    category: str           # the one category whose sweep exercises it (a small scope)
    paging: str = "none"    # "page" (PageNumber + TotalCount), "token" (NextToken/marker) or "none"
    bad: dict = field(default_factory=dict, hash=False, compare=False)  # fault -> 200 body

    @property
    def id(self) -> str:
        return f"{self.product}:{self.action}" + ("@2020" if self.version == LEGACY else "")


def _dump(body: Any) -> str:
    return json.dumps(body)


def _paged(container: str, items: str, legacy: bool = False) -> dict[str, str]:
    """Bodies for a PageNumber list whose items sit at container.items."""
    env = {"RequestId": "fault-r"}
    if legacy:
        env.update(Success=True, HttpStatusCode=200)
    page = {"PageNumber": 1, "PageSize": 100}
    return {
        # no container at all: the answer lacks what the collector reads
        "missing_fields": _dump(env),
        # the list holds scalars and the count is a word
        "wrong_types": _dump({**env, container: {**page, "TotalCount": "many", items: [12345, "text", True, None]}}),
        "empty_page": _dump({**env, container: {**page, "TotalCount": 7, items: []}}),
    }


APIS: list[Api] = [
    Api("dataworks", "dataworks", DW, "ListProjects", "data_transmission", "page",
        _paged("PagingInfo", "Projects")),
    Api("dataworks", "dataworks", DW, "ListProjectMembers", "data_production", "page",
        _paged("PagingInfo", "ProjectMembers")),
    Api("dataworks", "dataworks", DW, "ListDataSources", "data_transmission", "page",
        _paged("PagingInfo", "DataSources")),
    Api("dataworks", "dataworks", DW, "ListDataSourceSharedRules", "data_transmission", "none", {
        "missing_fields": _dump({"RequestId": "fault-r"}),
        "wrong_types": _dump({"RequestId": "fault-r", "DataSourceSharedRules": [7, "x", None]})}),
    Api("dataworks", "dataworks", DW, "ListComputeResources", "data_production", "page",
        _paged("PagingInfo", "ComputeResources")),
    Api("dataworks", "dataworks", DW, "ListSecurityStrategies", "data_transmission", "page",
        _paged("PagingInfo", "SecurityStrategies")),
    Api("dataworks", "dataworks", DW, "ListDeploymentPackages", "data_production", "page",
        _paged("Data", "Deployments", legacy=True)),
    Api("dataworks", "dataworks", DW, "GetDeploymentPackage", "data_production", "none", {
        "missing_fields": _dump({"RequestId": "fault-r", "Success": True, "HttpStatusCode": 200}),
        "wrong_types": _dump({"RequestId": "fault-r", "Success": True, "HttpStatusCode": 200,
                              "Data": {"Deployment": "published", "DeployedItems": 3}})}),
    Api("dataworks", "dataworks", DW, "ListFileVersions", "data_production", "page",
        _paged("Data", "FileVersions", legacy=True)),
    Api("dataworks", "dataworks", DW, "ListPipelineRuns", "data_production", "page",
        _paged("PagingInfo", "PipelineRuns")),
    Api("dataworks", "dataworks", DW, "ListPipelineRunItems", "data_production", "page",
        _paged("PagingInfo", "PipelineRunItems")),
    Api("dataworks", "dataworks", DW, "ListSnapshots", "data_production", "page",
        _paged("PagingInfo", "Snapshots")),
    Api("dataworks", "dataworks", DW, "ListCodeReviews", "data_production", "page",
        _paged("PagingInfo", "CodeReviews")),
    Api("dataworks_legacy", "dataworks", LEGACY, "ListCalcEngines", "computing_storage", "page",
        _paged("Data", "CalcEngines", legacy=True)),
    Api("maxcompute", "maxcompute", MC, "ListProjects", "computing_storage", "token", {
        "missing_fields": _dump({"requestId": "fault-r", "httpCode": 200}),
        "wrong_types": _dump({"requestId": "fault-r", "data": {"marker": "", "projects": [1, "x", None]}}),
        "repeat_token": _dump({"requestId": "fault-r", "data": {"marker": "SAME", "NextToken": "SAME", "maxItem": 100,
                                                                "projects": [{"name": "finance_prod"}]}})}),
    Api("maxcompute", "maxcompute", MC, "GetProject", "computing_storage", "none", {
        "missing_fields": _dump({"requestId": "fault-r", "httpCode": 200}),
        "wrong_types": _dump({"requestId": "fault-r", "httpCode": 200,
                              "data": {"securityProperties": "on", "properties": ["encryption"]}})}),
    Api("actiontrail", "actiontrail", AT, "DescribeTrails", "platform_config", "none", {
        "missing_fields": _dump({"RequestId": "fault-r"}),
        "wrong_types": _dump({"RequestId": "fault-r", "TrailList": [{"Name": ["t"], "Status": 1, "EventRW": None}]})}),
    Api("actiontrail", "actiontrail", AT, "GetTrailStatus", "platform_config", "none", {
        "missing_fields": _dump({"RequestId": "fault-r"}),
        "wrong_types": _dump({"RequestId": "fault-r", "IsLogging": {"yes": 1}})}),
    Api("actiontrail", "actiontrail", AT, "LookupEvents", "data_production", "token", {
        "missing_fields": _dump({"RequestId": "fault-r"}),
        "wrong_types": _dump({"RequestId": "fault-r", "Events": [1, "ConsoleSignin", None]}),
        "repeat_token": _dump({"RequestId": "fault-r", "Events": [], "NextToken": "SAME"})}),
    Api("ram", "ram", RAM, "ListUsers", "data_production", "token", {
        "missing_fields": _dump({"RequestId": "fault-r", "IsTruncated": False}),
        "wrong_types": _dump({"RequestId": "fault-r", "IsTruncated": False, "Users": {"User": [5, "ops", None]}}),
        "repeat_token": _dump({"RequestId": "fault-r", "IsTruncated": True, "Marker": "SAME", "Users": {"User": []}})}),
    Api("ram", "ram", RAM, "GetUser", "data_production", "none", {
        "missing_fields": _dump({"RequestId": "fault-r"}),
        "wrong_types": _dump({"RequestId": "fault-r", "User": {"UserId": {"id": 1}, "LastLoginDate": 20261127}})}),
    Api("ram", "ram", RAM, "GetLoginProfile", "data_production", "none", {
        "missing_fields": _dump({"RequestId": "fault-r"}),
        "wrong_types": _dump({"RequestId": "fault-r", "LoginProfile": "yes"})}),
]


@dataclass(frozen=True)
class Fault:
    name: str
    code: str                     # the code the affected results must name
    emulator: dict | None = None   # fields for Emulator.add_fault (without scope)
    proxy: str | None = None       # "reset": made by the TCP proxy instead
    applies: str = "all"              # "all", "page" or "token"
    persistent: bool = True           # False: clears by itself, so results may come back unchanged


THROTTLE = "Throttling.User"
FAULTS: list[Fault] = [
    Fault("throttle_400", THROTTLE, dict(kind="error", status=400, code=THROTTLE)),
    Fault("throttle_400_retry_after", THROTTLE,
          dict(kind="error", status=400, code=THROTTLE, headers={"x-acs-retry-after": "50"})),
    Fault("throttle_429", THROTTLE, dict(kind="error", status=429, code=THROTTLE)),
    Fault("throttle_429_retry_after", THROTTLE,
          dict(kind="error", status=429, code=THROTTLE, headers={"x-acs-retry-after": "50"})),
    # most calls throttled for a while: `times` is set per API from its clean-run call count
    Fault("throttle_storm", "Throttling", dict(kind="error", status=429, code="Throttling"), persistent=False),
    Fault("daily_quota", "Throttling.Api.Risk", dict(kind="error", status=429, code="Throttling.Api.Risk")),
    Fault("http_500", "InternalError", dict(kind="error", status=500, code="InternalError")),
    Fault("http_503", "ServiceUnavailable", dict(kind="error", status=503, code="ServiceUnavailable")),
    Fault("connection_reset", "NetworkError", proxy="reset"),
    # a latency far above the read timeout the sweep is given (tests/faults/test_fault_matrix.py)
    Fault("read_timeout", "NetworkError", dict(kind="latency", latency_ms=1200)),
    Fault("non_json", "MalformedResponse", dict(kind="non_json", status=200, body="<html>upstream reset</html>")),
    Fault("missing_fields", "MalformedResponse", dict(kind="malformed", status=200)),
    Fault("wrong_types", "MalformedResponse", dict(kind="malformed", status=200)),
    Fault("empty_page", "InvalidPagination", dict(kind="malformed", status=200), applies="page"),
    Fault("repeat_token", "InvalidPagination", dict(kind="malformed", status=200), applies="token"),
    Fault("forbidden_403", "Forbidden.Access", dict(kind="forbidden")),
]


def pairs() -> list[tuple[Api, Fault]]:
    return [(api, fault) for api in APIS for fault in FAULTS if fault.applies in ("all", api.paging)]
