"""Everything collected inside one DataWorks workspace: one table of lists, each fetched once for
every category that reads it.

A row of `LISTS` is one per-workspace list: its name (the field `<name>` and `<name>_error` of each
category model that reads it), the operation, the evidence model of one item, the categories that
need it, extra request parameters, when it is asked for, and what is fetched for its items after
the list (package details, shared rules). Adding a list is one row here and its two fields in the
workspace model of each category that reads it; `_check` holds the table and the models together.

Rows with `first_pass` are fetched for every workspace before the rest: the compute resources name
the scheduling identities, whose ActionTrail lookups (the slowest quota) then run while the rest is
collected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping, Optional

from pydantic import BaseModel

from dwdiag.clients import operations
from dwdiag.collectors.base import Fetched, RegionContext, parse_list, parse_one
from dwdiag.models.common import CallError, Workspace, window_start_ms
from dwdiag.models.computing_storage import (
    EMR_ENGINE, NOT_EMR, CalcEngine, ComputeResourceGroup, WorkspaceComputeResources,
)
from dwdiag.models.data_production import (
    PUBLISHED, RUN_SUCCEEDED, SAVED, CodeReview, DeployedItem, DeploymentDetail, DeploymentPackage, FileVersion,
    Member, PipelineRun, PipelineRunItem, Snapshot, WorkspaceProduction,
)
from dwdiag.models.data_transmission import DataSourceGroup, SharedRule, WorkspaceDataSources
from dwdiag.models.findings import Category

DW, LEGACY = "dataworks", "dataworks_legacy"
CS, DT, DP = Category.computing_storage, Category.data_transmission, Category.data_production

# The per-workspace evidence model of each category that reads workspace lists.
WORKSPACE_MODELS: dict[Category, type[BaseModel]] = {
    CS: WorkspaceComputeResources, DT: WorkspaceDataSources, DP: WorkspaceProduction,
}


class Gathered:
    """One workspace's lists as they come in: name -> (items, error); a list not asked for is empty."""

    __slots__ = ("workspace", "lists")

    def __init__(self, workspace: Workspace) -> None:
        self.workspace = workspace
        self.lists: dict[str, tuple[list, Optional[CallError]]] = {}

    def items(self, name: str) -> list:
        return self.lists.get(name, ([], None))[0]

    def error(self, name: str) -> Optional[CallError]:
        return self.lists.get(name, ([], None))[1]

    def fields(self, category: Category, rows: Iterable["WorkspaceList"]) -> dict[str, Any]:
        """The category model's fields of these rows."""
        out: dict[str, Any] = {}
        for row in rows:
            if category in row.categories:
                out[row.name], out[f"{row.name}_error"] = self.lists.get(row.name, ([], None))
        return out

    def evidence(self, category: Category) -> BaseModel:
        """The category's workspace model (WorkspaceComputeResources, ...) of what was gathered."""
        return WORKSPACE_MODELS[category](workspace=self.workspace, **self.fields(category, LISTS))

    def keep_first_pass_only(self) -> None:
        """Let go of all but the first-pass lists once the workspace is packed (the identity lookups may
        still read the compute resources)."""
        self.lists = {name: got for name, got in self.lists.items() if BY_NAME[name].first_pass}


def _always(got: Gathered) -> bool:
    return True


@dataclass(frozen=True)
class WorkspaceList:
    """One row of the table: a list asked of every workspace that some chosen category reads."""

    name: str                                  # the category models' field (and `<name>_error`)
    operation: str                             # a list operation of `service`, asked with ProjectId
    model: type[BaseModel]                     # the evidence model of one item
    categories: frozenset[Category]            # the categories whose workspace model has the field
    params: Mapping[str, Any] = field(default_factory=dict)  # request parameters besides ProjectId
    service: str = DW
    first_pass: bool = False                   # fetched for every workspace before the rest
    when: Callable[[Gathered], bool] = _always  # asked only when this holds (the rows above it are in)
    # Calls made for the items once the list is in (details, sharing rules); returns the items kept.
    details: Optional[Callable[[RegionContext, Workspace, list], list]] = None

    @property
    def action(self) -> str:
        return operations.operation(self.service, self.operation).action

    def fetch(self, ctx: RegionContext, ws: Workspace) -> tuple[list, Optional[CallError]]:
        f = ctx.collect(self.service, self.operation, ProjectId=ws.id, **self.params)
        items, err = _parsed(ctx, self.model, f, self.action)
        if err is None and self.details is not None:
            items = self.details(ctx, ws, items)
        return items, err


def gather(ctx: RegionContext, got: Gathered, rows: Iterable[WorkspaceList]) -> Gathered:
    """Fetch these rows for one workspace, in table order."""
    if not got.workspace.available:
        return got  # being created, frozen or deleted: the rules skip it, so nothing is fetched
    for row in rows:
        if row.when(got):
            got.lists[row.name] = row.fetch(ctx, got.workspace)
    return got


def passes(categories: set[Category]) -> tuple[list[WorkspaceList], list[WorkspaceList]]:
    """The rows these categories need: (first pass, the rest)."""
    wanted = [row for row in LISTS if row.categories & categories]
    return [r for r in wanted if r.first_pass], [r for r in wanted if not r.first_pass]


# --- what some rows fetch besides the list, and when they are asked for ----------------------------

def _may_have_emr(got: Gathered) -> bool:
    """The 2020 API is the second source of EMR access modes: asked only where EMR may be registered."""
    return got.error("compute_resources") is not None or any(
        g.emr_kind != NOT_EMR for g in got.items("compute_resources"))


def _not_basic_mode(got: Gathered) -> bool:
    return got.workspace.dev_environment_enabled is not False  # basic mode: no deployment to separate


def _standard_mode(got: Gathered) -> bool:
    return got.workspace.standard_mode


def _shared_rules(ctx: RegionContext, ws: Workspace, groups: list[DataSourceGroup]) -> list[DataSourceGroup]:
    for group in groups:
        for entry in group.entries:
            f = ctx.call(DW, "list_data_source_shared_rules", DataSourceId=entry.id)
            entry.shared_rules, entry.shared_rules_error = _parsed(
                ctx, SharedRule, f, "ListDataSourceSharedRules", key="DataSourceSharedRules")
    return groups


def _malformed(ctx: RegionContext, action: str, message: str) -> CallError:
    return CallError(product="dataworks", operation=action, code="MalformedResponse", message=message,
                     region=ctx.region)


def _parsed(ctx: RegionContext, model: type, f: Fetched, action: str, key: Optional[str] = None):
    if f.error:
        return ([] if key is None else None), f.error
    if key and not (isinstance(f.data, dict) and isinstance(f.data.get(key), list)):
        return None, _malformed(ctx, action, f"the answer has no {key} list")
    items = f.data.get(key) if key else f.data
    parsed, err = parse_list(model, items, "dataworks", action, ctx.region)
    return (parsed if err is None else ([] if key is None else None)), err


# --- deployments ------------------------------------------------------------------------------

def _package_details(ctx: RegionContext, ws: Workspace, packages: list[DeploymentPackage]) -> list[DeploymentPackage]:
    start = window_start_ms(ctx.now, ctx.settings.deploy_lookback_days)
    versions: dict[str, tuple[Optional[list[FileVersion]], Optional[CallError]]] = {}
    # The list order is undocumented, so every page is read and filtered here.
    # A package without an ExecuteTime in the list gets its detail read, which has one.
    recent = [p for p in packages if p.published and (p.execute_time is None or p.execute_time >= start)]
    for package in recent:
        _package_detail(ctx, ws, package, versions)
    return recent


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


def _run_details(ctx: RegionContext, ws: Workspace, runs: list[PipelineRun]) -> list[PipelineRun]:
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
    return recent


def _snapshots(ctx: RegionContext, ws: Workspace, item_id: str, run_id: str, fresh: dict):
    """The snapshots saved before a run never change, so they are cached per (item, run); a list
    fetched in this sweep serves every run of the item (the rule picks the one before each run)."""
    key = f"{ws.id}/{item_id}/{run_id}"
    if item_id not in fresh:
        cached = ctx.cache.get("snapshots", key)
        if cached is not None:
            return _parsed(ctx, Snapshot, Fetched(cached), "ListSnapshots")
        f = ctx.collect(DW, "list_snapshots", Namespace=ws.id, ObjectId=item_id, Type=SAVED)
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


# --- the table ------------------------------------------------------------------------------------

LISTS: tuple[WorkspaceList, ...] = (
    WorkspaceList("compute_resources", "list_compute_resources", ComputeResourceGroup, frozenset({CS, DP}),
                  first_pass=True),
    WorkspaceList("emr_calc_engines", "list_calc_engines", CalcEngine, frozenset({CS}), service=LEGACY,
                  params={"CalcEngineType": EMR_ENGINE}, when=_may_have_emr),
    WorkspaceList("members", "list_project_members", Member, frozenset({DP})),
    WorkspaceList("data_sources", "list_data_sources", DataSourceGroup, frozenset({DT}), details=_shared_rules),
    WorkspaceList("deployment_packages", "list_deployment_packages", DeploymentPackage, frozenset({DP}),
                  params={"Status": PUBLISHED}, when=_not_basic_mode, details=_package_details),
    WorkspaceList("pipeline_runs", "list_pipeline_runs", PipelineRun, frozenset({DP}),
                  params={"Status": RUN_SUCCEEDED}, when=_not_basic_mode, details=_run_details),
    WorkspaceList("code_reviews", "list_code_reviews", CodeReview, frozenset({DP}), when=_standard_mode),
)
BY_NAME = {row.name: row for row in LISTS}


def _check(rows: tuple[WorkspaceList, ...]) -> None:
    """The table and the workspace models agree: every row is a listed operation with its two fields in the
    model of each category it names, and every list field of a model has its row."""
    for row in rows:
        operations.operation(row.service, row.operation)  # AttributeError when the operation table lacks it
    for category, model in WORKSPACE_MODELS.items():
        expected = {"workspace"} | {name for row in rows if category in row.categories
                                    for name in (row.name, f"{row.name}_error")}
        if set(model.model_fields) != expected:
            raise TypeError(f"{model.__name__} has fields {sorted(model.model_fields)}; the table of workspace lists "
                            f"gives {sorted(expected)}")


_check(LISTS)
