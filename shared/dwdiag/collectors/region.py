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
import time
from concurrent.futures import Future, ThreadPoolExecutor, as_completed
from contextlib import ExitStack
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from dwdiag.collectors import identities
from dwdiag.collectors.base import RegionContext, parse_list, parse_one
from dwdiag.collectors.checkpoint import COMPUTE, IDENTITY, PROJECT, REGION, WORKSPACE, Checkpoint
from dwdiag.collectors.workspace import WORKSPACE_MODELS, Gathered, WorkspaceList, gather, passes
from dwdiag.models.common import CallError, Workspace
from dwdiag.models.computing_storage import ComputingStorageEvidence, MaxComputeProject, WorkspaceComputeResources
from dwdiag.models.data_production import (
    DataProductionEvidence, IdentityEvidence, RamUser, WorkspaceProduction, scheduling_identities,
)
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


@dataclass
class Collected:
    """A region's evidence; or, when its time ran out first, what is left (what is done is in the checkpoint)."""

    evidence: Optional[RegionEvidence]
    left: dict[str, int] = field(default_factory=dict)  # workspaces, projects, identities, lists not yet collected
    plan: dict[str, int] = field(default_factory=dict)  # what the region needs (see _plan)

    @property
    def complete(self) -> bool:
        return self.evidence is not None


def collect_region(ctx: RegionContext, categories: list[Category], sizes: Optional[dict[str, int]] = None,
                   executors: ExecutorFactory = pool_per_family, checkpoint: Optional[Checkpoint] = None,
                   limit: Optional[CallError] = None) -> Collected:
    """Collect a region. With a `checkpoint`, items already in it are not fetched again, each new one is kept
    as it is collected, and no new item starts once `ctx.stop()` says so: what is left is reported instead of
    evidence. With `limit` (the run may not continue any more), nothing new is fetched and every item the
    checkpoint lacks ends as that error."""
    sizes = sizes or pool_sizes({}, 16)
    with ExitStack() as stack:
        return _Region(ctx, set(categories), checkpoint, limit, Executors(stack, sizes, ctx.region, executors)).run()


ITEM_MARGIN = 1.5  # a new item starts only if this many times the longest of its kind fits before the deadline


class _Region:
    """One region's collection, item by item (see collectors/checkpoint.py for what an item is)."""

    def __init__(self, ctx: RegionContext, chosen: set[Category], cp: Optional[Checkpoint],
                 limit: Optional[CallError], ex: Executors) -> None:
        self.ctx, self.chosen, self.cp, self.limit, self.ex = ctx, chosen, cp, limit, ex
        self.left: dict[str, int] = {}
        self.plan: dict[str, int] = {}
        self._lock = threading.Lock()
        self._longest: dict[str, float] = {}  # per kind of item, the longest one has taken so far (seconds)

    # --- the region's lists ----------------------------------------------------------------------

    def listed(self, name: str, fetch: Callable[[], tuple[list, Optional[CallError]]],
               load: Callable[[Any], Any] = lambda item: item, dump: Callable[[Any], Any] = lambda item: item):
        """A region-level list: from the checkpoint, or fetched (and kept unless it ran out of time)."""
        if self.cp is not None and self.cp.has(REGION, name):
            doc = self.cp.load(REGION, name)
            if doc is not None:
                return [load(i) for i in doc["items"]], _error(doc.get("error"))
        if self.limit is not None:
            return [], self.limit
        items, err = fetch()
        if self.cp is not None and not self.cp.save(REGION, name, {"items": [dump(i) for i in items],
                                                                 "error": _dumped(err)}):
            self._unfinished("lists")
        return items, err

    def _unfinished(self, what: str, n: int = 1) -> None:
        with self._lock:
            self.left[what] = self.left.get(what, 0) + n

    def skip(self, kind: str) -> bool:
        """Whether a new item of a kind must not start, since the run stops here and a continuation does the
        rest: once `ctx.stop()` says so, or when what is left before the deadline is less than one and a half
        times the longest item of the kind so far. The reserve is a fixed time, while how long an item takes
        depends on the quota it waits for, so a started item must also be likely to end in time: one that
        runs into the deadline is not kept, and its calls are made again."""
        if self.cp is None:
            return False
        if self.ctx.out_of_time():
            return True
        left = self.ctx.session.retry.remaining()
        return left is not None and left < ITEM_MARGIN * self._longest.get(kind, 0.0)

    def _took(self, kind: str, started: float) -> None:
        took = time.monotonic() - started
        with self._lock:
            self._longest[kind] = max(self._longest.get(kind, 0.0), took)

    # --- the whole region --------------------------------------------------------------------------

    def run(self) -> Collected:
        ctx, chosen, ex = self.ctx, self.chosen, self.ex
        first_pass, the_rest = passes(chosen)
        trails = ex.other.submit(self.listed, "trails", lambda: _trails(ctx), _model(Trail), _wire) \
            if PC in chosen else None
        strategies = ex.dataworks.submit(self.listed, "strategies", lambda: _strategies(ctx), _model(SecurityStrategy),
                                         _wire) if DT in chosen else None
        only = ctx.only  # the watch's objects: a kind it names none of is not even listed
        workspaces, ws_error = self.listed("workspaces", lambda: _workspaces(ctx), _model(Workspace), _wire) \
            if chosen - {PC} and (only is None or only.workspaces) else ([], None)
        names, names_error = self.listed("projects", lambda: _maxcompute_names(ctx)) \
            if CS in chosen and (only is None or only.projects) else ([], None)
        todo = [w for w in workspaces if self.cp is None or not self.cp.has(WORKSPACE, w.id)]
        self.plan = _plan(todo, first_pass + the_rest, [n for n in names if self.cp is None
                                                          or not self.cp.has(PROJECT, n)], len(workspaces), len(names))
        if ctx.planned is not None:
            ctx.planned(self.plan)
        projects = _in_thread(lambda: self.maxcompute(names, names_error), f"maxcompute-{ctx.region}") \
            if CS in chosen else None
        gathered = [Gathered(w) for w in todo]
        first = [ex.dataworks.submit(self.first_pass, g, first_pass) for g in gathered]
        found_ids: dict[str, Any] = {}
        id_thread = self.start_identities(first, workspaces, gathered, first_pass, found_ids) \
            if DP in chosen else None
        rest = [ex.dataworks.submit(self.after, g, the_rest, a) for g, a in zip(gathered, first)]
        for done, _ in enumerate(as_completed(rest), start=1):
            ctx.report(f"{done}/{len(rest)} workspaces")
        fresh = {g.workspace.id: f.result() for g, f in zip(gathered, rest)}
        mc = projects.result() if projects is not None else None
        if id_thread is not None:
            id_thread.join()
            if "error" in found_ids:
                raise found_ids["error"]
        self._unfinished("workspaces", sum(1 for parts in fresh.values() if parts is None))
        if any(n for n in self.left.values()):
            return Collected(None, {k: n for k, n in self.left.items() if n}, self.plan)
        evidence = RegionEvidence(region=ctx.region)
        parts = [fresh[w.id] if w.id in fresh else self.kept_workspace(w) for w in workspaces]
        if CS in chosen:
            mc_blobs, mc_error = mc
            evidence.computing_storage = ComputingStorageEvidence(
                maxcompute_projects=Packed.of_packed(MaxComputeProject, mc_blobs), maxcompute_projects_error=mc_error,
                workspaces_error=ws_error, workspaces=Packed.of_packed(WorkspaceComputeResources, [p[CS] for p in parts]))
        if DT in chosen:
            found, error = strategies.result()
            evidence.data_transmission = DataTransmissionEvidence(
                workspaces=Packed.of_packed(WorkspaceDataSources, [p[DT] for p in parts]),
                workspaces_error=ws_error, security_strategies=found, security_strategies_error=error)
        if DP in chosen:
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
        return Collected(evidence, plan=self.plan)

    # --- workspaces --------------------------------------------------------------------------------

    def first_pass(self, got: Gathered, rows: list[WorkspaceList]) -> bool:
        """The lists every workspace gives first (its compute resources); False when it did not start."""
        ws = got.workspace
        if self.cp is not None and self.cp.has(COMPUTE, ws.id):
            doc = self.cp.load(COMPUTE, ws.id)
            if doc is not None:
                got.lists.update({row.name: _loaded_list(row, doc.get(row.name)) for row in rows})
                return True
        if self.limit is not None or self.skip(COMPUTE):
            return False
        started = time.monotonic()
        gather(self.ctx, got, rows)
        self._took(COMPUTE, started)
        if self.cp is not None:
            self.cp.save(COMPUTE, ws.id, {row.name: _dumped_list(got.lists.get(row.name)) for row in rows})
        return True

    def after(self, got: Gathered, rows: list[WorkspaceList], first: Future) -> Optional[dict[Category, bytes]]:
        """The rest of one workspace, packed per category as soon as it is in (see models/packed.py); None
        when it was left for a continuation."""
        started = first.result()  # submitted earlier to the same queue, so it is running or done: no deadlock
        if self.limit is not None:
            return self.placeholder(got.workspace)
        if not started or self.skip(WORKSPACE):
            return None
        began = time.monotonic()
        gather(self.ctx, got, rows)
        self._took(WORKSPACE, began)
        models = {category: got.evidence(category) for category in WORKSPACE_MODELS if category in self.chosen}
        got.keep_first_pass_only()  # the identity lookups may still read it; everything else is in `models`
        if self.cp is not None and not self.cp.save(WORKSPACE, got.workspace.id, {
                c.value: m.model_dump(mode="json", by_alias=True, exclude_none=True) for c, m in models.items()}):
            return None  # it ran into the deadline: a continuation collects it again
        return {category: pack(model) for category, model in models.items()}

    def kept_workspace(self, ws: Workspace) -> dict[Category, bytes]:
        doc = self.cp.load(WORKSPACE, ws.id) if self.cp is not None else None
        if doc is None:
            return self.placeholder(ws)
        return {c: pack(WORKSPACE_MODELS[c].model_validate(doc[c.value])) for c in WORKSPACE_MODELS
                if c in self.chosen}

    def placeholder(self, ws: Workspace) -> dict[Category, bytes]:
        """A workspace the run could not collect before its limit: every list it has is that error."""
        err = self.limit or CallError(product="dwdiag", operation="Checkpoint", code="CheckpointLost",
                                      message="the workspace's collected evidence could not be read back",
                                      region=self.ctx.region)
        return {c: pack(model(workspace=ws, **{name: err for name in model.model_fields if name.endswith("_error")}))
                for c, model in WORKSPACE_MODELS.items() if c in self.chosen}

    # --- scheduling identities -----------------------------------------------------------------------

    def start_identities(self, first: list[Future], workspaces: list[Workspace], gathered: list[Gathered],
                         rows: list[WorkspaceList], box: dict[str, Any]) -> threading.Thread:
        """A coordinator thread (not a pool worker, so it can wait) that starts the sign-in lookups as
        soon as every workspace's compute resources are known."""
        def run() -> None:
            try:
                if not all(f.result() for f in first) and self.limit is None:
                    self._unfinished("identities")  # some compute resources are unknown: next time
                    return
                fresh = {g.workspace.id: g for g in gathered}
                known = [WorkspaceProduction(workspace=w, **(fresh[w.id].fields(DP, rows) if w.id in fresh
                                                             else self.kept_compute(w, rows)))
                         for w in workspaces]
                box["result"] = self.identities(known)
            except BaseException as exc:  # noqa: BLE001 - handed to the collecting thread, which raises it
                box["error"] = exc

        thread = threading.Thread(target=run, name=f"identities-{self.ctx.region}", daemon=True)
        thread.start()
        return thread

    def kept_compute(self, ws: Workspace, rows: list[WorkspaceList]) -> dict[str, Any]:
        doc = self.cp.load(COMPUTE, ws.id) if self.cp is not None and self.cp.has(COMPUTE, ws.id) else None
        if doc is None:  # a workspace kept whole before its compute resources were: read them from it
            whole = self.cp.load(WORKSPACE, ws.id) if self.cp is not None else None
            part = (whole or {}).get(DP.value) or {}
            return {name: part.get(name) for row in rows for name in (row.name, f"{row.name}_error")
                    if part.get(name) is not None}
        fields: dict[str, Any] = {}
        for row in rows:
            items, err = _loaded_list(row, doc.get(row.name))
            fields[row.name], fields[f"{row.name}_error"] = items, err
        return fields

    def identities(self, known: list[WorkspaceProduction]) -> tuple[Optional[CallError], list[IdentityEvidence]]:
        ids = sorted(scheduling_identities(known))
        if not ids:
            return None, []
        users, err = self.listed("users", lambda: _user_list(self.ctx), _model(RamUser), _wire)
        if err:
            return err, [IdentityEvidence(user_id=uid) for uid in ids]
        by_id = {u.user_id: u for u in users}
        futures = [self.ex.identity.submit(self.identity, uid, by_id.get(uid)) for uid in ids]
        found = [f.result() for f in futures]
        left = sum(1 for ident in found if ident is None)
        if left:
            self._unfinished("identities", left)
        return None, [ident for ident in found if ident is not None]

    def identity(self, uid: str, user: Optional[RamUser]) -> Optional[IdentityEvidence]:
        if self.cp is not None and self.cp.has(IDENTITY, uid):
            doc = self.cp.load(IDENTITY, uid)
            if doc is not None:
                return IdentityEvidence.model_validate(doc)
        if self.limit is not None:
            return IdentityEvidence(user_id=uid, user=user, signin_errors=[self.limit])
        if self.skip(IDENTITY):
            return None
        started = time.monotonic()
        ident = identities.identity(self.ctx, uid, user)
        self._took(IDENTITY, started)
        if self.cp is not None and not self.cp.save(IDENTITY, uid, ident.model_dump(mode="json", exclude_none=True)):
            return None
        return ident

    # --- MaxCompute projects -------------------------------------------------------------------------

    def maxcompute(self, names: list[str], error: Optional[CallError]) -> tuple[list[bytes], Optional[CallError]]:
        futures = [self.ex.maxcompute.submit(self.project, n) for n in names]
        found = [f.result() for f in futures]
        left = sum(1 for blob in found if blob is None)
        if left:
            self._unfinished("projects", left)
        return [blob for blob in found if blob is not None], error

    def project(self, name: str) -> Optional[bytes]:
        if self.cp is not None and self.cp.has(PROJECT, name):
            doc = self.cp.load(PROJECT, name)
            if doc is not None:
                return pack(MaxComputeProject.model_validate(doc))
        if self.limit is not None:
            return pack(MaxComputeProject(name=name, error=self.limit))
        if self.skip(PROJECT):
            return None
        started = time.monotonic()
        project = _maxcompute_project_evidence(self.ctx, name)
        self._took(PROJECT, started)
        if self.cp is not None and not self.cp.save(PROJECT, name, project.model_dump(mode="json", by_alias=True,
                                                                                     exclude_none=True)):
            return None
        return pack(project)


def _plan(todo: list[Workspace], rows: list[WorkspaceList], projects: list[str], workspaces: int,
          all_projects: int) -> dict[str, int]:
    """What is left of the region before its items start, and the calls that takes at least: one per list of
    every workspace left (details come on top: they are known only once the lists are) and one per project."""
    available = sum(1 for w in todo if w.available)
    return {"workspaces": workspaces, "workspaces_left": len(todo), "projects": all_projects,
            "projects_left": len(projects), "dataworks_calls_at_least": available * len(rows),
            "maxcompute_calls_at_least": len(projects)}


def _in_thread(fn: Callable[[], Any], name: str) -> Future:
    """Run a coordinator (it waits on pool work, so it must not take a pool worker) in a thread of its own."""
    result: Future = Future()

    def run() -> None:
        try:
            result.set_result(fn())
        except BaseException as exc:  # noqa: BLE001 - handed to whoever reads the future
            result.set_exception(exc)

    threading.Thread(target=run, name=name, daemon=True).start()
    return result


def _model(model: type) -> Callable[[Any], Any]:
    return model.model_validate


def _wire(item: Any) -> Any:
    return item.model_dump(mode="json", by_alias=True, exclude_none=True)


def _dumped(err: Optional[CallError]) -> Optional[dict]:
    return err.model_dump(mode="json", exclude_none=True) if err is not None else None


def _error(doc: Optional[dict]) -> Optional[CallError]:
    return CallError.model_validate(doc) if doc else None


def _dumped_list(got: Optional[tuple[list, Optional[CallError]]]) -> Optional[dict]:
    if got is None:
        return None
    items, err = got
    return {"items": None if items is None else [_wire(i) for i in items], "error": _dumped(err)}


def _loaded_list(row: WorkspaceList, doc: Optional[dict]) -> tuple[list, Optional[CallError]]:
    if not doc:
        return [], None
    items = doc.get("items")
    return ([] if items is None else [row.model.model_validate(i) for i in items]), _error(doc.get("error"))


def _user_list(ctx: RegionContext) -> tuple[list[RamUser], Optional[CallError]]:
    by_id, err = identities.users(ctx)
    return list(by_id.values()), err


def _workspaces(ctx: RegionContext) -> tuple[list[Workspace], Optional[CallError]]:
    f = ctx.collect("dataworks", "list_projects")
    if f.error:
        return [], f.error
    found, err = parse_list(Workspace, f.data, "dataworks", "ListProjects", ctx.region)
    if ctx.only is not None:
        return [w for w in found if w.id in ctx.only.workspaces], err
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
    if ctx.only is not None:
        return [n for n in names if n in ctx.only.projects], None
    wanted = set(ctx.settings.maxcompute_projects)
    return [n for n in names if not wanted or n in wanted], None


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
    # multi-account trail that covers this account, would not be listed. In a member account the latter
    # is the management account's trail: its TrailArn names that account (models Trail.owner_account).
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
