"""Collect one region, keeping every quota family busy at once.

Each family (DataWorks, MaxCompute, RAM + ActionTrail lookups, the rest) has its own workers, sized
from its rate, so a slow family never waits behind another's queue. Every workspace's compute
resources are listed first: they name the scheduling identities, whose ActionTrail lookups (2 QPS,
often the slowest family) then run alongside the long DataWorks pass instead of after it. What is
fetched inside a workspace is the table of collectors/workspace.py.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from typing import Any, Callable, Optional

from dwdiag.collectors import identities
from dwdiag.collectors.base import RegionContext, parse_list, parse_one
from dwdiag.collectors.workspace import WORKSPACE_MODELS, Gathered, WorkspaceList, gather, passes
from dwdiag.models.common import CallError, Workspace
from dwdiag.models.computing_storage import ComputingStorageEvidence, MaxComputeProject, WorkspaceComputeResources
from dwdiag.models.data_production import DataProductionEvidence, WorkspaceProduction
from dwdiag.models.data_transmission import (
    DATA_QUERY, DataTransmissionEvidence, SecurityStrategy, WorkspaceDataSources,
)
from dwdiag.models.findings import Category
from dwdiag.models.packed import Packed, pack
from dwdiag.models.platform_config import PlatformConfigEvidence, Trail, TrailStatus
from dwdiag.models.snapshot import RegionEvidence

CS, DT, DP, PC = Category.computing_storage, Category.data_transmission, Category.data_production, \
    Category.platform_config
IN_FLIGHT_SECONDS = 0.25  # how long one call may take and still leave its family running at its rate

# Makes the workers of one quota family in one region: (family, size, region) -> executor. The region
# shuts down what it was given when it is done; an executor given for several families is shared by them.
ExecutorFactory = Callable[[str, int, str], ThreadPoolExecutor]


def pool_per_family(family: str, size: int, region: str) -> ThreadPoolExecutor:
    """The default: each quota family of a region has its own workers."""
    return ThreadPoolExecutor(size, thread_name_prefix=f"{family}-{region}")


def pool_sizes(rates: dict[str, float], ceiling: int) -> dict[str, int]:
    """Workers per family (dataworks, maxcompute, identity, other): enough calls in flight to hold the
    family at its rate (Little's law), never more than `ceiling`."""

    def size(rate: float) -> int:
        return max(2, min(ceiling, math.ceil(rate * IN_FLIGHT_SECONDS)))

    return {"dataworks": size(rates.get("dataworks", 50)), "maxcompute": size(rates.get("maxcompute", 50)),
            "identity": size(rates.get("actiontrail_lookup", 2) + rates.get("ram", 20)), "other": 2}


class Executors:
    def __init__(self, stack: ExitStack, sizes: dict[str, int], region: str, make: ExecutorFactory) -> None:
        self.by_family: dict[str, ThreadPoolExecutor] = {}
        entered: set[int] = set()
        for family, n in sizes.items():
            pool = self.by_family[family] = make(family, n, region)
            if id(pool) not in entered:  # a shared executor is shut down once
                entered.add(id(pool))
                stack.enter_context(pool)

    def __getattr__(self, family: str) -> ThreadPoolExecutor:
        return self.by_family[family]


def collect_region(ctx: RegionContext, categories: list[Category], sizes: Optional[dict[str, int]] = None,
                   executors: ExecutorFactory = pool_per_family) -> RegionEvidence:
    chosen = set(categories)
    first_pass, the_rest = passes(chosen)
    sizes = sizes or pool_sizes({}, 16)
    evidence = RegionEvidence(region=ctx.region)
    with ExitStack() as stack:
        ex = Executors(stack, sizes, ctx.region, executors)
        trails = ex.other.submit(_trails, ctx) if PC in chosen else None
        strategies = ex.dataworks.submit(_strategies, ctx) if DT in chosen else None
        projects = ex.maxcompute.submit(_maxcompute, ctx, ex.maxcompute) if CS in chosen else None
        workspaces, ws_error = _workspaces(ctx) if chosen - {PC} else ([], None)
        gathered = [Gathered(w) for w in workspaces]
        first = [ex.dataworks.submit(gather, ctx, g, first_pass) for g in gathered]
        found_ids: dict[str, Any] = {}
        id_thread = _start_identities(ctx, first, gathered, first_pass, ex.identity, found_ids) \
            if DP in chosen else None
        rest = [ex.dataworks.submit(_after, ctx, g, the_rest, a, chosen) for g, a in zip(gathered, first)]
        for done, _ in enumerate(as_completed(rest), start=1):
            ctx.report(f"{done}/{len(rest)} workspaces")
        parts = [f.result() for f in rest]
        if CS in chosen:
            mc_futures, mc_error = projects.result()
            evidence.computing_storage = ComputingStorageEvidence(
                maxcompute_projects=Packed.of_packed(MaxComputeProject, [f.result() for f in mc_futures]),
                maxcompute_projects_error=mc_error, workspaces_error=ws_error,
                workspaces=Packed.of_packed(WorkspaceComputeResources, [p[CS] for p in parts]))
        if DT in chosen:
            found, error = strategies.result()
            evidence.data_transmission = DataTransmissionEvidence(
                workspaces=Packed.of_packed(WorkspaceDataSources, [p[DT] for p in parts]),
                workspaces_error=ws_error, security_strategies=found, security_strategies_error=error)
        if DP in chosen:
            id_thread.join()
            if "error" in found_ids:
                raise found_ids["error"]
            users_error, found_identities = found_ids["result"]
            evidence.data_production = DataProductionEvidence(
                workspaces=Packed.of_packed(WorkspaceProduction, [p[DP] for p in parts]), workspaces_error=ws_error,
                ram_users_error=users_error, identities=found_identities)
        if PC in chosen:
            found, error = trails.result()
            evidence.platform_config = PlatformConfigEvidence(trails=found, trails_error=error)
    for category in Category:  # set here rather than by re-validating: that would copy everything twice
        part = evidence.for_category(category)
        if part is not None:
            part.region = ctx.region
    return evidence


def _after(ctx: RegionContext, got: Gathered, rows: list[WorkspaceList], first: Future,
           chosen: set[Category]) -> dict[Category, bytes]:
    """The rest of one workspace, packed per category as soon as it is in (see models/packed.py)."""
    first.result()  # submitted earlier to the same queue, so it is running or done: no deadlock
    gather(ctx, got, rows)
    parts = {category: pack(got.evidence(category)) for category in WORKSPACE_MODELS if category in chosen}
    got.keep_first_pass_only()  # the identity lookups may still read it; everything else is in `parts`
    return parts


def _start_identities(ctx: RegionContext, first: list[Future], gathered: list[Gathered],
                      first_pass: list[WorkspaceList], pool: ThreadPoolExecutor,
                      box: dict[str, Any]) -> threading.Thread:
    """A coordinator thread (not a pool worker, so it can wait) that starts the sign-in lookups as
    soon as every workspace's compute resources are known."""
    def run() -> None:
        try:
            for f in first:
                f.result()
            known = [WorkspaceProduction(workspace=g.workspace, **g.fields(DP, first_pass)) for g in gathered]
            box["result"] = identities.collect(ctx, known, pool)
        except BaseException as exc:  # noqa: BLE001 - handed to the collecting thread, which raises it
            box["error"] = exc

    thread = threading.Thread(target=run, name=f"identities-{ctx.region}", daemon=True)
    thread.start()
    return thread


def _workspaces(ctx: RegionContext) -> tuple[list[Workspace], Optional[CallError]]:
    f = ctx.collect("dataworks", "list_projects")
    if f.error:
        return [], f.error
    found, err = parse_list(Workspace, f.data, "dataworks", "ListProjects", ctx.region)
    wanted = set(ctx.workspace_filter)
    return [w for w in found if not wanted or w.id in wanted], err


def _maxcompute(ctx: RegionContext, pool: ThreadPoolExecutor) -> tuple[list[Future], Optional[CallError]]:
    names, error = _maxcompute_names(ctx)
    return [pool.submit(_maxcompute_project, ctx, n) for n in names], error


def _maxcompute_names(ctx: RegionContext) -> tuple[list[str], Optional[CallError]]:
    f = ctx.collect("maxcompute", "list_projects")
    if f.error:
        return [], f.error
    names = [p.get("name") for p in f.data if isinstance(p, dict)]
    if any(not isinstance(n, str) or not n for n in names):
        return [], CallError(product="maxcompute", operation="ListProjects", code="MalformedResponse",
                             message="a project without a name", region=ctx.region)
    return names, None


def _maxcompute_project(ctx: RegionContext, name: str) -> bytes:
    return pack(_maxcompute_project_evidence(ctx, name))


def _maxcompute_project_evidence(ctx: RegionContext, name: str) -> MaxComputeProject:
    # verbose goes as the string "true": the SDK would send a Python bool as "True".
    f = ctx.call("maxcompute", "get_project", projectName=name, verbose="true")
    if f.error:
        return MaxComputeProject(name=name, error=f.error)
    data = (f.data or {}).get("data")
    project, err = parse_one(MaxComputeProject, {**(data or {}), "name": name}, "maxcompute", "GetProject",
                             ctx.region)
    return project if err is None else MaxComputeProject(name=name, error=err)


def _strategies(ctx: RegionContext) -> tuple[list[SecurityStrategy], Optional[CallError]]:
    f = ctx.collect("dataworks", "list_security_strategies", ControlModule=DATA_QUERY)
    if f.error:
        return [], f.error
    return parse_list(SecurityStrategy, f.data, "dataworks", "ListSecurityStrategies", ctx.region)


def _trails(ctx: RegionContext) -> tuple[list[Trail], Optional[CallError]]:
    # Both flags default to false: without them a trail of another home region, or the organization's
    # multi-account trail that covers this account, would not be listed.
    f = ctx.call("actiontrail", "describe_trails", IncludeShadowTrails="true", IncludeOrganizationTrail="true")
    if f.error:
        return [], f.error
    if not isinstance((f.data or {}).get("TrailList"), list):
        return [], CallError(product="actiontrail", operation="DescribeTrails", code="MalformedResponse",
                             message="the answer has no TrailList", region=ctx.region)
    trails, err = parse_list(Trail, f.data["TrailList"], "actiontrail", "DescribeTrails", ctx.region)
    for trail in trails:
        _trail_status(ctx, trail)
    return trails, err


def _trail_status(ctx: RegionContext, trail: Trail) -> None:
    """GetTrailStatus, asked where the trail was created: whether other regions answer for it is undocumented."""
    params = {"Name": trail.name}
    if trail.is_organization_trail:
        params["IsOrganizationTrail"] = "true"
    home = trail.home_region or ctx.region
    session = ctx.session if home == ctx.region else ctx.session_for(home)
    # A trail of all regions is listed by every region of the run: its status is asked once.
    s = ctx.shared.get(("GetTrailStatus", home, trail.name, bool(trail.is_organization_trail)),
                       lambda: ctx.fetch(lambda: session.client("actiontrail").get_trail_status(**params)))
    if s.error:
        trail.trail_status_error = s.error.model_copy(update={"region": home})
    elif not isinstance(s.data, dict) or "IsLogging" not in s.data:
        trail.trail_status_error = CallError(product="actiontrail", operation="GetTrailStatus",
                                             code="MalformedResponse", message="the answer has no IsLogging",
                                             region=home)
    else:
        trail.trail_status, trail.trail_status_error = parse_one(TrailStatus, s.data, "actiontrail",
                                                                 "GetTrailStatus", home)
