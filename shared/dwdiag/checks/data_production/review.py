"""Rule of `data_production` about review before deployment (`code_review_enabled`), judged from what
reached production (`deployments`)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from dwdiag.checks import FAIL, MANUAL, NA, PASS, Outcome, error, per_workspace, rule, workspace_obj
from dwdiag.checks.data_production.deployments import NEW, Deployment, deployed_in_window
from dwdiag.models.common import same, window_start_ms
from dwdiag.models.data_production import CodeReview, DataProductionEvidence, WorkspaceProduction


def review_at_deploy(d: Deployment, reviews: list[CodeReview]) -> Optional[CodeReview]:
    """The accepted review of the run that deployed `d`, as it stood when the run ended.

    A review is created for an existing pipeline run (CreateCodeReview takes its PipelineRunId) and names
    the run's root object (ObjectId), not the run: it belongs to a run when it names one of the run's objects
    and was created while the run was open; it counts when it was accepted by the time the run ended."""
    for r in _accepted_of_run(d, reviews):
        if r.review_time and (d.finished_ms is None or r.review_time <= d.finished_ms):
            return r
    return None


def undated_review(d: Deployment, reviews: list[CodeReview]) -> Optional[CodeReview]:
    """An accepted review of the run that carries no ReviewTime: accepted, but when is not known, so it neither
    proves the run was reviewed before it deployed nor that it was not."""
    return next((r for r in _accepted_of_run(d, reviews) if not r.review_time), None)


def _accepted_of_run(d: Deployment, reviews: list[CodeReview]) -> list[CodeReview]:
    return [r for r in reviews
            if r.object_id in d.run_objects and r.create_time is not None and same(r.status, "Accepted")
            and r.create_time >= (d.started_ms or 0)
            and (d.finished_ms is None or r.create_time <= d.finished_ms)]


@rule
def code_review_enabled(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#code_review_enabled."""
    days = settings.deploy_lookback_days
    start = window_start_ms(now, days)
    return per_workspace(ev, "dataworks_workspace", lambda ws: _review(ws, start, days))


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
    undated: set[str] = set()  # an accepted review of the run with no ReviewTime: when it was accepted is unknown
    for task, d in latest.items():
        if d.studio != NEW:
            legacy.add(task)  # no API lists legacy Data Studio reviews
            continue
        review = review_at_deploy(d, ws.code_reviews)
        if review is not None:
            reviewed[task] = str(review.id)
        elif undated_review(d, ws.code_reviews) is not None:
            undated.add(task)
        else:
            unreviewed.add(task)
    tasks = set(reviewed) | unreviewed | legacy | undated
    evidence = {"deployed_tasks": len(tasks), "reviewed": dict(sorted(reviewed.items())),
                "unreviewed": sorted(unreviewed)[:50], "legacy_not_verifiable": sorted(legacy)[:50],
                "accepted_without_review_time": sorted(undated)[:50],
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
    if undated:
        return Outcome(MANUAL, obj, f"Workspace {w.label}: {len(undated)} task(s) deployed in the last {days} days "
                       "have an accepted code review that carries no review time, so whether it was accepted before "
                       "the deployment cannot be told: confirm in the console that 'Force to review code' is on.",
                       evidence)
    if legacy:
        done = f"{len(reviewed)} task(s) deployed through the new Data Studio had accepted reviews; " if reviewed \
            else ""
        return Outcome(MANUAL, obj, f"Workspace {w.label}: {done}{len(legacy)} task(s) deployed through legacy "
                       f"Data Studio packages in the last {days} days cannot be checked, since no API lists "
                       "legacy code reviews: confirm in the console that 'Force to review code' is on.", evidence)
    return Outcome(PASS, obj, f"Every task workspace {w.label} deployed in the last {days} days "
                   f"({len(reviewed)}) had an accepted code review when it was deployed.", evidence)
