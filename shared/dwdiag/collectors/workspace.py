"""Everything collected inside one DataWorks workspace, each list fetched once for every category."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from dwdiag.collectors.base import Fetched, RegionContext, parse_list, parse_one
from dwdiag.models.common import CallError, Workspace, window_start_ms
from dwdiag.models.computing_storage import NOT_EMR, CalcEngine, ComputeResourceGroup
from dwdiag.models.data_production import (
    PUBLISHED, CodeReview, DeployedItem, DeploymentDetail, DeploymentPackage, FileVersion, Member, PipelineRun,
    PipelineRunItem, Snapshot,
)
from dwdiag.models.data_transmission import DataSourceGroup, SharedRule

DW, LEGACY = "dataworks", "dataworks_legacy"


@dataclass(frozen=True)
class Needs:
    """Which lists the chosen categories need from each workspace."""

    compute: bool = False
    calc_engines: bool = False
    data_sources: bool = False
    members: bool = False
    deployments: bool = False
    code_reviews: bool = False


@dataclass
class WorkspaceFacts:
    workspace: Workspace
    compute: list[ComputeResourceGroup] = field(default_factory=list)
    compute_error: Optional[CallError] = None
    calc_engines: list[CalcEngine] = field(default_factory=list)
    calc_engines_error: Optional[CallError] = None
    data_sources: list[DataSourceGroup] = field(default_factory=list)
    data_sources_error: Optional[CallError] = None
    members: list[Member] = field(default_factory=list)
    members_error: Optional[CallError] = None
    packages: list[DeploymentPackage] = field(default_factory=list)
    packages_error: Optional[CallError] = None
    runs: list[PipelineRun] = field(default_factory=list)
    runs_error: Optional[CallError] = None
    reviews: list[CodeReview] = field(default_factory=list)
    reviews_error: Optional[CallError] = None

    def keep_compute_only(self) -> None:
        """Let go of all but the workspace and its compute resources once they are packed."""
        self.calc_engines, self.data_sources, self.members = [], [], []
        self.packages, self.runs, self.reviews = [], [], []


def gather_compute(ctx: RegionContext, facts: WorkspaceFacts, needs: Needs) -> WorkspaceFacts:
    """First pass over every workspace: the compute resources name the scheduling identities, whose
    ActionTrail lookups (the slowest quota) can then start while the rest is collected."""
    ws = facts.workspace
    if ws.available and needs.compute:
        facts.compute, facts.compute_error = _listed(ctx, ComputeResourceGroup, "list_compute_resources", ws)
    return facts


def gather_rest(ctx: RegionContext, facts: WorkspaceFacts, needs: Needs) -> WorkspaceFacts:
    ws = facts.workspace
    if not ws.available:
        return facts  # being created, frozen or deleted: the rules skip it, so nothing is fetched
    if needs.calc_engines and _wants_legacy_engines(facts):
        f = ctx.collect(LEGACY, "list_calc_engines", ProjectId=ws.id, CalcEngineType="EMR")
        facts.calc_engines, facts.calc_engines_error = _parsed(ctx, CalcEngine, f, "ListCalcEngines")
    if needs.members:
        facts.members, facts.members_error = _listed(ctx, Member, "list_project_members", ws)
    if needs.data_sources:
        facts.data_sources, facts.data_sources_error = _listed(ctx, DataSourceGroup, "list_data_sources", ws)
        for group in facts.data_sources:
            for entry in group.entries:
                f = ctx.call(DW, "list_data_source_shared_rules", DataSourceId=entry.id)
                entry.shared_rules, entry.shared_rules_error = _parsed(
                    ctx, SharedRule, f, "ListDataSourceSharedRules", key="DataSourceSharedRules")
    if needs.deployments and ws.dev_environment_enabled is not False:  # basic mode: nothing to separate
        facts.packages, facts.packages_error = _packages(ctx, ws)
        facts.runs, facts.runs_error = _pipeline_runs(ctx, ws)
    if needs.code_reviews and ws.standard_mode:
        facts.reviews, facts.reviews_error = _listed(ctx, CodeReview, "list_code_reviews", ws)
    return facts


def _malformed(ctx: RegionContext, action: str, message: str) -> CallError:
    return CallError(product="dataworks", operation=action, code="MalformedResponse", message=message,
                     region=ctx.region)


def _wants_legacy_engines(facts: WorkspaceFacts) -> bool:
    """The 2020 API is the second source of EMR access modes: asked only where EMR may be registered."""
    return facts.compute_error is not None or any(g.emr_kind != NOT_EMR for g in facts.compute)


def _parsed(ctx: RegionContext, model: type, f: Fetched, action: str, key: Optional[str] = None):
    if f.error:
        return ([] if key is None else None), f.error
    if key and not (isinstance(f.data, dict) and isinstance(f.data.get(key), list)):
        return None, _malformed(ctx, action, f"the answer has no {key} list")
    items = f.data.get(key) if key else f.data
    parsed, err = parse_list(model, items, "dataworks", action, ctx.region)
    return (parsed if err is None else ([] if key is None else None)), err


def _listed(ctx: RegionContext, model: type, operation: str, ws: Workspace, **params: Any):
    f = ctx.collect(DW, operation, ProjectId=ws.id, **params)
    action = "".join(p.title() for p in operation.split("_"))
    return _parsed(ctx, model, f, action)


# --- deployments ------------------------------------------------------------------------------

def _packages(ctx: RegionContext, ws: Workspace) -> tuple[list[DeploymentPackage], Optional[CallError]]:
    packages, err = _listed(ctx, DeploymentPackage, "list_deployment_packages", ws, Status=PUBLISHED)
    if err:
        return [], err
    start = window_start_ms(ctx.now, ctx.settings.deploy_lookback_days)
    versions: dict[str, tuple[Optional[list[FileVersion]], Optional[CallError]]] = {}
    # The list order is undocumented, so every page is read and filtered here.
    # A package without an ExecuteTime in the list gets its detail read, which has one.
    recent = [p for p in packages if p.published and (p.execute_time is None or p.execute_time >= start)]
    for package in recent:
        _package_detail(ctx, ws, package, versions)
    return recent, None


def _package_detail(ctx: RegionContext, ws: Workspace, package: DeploymentPackage, versions: dict) -> None:
    key = f"{ws.id}/{package.id}"
    data = ctx.cache.get("package", key)  # an executed package never changes
    if data is None:
        f = ctx.call(DW, "get_deployment_package", ProjectId=ws.id, DeploymentId=package.id)
        if f.error:
            package.detail_error = f.error
            return
        data = (f.data or {}).get("Data")
        if not (isinstance(data, dict) and isinstance(data.get("Deployment"), dict)):
            package.detail_error = _malformed(ctx, "GetDeploymentPackage", "the answer has no Data.Deployment")
            return
        ctx.cache.put("package", key, data)
    package.detail, package.detail_error = parse_one(DeploymentDetail, data.get("Deployment") or {}, DW,
                                                     "GetDeploymentPackage", ctx.region)
    items, err = parse_list(DeployedItem, data.get("DeployedItems"), DW, "GetDeploymentPackage", ctx.region)
    if err or package.detail_error:
        package.detail_error = package.detail_error or err
        return
    package.items = items
    if not package.detail.targets_production:
        return  # aimed at development: who wrote it does not matter
    for item in items:
        if item.file_id not in versions:
            versions[item.file_id] = _file_versions(ctx, ws, item.file_id, item.file_version)
        found, item.versions_error = versions[item.file_id]
        # Only the deployed version decides who developed it; the rest would only take memory.
        item.versions = None if item.versions_error else [v for v in found if v.file_version == item.file_version]


def _file_versions(ctx: RegionContext, ws: Workspace, file_id: str, wanted: Optional[int]):
    """A committed version never changes: the cached list serves as long as it has the version deployed."""
    key = f"{ws.id}/{file_id}"
    cached = ctx.cache.get("versions", key)
    if cached is not None and any(v.get("FileVersion") == wanted for v in cached):
        return _parsed(ctx, FileVersion, Fetched(cached), "ListFileVersions")
    f = ctx.collect(DW, "list_file_versions", ProjectId=ws.id, FileId=file_id)
    found, err = _parsed(ctx, FileVersion, f, "ListFileVersions")
    if err is None:
        ctx.cache.put("versions", key, [v.model_dump(by_alias=True, exclude_none=True) for v in found])
    return found, err


def _pipeline_runs(ctx: RegionContext, ws: Workspace) -> tuple[list[PipelineRun], Optional[CallError]]:
    runs, err = _listed(ctx, PipelineRun, "list_pipeline_runs", ws, Status="Success")
    if err:
        return [], err
    start = window_start_ms(ctx.now, ctx.settings.deploy_lookback_days)
    snapshots: dict[str, tuple] = {}
    recent = [r for r in runs if (r.create_time or 0) >= start and r.deployed_to_production]
    for run in recent:
        # A finished run's items, and the snapshots saved before it, never change.
        f = _cached_list(ctx, "run_items", f"{ws.id}/{run.id}", "list_pipeline_run_items", ProjectId=ws.id,
                         PipelineRunId=run.id)
        run.items, run.items_error = _parsed(ctx, PipelineRunItem, f, "ListPipelineRunItems")
        for item in run.items:
            found, error = _snapshots(ctx, ws, item.id, run.id, snapshots)
            item.snapshots, item.snapshots_error = (None, error) if error else (found, None)
    return recent, None


def _snapshots(ctx: RegionContext, ws: Workspace, item_id: str, run_id: str, fresh: dict):
    """The snapshots saved before a run never change, so they are cached per (item, run); a list
    fetched in this sweep serves every run of the item (the rule picks the one before each run)."""
    key = f"{ws.id}/{item_id}/{run_id}"
    if item_id not in fresh:
        cached = ctx.cache.get("snapshots", key)
        if cached is not None:
            return _parsed(ctx, Snapshot, Fetched(cached), "ListSnapshots")
        f = ctx.collect(DW, "list_snapshots", Namespace=ws.id, ObjectId=item_id, Type="Saved")
        fresh[item_id] = (f, _parsed(ctx, Snapshot, f, "ListSnapshots"))
    f, parsed = fresh[item_id]
    if f.error is None:
        ctx.cache.put("snapshots", key, f.data)
    return parsed


def _cached_list(ctx: RegionContext, kind: str, key: str, operation: str, **params: Any) -> Fetched:
    cached = ctx.cache.get(kind, key)
    if cached is not None:
        return Fetched(cached)
    f = ctx.collect(DW, operation, **params)
    if f.error is None:
        ctx.cache.put(kind, key, f.data)
    return f

