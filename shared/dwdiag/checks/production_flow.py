"""Rules `code_review_enabled` and `deploy_separation`: judged from what reached production."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from dwdiag.checks import (
    Outcome, available, error, everything, everything_in, failed, in_workspace, rule, workspace_obj,
)
from dwdiag.checks.deployments import Deployment, DeployedInWindow, deployed_in_window, window_start_ms
from dwdiag.models.common import same
from dwdiag.models.data_production import CodeReview, DataProductionEvidence, WorkspaceProduction
from dwdiag.models.findings import Status

PASS, FAIL, ERROR, MANUAL, NA = Status.passed, Status.fail, Status.error, Status.manual, Status.not_applicable
DAY_MS = 86_400_000


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def _reviewed(d: Deployment, reviews: list[CodeReview], lookback_ms: int) -> bool:
    """An accepted review of the task made before the deployment (and not long before it)."""
    ids = {d.task_id, d.node_id} - {None}
    return any(r.object_id in ids and same(r.status, "Accepted")
               and d.time_ms - lookback_ms <= (r.create_time or 0) <= d.time_ms for r in reviews)


@rule("code_review_enabled")
def code_review_enabled(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    if ev.workspaces_error:
        return [error(everything("dataworks_workspace"), ev.workspaces_error, "DataWorks workspaces")]
    start = window_start_ms(now, settings.deploy_lookback_days)
    return [_review(ws, start, settings.deploy_lookback_days) for ws in available(ev.workspaces)]


def _review(ws: WorkspaceProduction, start: int, days: int) -> Outcome:
    w, obj = ws.workspace, workspace_obj(ws.workspace)
    if not w.standard_mode:
        return Outcome(NA, obj, f"Workspace {w.label} is in basic mode, which has no review before deployment.",
                       {"DevEnvironmentEnabled": w.dev_environment_enabled})
    if ws.code_reviews_error:
        return error(obj, ws.code_reviews_error, f"Code review in workspace {w.label}")
    found = deployed_in_window(ws, start)
    tasks: dict[str, bool] = {}
    for d in found.deployments:
        tasks[d.task_id] = tasks.get(d.task_id, False) or _reviewed(d, ws.code_reviews, days * DAY_MS)
    reviewed = sorted(t for t, ok in tasks.items() if ok)
    unreviewed = sorted(t for t, ok in tasks.items() if not ok)
    evidence = {"deployed_tasks": len(tasks), "reviewed": reviewed, "unreviewed": unreviewed[:50],
                "code_reviews_in_evidence": len(ws.code_reviews), "lookback_days": days}
    if found.errors and not unreviewed:
        # Deployments we could not list might lack reviews: only an unreviewed one would be proof.
        return error(obj, found.errors[0], f"Code review in workspace {w.label}", **evidence)
    if not tasks:
        return Outcome(MANUAL, obj, f"Nothing was deployed to production in workspace {w.label} in the last "
                       f"{days} days, and the review switch has no read API: confirm in the console that "
                       "'Force to review code' is on.", evidence)
    if not reviewed:
        return Outcome(FAIL, obj, f"Workspace {w.label} deployed {len(tasks)} task(s) to production in the last "
                       f"{days} days and none had an accepted code review: code review looks off.", evidence)
    if unreviewed:
        return Outcome(FAIL, obj, f"Workspace {w.label}: {len(unreviewed)} of {len(tasks)} task(s) deployed in "
                       f"the last {days} days had no accepted code review, so the review scope does not cover "
                       "every deployed task.", evidence)
    return Outcome(PASS, obj, f"Every task workspace {w.label} deployed in the last {days} days "
                   f"({len(tasks)}) had an accepted code review.", evidence)


@rule("deploy_separation")
def deploy_separation(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    if ev.workspaces_error:
        return [error(everything("dataworks_task"), ev.workspaces_error, "DataWorks workspaces")]
    start = window_start_ms(now, settings.deploy_lookback_days)
    out: list[Outcome] = []
    for ws in available(ev.workspaces):
        found = deployed_in_window(ws, start)
        if found.errors:
            out.append(_listing_error(ws, found))
        by_task: dict[str, list[Deployment]] = {}
        for d in found.deployments:
            by_task.setdefault(d.task_id, []).append(d)
        out.extend(_separation(ws, deployments, settings.deploy_lookback_days)
                   for _, deployments in sorted(by_task.items()))
    return out


def _listing_error(ws: WorkspaceProduction, found: DeployedInWindow) -> Outcome:
    first = found.errors[0]
    more = f" ({len(found.errors) - 1} more failed call(s) in the evidence)" if len(found.errors) > 1 else ""
    return Outcome(ERROR, everything_in("dataworks_task", ws.workspace),
                   failed(first, f"Deployments of workspace {ws.workspace.label}") + more,
                   {"errors": [e.model_dump(exclude_none=True) for e in found.errors]})


def _separation(ws: WorkspaceProduction, deployments: list[Deployment], days: int) -> Outcome:
    first = deployments[0]
    obj = in_workspace("dataworks_task", ws.workspace, first.task_id, first.task_name)
    rows: list[dict[str, Any]] = [
        {"source": d.source, "time": _when(d.time_ms), "deployer": d.deployer, "developer": d.developer,
         "problem": d.problem} for d in sorted(deployments, key=lambda d: d.time_ms, reverse=True)]
    evidence = {"deployments": rows, "lookback_days": days}
    name = f"Task {first.task_name} in workspace {ws.workspace.label}"
    own = [d for d in deployments if d.deployer and d.deployer == d.developer]
    if own:
        return Outcome(FAIL, obj, f"{name} was deployed to production by its own developer ({own[0].deployer}) "
                       f"on {_when(own[0].time_ms)} ({own[0].source}).", evidence)
    unknown = [d for d in deployments if not d.deployer or not d.developer]
    if unknown:
        d = unknown[0]
        why = d.problem or ("the developer is not recorded" if not d.developer else "the deployer is not recorded")
        return Outcome(ERROR, obj, f"{name} was deployed on {_when(d.time_ms)}, but who developed or "
                       f"deployed it is unknown: {why}.", evidence)
    return Outcome(PASS, obj, f"{name} was deployed {len(deployments)} time(s) in the last {days} days, each "
                   "time by someone other than its developer.", evidence)
