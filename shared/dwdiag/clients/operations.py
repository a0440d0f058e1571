"""Every API operation dwdiag calls, as data: service, quota family, pagination.

This table is the one source for the client layer, the pagination rules, the RAM policy of the
deployment and the benchmark's call accounting. Collectors may only call what is listed here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional


@dataclass(frozen=True)
class Service:
    name: str          # the name given to Session.client()
    module: str        # the official SDK package
    version: str
    product: str       # DWDIAG_ENDPOINT_<PRODUCT>
    ram_prefix: str    # RAM action namespace
    endpoint: Optional[str] = None  # explicit host template where the SDK's map is wrong


@dataclass(frozen=True)
class Paging:
    kind: str                                  # "page" (PageNumber), "token" (NextToken) or "marker"
    items: tuple[str, ...]                     # path to the list in each answer
    size_param: str = "PageSize"
    size: int = 100
    total: tuple[str, ...] = ()                # page: path to TotalCount, if it can be trusted
    token_param: str = "NextToken"             # token/marker: the request parameter
    token_paths: tuple[tuple[str, ...], ...] = (("NextToken",),)  # first non-empty one wins
    truncated: tuple[str, ...] = ()            # marker: IsTruncated, where the API has it
    max_pages: int = 10_000


@dataclass(frozen=True)
class Operation:
    service: str
    action: str
    family: str                        # quota family the rate limiter counts against
    paging: Optional[Paging] = None
    path_param: Optional[str] = None   # ROA path argument (MaxCompute project name)
    generic: bool = False              # documented, but not in the Python SDK: sent through call_api
    write: bool = False                # changes the tenant: only `dwdiag fix apply`, never a sweep

    @property
    def name(self) -> str:
        return re.sub(r"(?<!^)(?=[A-Z])", "_", self.action).lower()

    @property
    def ram_action(self) -> str:
        return f"{SERVICES[self.service].ram_prefix}:{self.action}"

    @property
    def key(self) -> str:
        return f"{SERVICES[self.service].product}:{self.action}"


SERVICES = {
    s.name: s for s in (
        Service("dataworks", "alibabacloud_dataworks_public20240518", "2024-05-18", "dataworks", "dataworks"),
        Service("dataworks_legacy", "alibabacloud_dataworks_public20200518", "2020-05-18", "dataworks",
                "dataworks"),
        Service("maxcompute", "alibabacloud_maxcompute20220104", "2022-01-04", "maxcompute", "odps",
                endpoint="maxcompute.{region}.aliyuncs.com"),
        Service("actiontrail", "alibabacloud_actiontrail20200706", "2020-07-06", "actiontrail", "actiontrail"),
        Service("ram", "alibabacloud_ram20150501", "2015-05-01", "ram", "ram"),
        Service("sts", "alibabacloud_sts20150401", "2015-04-01", "sts", "sts"),
        Service("resourcedirectory", "alibabacloud_resourcedirectorymaster20220419", "2022-04-19",
                "resourcedirectory", "resourcemanager", endpoint="resourcedirectory.aliyuncs.com"),
    )
}


def _page(*items: str, total: bool = True, size: int = 100) -> Paging:
    parent = items[:-1]
    return Paging("page", items, size=size, total=(*parent, "TotalCount") if total else ())


_DW = "dataworks"
OPERATIONS = [
    Operation(_DW, "ListProjects", _DW, _page("PagingInfo", "Projects")),
    Operation(_DW, "ListProjectMembers", _DW, _page("PagingInfo", "ProjectMembers")),
    # Whether TotalCount counts groups or entries is undocumented: page until a short page.
    Operation(_DW, "ListDataSources", _DW, _page("PagingInfo", "DataSources", total=False)),
    Operation(_DW, "ListDataSourceSharedRules", _DW),
    Operation(_DW, "ListComputeResources", _DW, _page("PagingInfo", "ComputeResources", total=False)),
    Operation(_DW, "ListSecurityStrategies", _DW, _page("PagingInfo", "SecurityStrategies", size=20)),
    Operation(_DW, "ListDeploymentPackages", _DW, _page("Data", "Deployments")),
    Operation(_DW, "GetDeploymentPackage", _DW),
    Operation(_DW, "ListFileVersions", _DW, _page("Data", "FileVersions")),
    Operation(_DW, "ListPipelineRuns", _DW, _page("PagingInfo", "PipelineRuns")),
    Operation(_DW, "ListPipelineRunItems", _DW, _page("PagingInfo", "PipelineRunItems")),
    Operation(_DW, "ListSnapshots", _DW, _page("PagingInfo", "Snapshots")),
    Operation(_DW, "ListCodeReviews", _DW, _page("PagingInfo", "CodeReviews"), generic=True),
    Operation("dataworks_legacy", "ListCalcEngines", _DW, _page("Data", "CalcEngines")),
    Operation("maxcompute", "ListProjects", "maxcompute",
              Paging("marker", ("data", "projects"), size_param="maxItem", size=100, token_param="marker",
                     token_paths=(("data", "marker"), ("data", "NextToken")))),
    Operation("maxcompute", "GetProject", "maxcompute", path_param="projectName"),
    Operation("actiontrail", "DescribeTrails", "actiontrail"),
    Operation("actiontrail", "GetTrailStatus", "actiontrail"),
    Operation("actiontrail", "LookupEvents", "actiontrail_lookup",
              Paging("token", ("Events",), size_param="MaxResults", size=50)),
    Operation("ram", "ListUsers", "ram",
              Paging("marker", ("Users", "User"), size_param="MaxItems", size=1000, token_param="Marker",
                     token_paths=(("Marker",),), truncated=("IsTruncated",))),
    Operation("ram", "GetUser", "ram"),
    Operation("ram", "GetLoginProfile", "ram"),
    Operation("sts", "GetCallerIdentity", "sts"),
    # Organization sweeps (DWDIAG_ACCOUNTS): the scanning account's own calls, never a member's.
    Operation("sts", "AssumeRole", "sts"),
    Operation("resourcedirectory", "ListAccounts", "resourcedirectory",
              Paging("token", ("Accounts", "Account"), size_param="MaxResults", size=100)),
]
# Remediation (`dwdiag fix apply`): the three documented fixes safe to automate (dwdiag.remediation).
OPERATIONS += [
    Operation("maxcompute", "UpdateProjectBasicMeta", "maxcompute", path_param="projectName", write=True),
    Operation("actiontrail", "StartLogging", "actiontrail", write=True),
    Operation("ram", "DeleteLoginProfile", "ram", write=True),
]
# The calls made by the scanning account only, to find and enter the member accounts (organization sweeps).
ORGANIZATION_OPERATIONS = ("sts:AssumeRole", "resourcedirectory:ListAccounts")

BY_SERVICE: dict[str, dict[str, Operation]] = {}
for _op in OPERATIONS:
    BY_SERVICE.setdefault(_op.service, {})[_op.name] = _op


def operation(service: str, name: str) -> Operation:
    try:
        return BY_SERVICE[service][name]
    except KeyError:
        raise AttributeError(f"{service} has no operation {name!r} in dwdiag's operation table") from None


def read_actions() -> list[str]:
    """The RAM actions the collectors need in an account they sweep (STS GetCallerIdentity needs no
    permission; AssumeRole and ListAccounts are the scanning account's, see organization_actions)."""
    return sorted({op.ram_action for op in OPERATIONS
                   if op.service not in ("sts", "resourcedirectory") and not op.write})


def remediation_actions() -> list[str]:
    """The RAM actions of the remediation policy (`scripts/deploy policy --remediation`): the writes of the
    fixes `dwdiag fix apply` may run, and nothing else (it checks the object before and after with the
    scanner's read-only credentials). Never in the scanner's policy."""
    return sorted({op.ram_action for op in OPERATIONS if op.write})


def organization_actions() -> list[str]:
    """The RAM actions the scanning account needs to sweep other accounts: list the Resource Directory's
    members and assume the member role in each."""
    return sorted({op.ram_action for op in OPERATIONS if f"{op.service}:{op.action}" in ORGANIZATION_OPERATIONS})
