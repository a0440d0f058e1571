"""Rule of `data_production` about separation of duties at deployment (`deploy_separation`): no task
reaches production deployed by its own developer, judged from what reached production (`deployments`)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from dwdiag.checks import (
    ERROR, FAIL, MANUAL, NA, PASS, Outcome, error, everything_in, failed, in_workspace, per_workspace, rule,
)
from dwdiag.checks.data_production.deployments import NEW, Deployment, DeployedInWindow, deployed_in_window
from dwdiag.models.common import window_start_ms
from dwdiag.models.data_production import DataProductionEvidence, WorkspaceProduction


def _when(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, tz=timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


@rule
def deploy_separation(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#deploy_separation."""
    days = settings.deploy_lookback_days
    start = window_start_ms(now, days)
    return per_workspace(ev, "dataworks_task", lambda ws: _deployments(ws, start, days))


def _deployments(ws: WorkspaceProduction, start: int, days: int) -> list[Outcome]:
    """One result per task deployed in the window, after an `error` for deployments that could not be read."""
    if ws.workspace.dev_environment_enabled is False:
        return [Outcome(NA, everything_in("dataworks_task", ws.workspace),
                        f"Workspace {ws.workspace.label} is in basic mode: it has no separate deployment "
                        "to production to check.", {"DevEnvironmentEnabled": False})]
    found = deployed_in_window(ws, start)
    out = [_listing_error(ws, found)] if found.errors else []
    by_task: dict[str, list[Deployment]] = {}
    for d in found.deployments:
        by_task.setdefault(d.task_id, []).append(d)
    out.extend(_separation(ws, deployments, days) for _, deployments in sorted(by_task.items()))
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
