"""Collect one region: region-wide lists, then every workspace in parallel, then the identities."""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from typing import Optional

from dwdiag.collectors import identities
from dwdiag.collectors.base import RegionContext, parse_list, parse_one
from dwdiag.collectors.workspace import Needs, WorkspaceFacts, gather
from dwdiag.models.common import CallError, Workspace
from dwdiag.models.computing_storage import ComputingStorageEvidence, MaxComputeProject, WorkspaceComputeResources
from dwdiag.models.data_production import DataProductionEvidence, WorkspaceProduction
from dwdiag.models.data_transmission import DataTransmissionEvidence, SecurityStrategy, WorkspaceDataSources
from dwdiag.models.findings import Category
from dwdiag.models.platform_config import PlatformConfigEvidence, Trail, TrailStatus
from dwdiag.models.snapshot import RegionEvidence

CS, DT, DP, PC = Category.computing_storage, Category.data_transmission, Category.data_production, \
    Category.platform_config


def needs_for(categories: set[Category]) -> Needs:
    return Needs(compute=bool({CS, DP} & categories), calc_engines=CS in categories,
                 data_sources=DT in categories, members=DP in categories, deployments=DP in categories,
                 code_reviews=DP in categories)


def collect_region(ctx: RegionContext, categories: list[Category], workers: int = 16) -> RegionEvidence:
    chosen = set(categories)
    evidence = RegionEvidence(region=ctx.region)
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=f"dwdiag-{ctx.region}") as pool:
        trails = pool.submit(_trails, ctx) if PC in chosen else None
        strategies = pool.submit(_strategies, ctx) if DT in chosen else None
        projects: list[Future] = []
        mc_error = None
        if CS in chosen:
            names, mc_error = _maxcompute_names(ctx)
            projects = [pool.submit(_maxcompute_project, ctx, n) for n in names]
        workspaces, ws_error = _workspaces(ctx) if chosen - {PC} else ([], None)
        facts = _gather_all(ctx, pool, workspaces, needs_for(chosen))
        if CS in chosen:
            evidence.computing_storage = ComputingStorageEvidence(
                maxcompute_projects=[f.result() for f in projects], maxcompute_projects_error=mc_error,
                workspaces=[_computing(f) for f in facts], workspaces_error=ws_error)
        if DT in chosen:
            found, error = strategies.result()
            evidence.data_transmission = DataTransmissionEvidence(
                workspaces=[WorkspaceDataSources(workspace=f.workspace, data_sources=f.data_sources,
                                                 data_sources_error=f.data_sources_error) for f in facts],
                workspaces_error=ws_error, security_strategies=found, security_strategies_error=error)
        if DP in chosen:
            production = [_production(f) for f in facts]
            users_error, found_identities = identities.collect(ctx, production, pool)
            evidence.data_production = DataProductionEvidence(
                workspaces=production, workspaces_error=ws_error, ram_users_error=users_error,
                identities=found_identities)
        if PC in chosen:
            found, error = trails.result()
            evidence.platform_config = PlatformConfigEvidence(trails=found, trails_error=error)
    return RegionEvidence.model_validate(evidence.model_dump(by_alias=True))


def _gather_all(ctx: RegionContext, pool: ThreadPoolExecutor, workspaces: list[Workspace],
                needs: Needs) -> list[WorkspaceFacts]:
    futures = [pool.submit(gather, ctx, w, needs) for w in workspaces]
    for done, _ in enumerate(as_completed(futures), start=1):
        ctx.report(f"{done}/{len(futures)} workspaces")
    return [f.result() for f in futures]


def _workspaces(ctx: RegionContext) -> tuple[list[Workspace], Optional[CallError]]:
    f = ctx.collect("dataworks", "list_projects")
    if f.error:
        return [], f.error
    found, err = parse_list(Workspace, f.data, "dataworks", "ListProjects", ctx.region)
    wanted = set(ctx.workspace_filter)
    return [w for w in found if not wanted or w.id in wanted], err


def _maxcompute_names(ctx: RegionContext) -> tuple[list[str], Optional[CallError]]:
    f = ctx.collect("maxcompute", "list_projects")
    if f.error:
        return [], f.error
    names = [p.get("name") for p in f.data if isinstance(p, dict)]
    if any(not isinstance(n, str) or not n for n in names):
        return [], CallError(product="maxcompute", operation="ListProjects", code="MalformedResponse",
                             message="a project without a name", region=ctx.region)
    return names, None


def _maxcompute_project(ctx: RegionContext, name: str) -> MaxComputeProject:
    # verbose goes as the string "true": the SDK would send a Python bool as "True".
    f = ctx.call("maxcompute", "get_project", projectName=name, verbose="true")
    if f.error:
        return MaxComputeProject(name=name, error=f.error)
    data = (f.data or {}).get("data")
    project, err = parse_one(MaxComputeProject, {**(data or {}), "name": name}, "maxcompute", "GetProject",
                             ctx.region)
    return project if err is None else MaxComputeProject(name=name, error=err)


def _strategies(ctx: RegionContext) -> tuple[list[SecurityStrategy], Optional[CallError]]:
    f = ctx.collect("dataworks", "list_security_strategies", ControlModule="DataQuery")
    if f.error:
        return [], f.error
    return parse_list(SecurityStrategy, f.data, "dataworks", "ListSecurityStrategies", ctx.region)


def _trails(ctx: RegionContext) -> tuple[list[Trail], Optional[CallError]]:
    f = ctx.call("actiontrail", "describe_trails", IncludeShadowTrails="true")
    if f.error:
        return [], f.error
    trails, err = parse_list(Trail, (f.data or {}).get("TrailList"), "actiontrail", "DescribeTrails", ctx.region)
    for trail in trails:
        params = {"Name": trail.name}
        if trail.is_organization_trail:
            params["IsOrganizationTrail"] = "true"
        s = ctx.call("actiontrail", "get_trail_status", **params)
        if s.error:
            trail.trail_status_error = s.error
        else:
            trail.trail_status, trail.trail_status_error = parse_one(TrailStatus, s.data, "actiontrail",
                                                                     "GetTrailStatus", ctx.region)
    return trails, err


def _computing(f: WorkspaceFacts) -> WorkspaceComputeResources:
    return WorkspaceComputeResources(workspace=f.workspace, compute_resources=f.compute,
                                     compute_resources_error=f.compute_error, emr_calc_engines=f.calc_engines,
                                     emr_calc_engines_error=f.calc_engines_error)


def _production(f: WorkspaceFacts) -> WorkspaceProduction:
    return WorkspaceProduction(
        workspace=f.workspace, members=f.members, members_error=f.members_error, compute_resources=f.compute,
        compute_resources_error=f.compute_error, deployment_packages=f.packages,
        deployment_packages_error=f.packages_error, pipeline_runs=f.runs, pipeline_runs_error=f.runs_error,
        code_reviews=f.reviews, code_reviews_error=f.reviews_error)
