"""The fewest calls a sweep of a world needs, computed from the world file (not from any run).

It follows the fetch policy of the collectors: every list read to its end at the page sizes of
the operation table; details only for what is inside the deployment window; each ActionTrail
lookup per scheduling identity and sign-in region. A sweep that makes more calls than this
repeats calls or fetches what it does not need.
"""

from __future__ import annotations

import math
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from dwdiag.models.computing_storage import NOT_EMR_TYPES

DW_PAGE, MC_PAGE, STRATEGY_PAGE, RAM_PAGE, EVENT_PAGE = 100, 100, 20, 1000, 50
SIGNIN_REGIONS = ("ap-southeast-1", "cn-hangzhou")


def pages(n: int, size: int) -> int:
    return max(1, math.ceil(n / size))


def _ms(moment: datetime) -> int:
    return int(moment.timestamp() * 1000)


def workspace_calls(ws: dict[str, Any], start_ms: int) -> Counter:
    c: Counter = Counter()
    if ws.get("Status", "Available") != "Available":
        return c
    groups = ws.get("compute_resources", [])
    c["dataworks:ListComputeResources"] += pages(len(groups), DW_PAGE)
    if any(str(g.get("Type", "")).strip().lower() not in NOT_EMR_TYPES for g in groups):  # EMR, or might be
        c["dataworks:ListCalcEngines"] += pages(len(ws.get("calc_engines", [])), DW_PAGE)
    c["dataworks:ListProjectMembers"] += pages(len(ws.get("members", [])), DW_PAGE)
    sources = ws.get("data_sources", [])
    c["dataworks:ListDataSources"] += pages(len(sources), DW_PAGE)
    c["dataworks:ListDataSourceSharedRules"] += sum(len(g.get("DataSource", [])) for g in sources)
    if ws.get("DevEnvironmentEnabled", True) is False:
        return c  # basic mode: no deployment to separate and no code review
    published = [d for d in ws.get("deployments", []) if d.get("Status", 1) == 1]
    c["dataworks:ListDeploymentPackages"] += pages(len(published), DW_PAGE)
    recent = [d for d in published if (d.get("ExecuteTime") or 0) >= start_ms]
    c["dataworks:GetDeploymentPackage"] += len(recent)
    c["dataworks:ListFileVersions"] += len({i["FileId"] for d in recent if d.get("ToEnvironment", 2) == 2
                                  for i in d.get("DeployedItems", [])})
    runs = [r for r in ws.get("pipeline_runs", []) if r.get("Status") == "Success"]
    c["dataworks:ListPipelineRuns"] += pages(len(runs), DW_PAGE)
    deployed = [r for r in runs if (r.get("CreateTime") or 0) >= start_ms and any(
        s.get("Type") == "Deploy" and s.get("Status") == "Success" and not str(s.get("Code") or "").startswith("DEV")
        for s in r.get("Stages", []))]
    c["dataworks:ListPipelineRunItems"] += sum(pages(len(r.get("items", [])), DW_PAGE) for r in deployed)
    c["dataworks:ListSnapshots"] += len({i["Id"] for r in deployed for i in r.get("items", [])})
    if ws.get("DevEnvironmentEnabled"):
        c["dataworks:ListCodeReviews"] += pages(len(ws.get("code_reviews", [])), DW_PAGE)
    return c


def identities(spaces: list[dict[str, Any]]) -> set[str]:
    found = set()
    for ws in spaces:
        if ws.get("Status", "Available") != "Available":
            continue
        for group in ws.get("compute_resources", []):
            for entry in group.get("ComputeResource", []):
                props = entry.get("ConnectionProperties") or {}
                props = {str(k).lower(): v for k, v in props.items()} if isinstance(props, dict) else {}
                uid = props.get("authidentity") or props.get("tasksubmitter")
                if str(props.get("envtype", "")).lower() == "prod" and \
                        str(props.get("authtype", "")).lower() == "subaccount" and uid:
                    found.add(str(uid))
    return found


def minimum_calls(world: dict[str, Any], regions: list[str], lookback_days: int = 30,
                  login_days: int = 90) -> dict[str, int]:
    now = datetime.fromisoformat(world["now"].replace("Z", "+00:00"))
    start_ms = _ms(now - timedelta(days=lookback_days))
    login_start = (now - timedelta(days=min(login_days, 90))).strftime("%Y-%m-%dT%H:%M:%SZ")
    users = {u["UserId"]: u["UserName"] for u in world.get("ram_users", [])}
    events = {r: body.get("actiontrail", {}).get("events", []) for r, body in world["regions"].items()}
    all_trails = [(r, t) for r, body in world["regions"].items() for t in body.get("actiontrail", {}).get("trails", [])]
    calls: Counter = Counter({"sts:GetCallerIdentity": 1})
    listed: set[tuple[str, str]] = set()
    for region in regions:
        body = world["regions"].get(region, {})
        spaces = body.get("dataworks", {}).get("workspaces", [])
        calls["dataworks:ListProjects"] += pages(len(spaces), DW_PAGE)
        calls["dataworks:ListSecurityStrategies"] += pages(len(world.get("security_strategies", [])), STRATEGY_PAGE)
        for ws in spaces:
            calls += workspace_calls(ws, start_ms)
        projects = body.get("maxcompute", {}).get("projects", [])
        calls["maxcompute:ListProjects"] += pages(len(projects), MC_PAGE)
        calls["maxcompute:GetProject"] += len(projects)
        scheduling = [uid for uid in identities(spaces) if uid in users]
        if identities(spaces):
            calls["ram:ListUsers"] += pages(len(users), RAM_PAGE)
        calls["ram:GetUser"] += len(scheduling)
        calls["ram:GetLoginProfile"] += len(scheduling)
        for uid in scheduling:
            for signin_region in SIGNIN_REGIONS:
                # the lookup asks for the user's events of the sign-in service (ServiceName AasSub, User)
                mine = [e for e in events.get(signin_region, []) if e.get("serviceName") == "AasSub"
                        and e.get("userIdentity", {}).get("userName") == users[uid] and e["eventTime"] >= login_start]
                calls["actiontrail:LookupEvents"] += pages(len(mine), EVENT_PAGE)
        calls["actiontrail:DescribeTrails"] += 1
        listed |= {(r, t["Name"]) for r, t in all_trails if r == region or t.get("TrailRegion") in ("All", region)}
    calls["actiontrail:GetTrailStatus"] += len(listed)  # each listed trail once, in its home region
    return dict(sorted(calls.items()))


def family(key: str) -> str:
    """The quota family of a `product:Action` key, as the client layer's limiters count them."""
    product, _, action = key.partition(":")
    return "actiontrail_lookup" if action == "LookupEvents" else product


def by_family(calls: dict[str, int]) -> dict[str, int]:
    out: Counter = Counter()
    for key, n in calls.items():
        out[family(key)] += n
    return dict(sorted(out.items()))
