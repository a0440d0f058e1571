"""What was deployed to production in a window, and by whom: read by `review` and `separation`.

Legacy Data Studio: published packages (ListDeploymentPackages) whose detail targets production
(ToEnvironment 2); deployer = HandlerId, developer = CommitUser of the deployed file version.
New Data Studio: successful pipeline runs with a production Deploy stage; deployer = run Creator,
developer = Creator of the latest Saved snapshot made before the run. See docs/evidence.md#deploy_separation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from dwdiag.models.common import CallError, same
from dwdiag.models.data_production import DeploymentPackage, PipelineRun, WorkspaceProduction

LEGACY, NEW = "legacy", "new"  # which Data Studio deployed it


@dataclass
class Deployment:
    """One task reaching production once."""

    task_id: str
    task_name: str
    time_ms: int  # when it reached production (a run's end, a package's execution)
    deployer: Optional[str]
    developer: Optional[str]
    source: str  # "package <id>" or "pipeline run <id>"
    studio: str = LEGACY
    started_ms: Optional[int] = None  # new Data Studio: the run's CreateTime
    finished_ms: Optional[int] = None  # new Data Studio: the run's ModifyTime, when its last stage ended
    run_objects: frozenset[str] = frozenset()  # new Data Studio: every object the run deployed
    problem: Optional[str] = None  # why the developer or deployer is unknown


@dataclass
class DeployedInWindow:
    deployments: list[Deployment] = field(default_factory=list)
    errors: list[CallError] = field(default_factory=list)  # whole lists or packages that did not load


def deployed_in_window(ws: WorkspaceProduction, start_ms: int) -> DeployedInWindow:
    found = DeployedInWindow()
    for err in (ws.deployment_packages_error, ws.pipeline_runs_error):
        if err is not None:
            found.errors.append(err)
    for package in ws.deployment_packages:
        if package.published and (package.executed_at or 0) >= start_ms:
            _from_package(package, found)
    for run in ws.pipeline_runs:
        if (run.create_time or 0) >= start_ms and run.deployed_to_production:
            _from_run(run, found)
    return found


def _from_package(package: DeploymentPackage, found: DeployedInWindow) -> None:
    if package.detail_error is not None:
        found.errors.append(package.detail_error)
        return
    detail = package.detail
    if detail is None or not detail.targets_production:
        return
    deployer = detail.handler_id or package.executor
    for item in package.items:
        developer, problem = None, None
        if item.versions_error is not None:
            problem = item.versions_error.describe()
        else:
            version = next((v for v in item.versions or [] if v.file_version == item.file_version), None)
            if version is None:
                problem = f"version {item.file_version} of file {item.file_id} is not in ListFileVersions"
            else:
                developer = version.commit_user
        found.deployments.append(Deployment(
            task_id=item.file_id, task_name=f"file {item.file_id}", time_ms=package.executed_at or 0,
            deployer=deployer, developer=developer, source=f"package {package.id}", problem=problem))


def _from_run(run: PipelineRun, found: DeployedInWindow) -> None:
    if run.items_error is not None:
        found.errors.append(run.items_error)
        return
    objects = frozenset(item.id for item in run.items)
    for item in run.items:
        developer, problem = None, None
        if item.snapshots_error is not None:
            problem = item.snapshots_error.describe()
        else:
            saved = [s for s in item.snapshots or []
                     if same(s.type, "Saved") and (s.create_time or 0) <= (run.create_time or 0)]
            if saved:
                developer = max(saved, key=lambda s: s.create_time or 0).creator
            else:
                problem = f"no Saved snapshot of {item.id} before the run"
        found.deployments.append(Deployment(
            task_id=item.id, task_name=item.name or item.id, time_ms=run.modify_time or run.create_time or 0,
            deployer=run.creator, developer=developer, source=f"pipeline run {run.id}", studio=NEW,
            started_ms=run.create_time, finished_ms=run.modify_time, run_objects=objects, problem=problem))
