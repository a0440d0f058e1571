"""Rules `code_review_enabled` and `deploy_separation`: judged from what reached production."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Optional

from dwdiag.checks import (
    Outcome, available, error, everything, everything_in, failed, in_workspace, rule, workspace_obj,
)
from dwdiag.checks.deployments import NEW, Deployment, DeployedInWindow, deployed_in_window
from dwdiag.models.common import same, window_start_ms
from dwdiag.models.data_production import CodeReview, DataProductionEvidence, WorkspaceProduction
from dwdiag.models.findings import Status

PASS, FAIL, ERROR, MANUAL, NA = Status.passed, Status.fail, Status.error, Status.manual, Status.not_applicable


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def review_at_deploy(d: Deployment, reviews: list[CodeReview]) -> Optional[CodeReview]:
    """The accepted review of the run that deployed `d`, as it stood when the run ended.

    A review is created for an existing pipeline run (CreateCodeReview takes its PipelineRunId) and names
    the run's root object (ObjectId), not the run: it belongs to a run when it names one of the run's objects
    and was created while the run was open; it counts when it was accepted by the time the run ended."""
    for r in reviews:
        if r.object_id not in d.run_objects or r.create_time is None or not same(r.status, "Accepted"):
            continue
        approved = r.review_time or r.modify_time
        if r.create_time < (d.started_ms or 0) or approved is None:
            continue
        if d.finished_ms is not None and (r.create_time > d.finished_ms or approved > d.finished_ms):
            continue
        return r
    return None


@rule("code_review_enabled")
def code_review_enabled(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#code_review_enabled."""
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
    latest: dict[str, Deployment] = {}  # the latest deployment of each task says how it is deployed now
    for d in found.deployments:
        if d.task_id not in latest or d.time_ms > latest[d.task_id].time_ms:
            latest[d.task_id] = d
    reviewed: dict[str, str] = {}  # task -> the review that covered its latest deployment
    unreviewed: set[str] = set()
    legacy: set[str] = set()
    for task, d in latest.items():
        if d.studio != NEW:
            legacy.add(task)  # no API lists legacy Data Studio reviews
            continue
        review = review_at_deploy(d, ws.code_reviews)
        if review is None:
            unreviewed.add(task)
        else:
            reviewed[task] = str(review.id)
    tasks = set(reviewed) | unreviewed | legacy
    evidence = {"deployed_tasks": len(tasks), "reviewed": dict(sorted(reviewed.items())),
                "unreviewed": sorted(unreviewed)[:50], "legacy_not_verifiable": sorted(legacy)[:50],
                "code_reviews_in_evidence": len(ws.code_reviews), "lookback_days": days}
    if found.errors and not unreviewed:
        # Deployments we could not list might lack reviews: only an unreviewed one would be proof.
        return error(obj, found.errors[0], f"Code review in workspace {w.label}", **evidence)
    if not tasks:
        return Outcome(MANUAL, obj, f"Nothing was deployed to production in workspace {w.label} in the last "
                       f"{days} days, and the review switch has no read API: confirm in the console that "
                       "'Force to review code' is on.", evidence)
    if unreviewed:
        if not reviewed:
            return Outcome(FAIL, obj, f"Workspace {w.label} deployed {len(unreviewed)} task(s) to production through "
                           f"the new Data Studio in the last {days} days and none had an accepted code review "
                           "when it was deployed: code review looks off.", evidence)
        return Outcome(FAIL, obj, f"Workspace {w.label}: {len(unreviewed)} of {len(unreviewed) + len(reviewed)} "
                       f"task(s) deployed through the new Data Studio in the last {days} days had no accepted "
                       "code review when deployed, so the review scope does not cover every deployed task.",
                       evidence)
    if legacy:
        done = f"{len(reviewed)} task(s) deployed through the new Data Studio had accepted reviews; " if reviewed \
            else ""
        return Outcome(MANUAL, obj, f"Workspace {w.label}: {done}{len(legacy)} task(s) deployed through legacy "
                       f"Data Studio packages in the last {days} days cannot be checked, since no API lists "
                       "legacy code reviews: confirm in the console that 'Force to review code' is on.", evidence)
    return Outcome(PASS, obj, f"Every task workspace {w.label} deployed in the last {days} days "
                   f"({len(reviewed)}) had an accepted code review when it was deployed.", evidence)


@rule("deploy_separation")
def deploy_separation(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#deploy_separation."""
    if ev.workspaces_error:
        return [error(everything("dataworks_task"), ev.workspaces_error, "DataWorks workspaces")]
    start = window_start_ms(now, settings.deploy_lookback_days)
    out: list[Outcome] = []
    for ws in available(ev.workspaces):
        if ws.workspace.dev_environment_enabled is False:
            out.append(Outcome(NA, everything_in("dataworks_task", ws.workspace),
                               f"Workspace {ws.workspace.label} is in basic mode: it has no separate deployment "
                               "to production to check.", {"DevEnvironmentEnabled": False}))
            continue
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


def _comparable(d: Deployment, ws: WorkspaceProduction) -> bool:
    """Whether the deployer and developer ids are known to be the same kind of id.

    ListSnapshots documents its Creator as the submitter's employee ID, the pipeline run's Creator as
    the creator of the run; both being member UserIds of the workspace shows they are DataWorks user ids."""
    if d.studio != NEW:
        return True  # HandlerId and CommitUser are both documented as Alibaba Cloud account ids
    members = {m.user_id for m in ws.members}
    return d.deployer in members and d.developer in members


def _separation(ws: WorkspaceProduction, deployments: list[Deployment], days: int) -> Outcome:
    first = deployments[0]
    obj = in_workspace("dataworks_task", ws.workspace, first.task_id, first.task_name)
    rows: list[dict[str, Any]] = [
        {"source": d.source, "time": _when(d.time_ms), "deployer": d.deployer, "developer": d.developer,
         "problem": d.problem} for d in sorted(deployments, key=lambda d: d.time_ms, reverse=True)]
    evidence: dict[str, Any] = {"deployments": rows, "lookback_days": days}
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
    unsure = [d for d in deployments if not _comparable(d, ws)]
    if unsure and ws.members_error:
        return error(obj, ws.members_error, f"Whether {name} was deployed by its developer", **evidence)
    if unsure:
        d = unsure[0]
        evidence["member_ids_checked"] = True
        return Outcome(MANUAL, obj, f"{name} was deployed by {d.deployer} ({d.source}) and last saved by "
                       f"{d.developer}, but these ids are not both members of the workspace, so they cannot be "
                       "shown to be the same kind of id (ListSnapshots documents its Creator as an employee ID): "
                       "check in the console who developed and who deployed it.", evidence)
    return Outcome(PASS, obj, f"{name} was deployed {len(deployments)} time(s) in the last {days} days, each "
                   "time by someone other than its developer.", evidence)
