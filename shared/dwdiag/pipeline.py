"""One run, the same for the command line, the Function Compute handlers, the demo and the benchmark.

    evidence (a live sweep, or a snapshot given)  ->  evaluation, with the waivers
      ->  the diff against the last run and the run written to the store  ->  the alert

Each step is its own layer (dwdiag.sweep, dwdiag.evaluate, dwdiag.publish, dwdiag.alert); this module
only puts them in order. A run with a store is one part of a run (all of it, unless it is a fanned-out
shard): it writes its documents, alerts, then records itself, and whoever finds every part of the run
recorded derives the run's summary and other run-level documents (dwdiag.publish.aggregate). A part that
fails records so in a `finally`, so a run that failed half way still says in the store what it did and
what went wrong.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Optional, Sequence

from dwdiag.alert.deliver import Robots, Send, deliver, deliver_organization
from dwdiag.collectors.checkpoint import Checkpoint, checkpoint_prefix
from dwdiag.errors import UserError
from dwdiag.evaluate import evaluate
from dwdiag.models.common import CallError
from dwdiag.models.findings import Category
from dwdiag.models.run import RunResult, new_run_id, utcnow
from dwdiag.models.snapshot import EvidenceSnapshot
from dwdiag.models.summary import RunSummary
from dwdiag.publish import diff_run, layout, retention
from dwdiag.publish.writer import finish_part, record_failure, write_part
from dwdiag.redact import redact_text
from dwdiag.settings import Settings
from dwdiag.store import Store
from dwdiag.sweep import Sweep, collect
from dwdiag.waivers import Waiver

log = logging.getLogger(__name__)


@dataclass
class Resume:
    """A run that may take several invocations: its sweep is kept in a checkpoint in the store as it goes,
    starts no new item once `stop()` says so, and, when the run may not continue any more, ends what it
    did not collect as the error `limit`."""

    stop: Callable[[], bool]
    limit: Optional[CallError] = None


@dataclass
class Unfinished:
    """A resumable run whose time ran out before its sweep was done: what is left, per region."""

    run_id: str
    left: dict[str, dict[str, int]]
    plan: dict[str, dict[str, float]]


def run(settings: Settings, *, source: str, sweep: Optional[Sweep] = None,
        snapshot: Optional[EvidenceSnapshot] = None, regions: Optional[list[str]] = None,
        categories: Optional[list[Category]] = None, now: Optional[datetime] = None, run_id: Optional[str] = None,
        waivers: Sequence[Waiver] = (), store: Optional[Store] = None, send: Optional[Send | Robots] = None,
        shard: bool = False, progress: Optional[Callable[[str], None]] = None,
        phase: Optional[Callable[[str], None]] = None, resume: Optional[Resume] = None,
        account: Optional[str] = None, unreachable: Optional[CallError] = None,
        accounts: Optional[dict[str, dict]] = None) -> RunResult | Unfinished:
    """A run over `sweep` (collected now) or `snapshot` (judged again). With a `store`, the run is
    compared with the last one there and written (and the store keeps the sweep's evidence cache);
    with `send`, its alerts go out through it. `shard` marks one region of a fanned-out run (whose
    fan-out recorded the regions expected). `phase` is told when each step is done ("collected",
    "evaluated", "published", "alerted"). With `resume` (and a store), the sweep resumes the run's
    checkpoint; when it stops before it is done, the run is `Unfinished` (nothing evaluated or written
    but the checkpoint) and a later call with the same run id and `now` goes on from there. `account` is
    the account swept, when the caller knows it (an organization's member; else the credentials' own,
    asked of STS). An organization run (DWDIAG_ACCOUNTS other than `self`) places each account's regions at
    `<account>/<region>` in the store (publish/layout.py); a single account's run keeps `<region>`. `unreachable`
    says the account cannot be swept at all (its role could not be assumed): nothing is called, and every
    item is that error. `accounts` is what an organization run knows of its accounts, for the summary."""
    if (sweep is None) == (snapshot is None):
        raise ValueError("a run takes either a sweep or a snapshot")
    if resume is not None and (store is None or sweep is None):
        raise ValueError("a resumable run needs a sweep and a store to keep its checkpoint in")
    started = utcnow()
    run_id = run_id or new_run_id(started)
    categories = list(categories or settings.categories)
    timings: dict[str, float] = {}
    result: Optional[RunResult] = None
    failure: Optional[BaseException] = None
    unfinished: Optional[Unfinished] = None
    try:
        clock = time.monotonic()
        if sweep is not None:
            regions = list(regions or settings.regions)
            now = now or started
            account = account or sweep.whoami(regions[0])
            placed = _placed(settings, account)
            swept = collect(sweep, regions=regions, categories=categories, now=now, progress=progress,
                            cache_store=store, account=account, placed=placed,
                            checkpoints=_checkpoints(store, run_id, categories, placed) if resume else None,
                            stop=resume.stop if resume else None,
                            limit=unreachable or (resume.limit if resume else None))
            clock = _lap(timings, "collect", clock, phase, "collected")
            if swept.snapshot is None:
                unfinished = Unfinished(run_id, swept.left, swept.plan)
                return unfinished
            if resume is not None and resume.limit is None and resume.stop():
                # Collected, but inside the reserve: evaluating and publishing a large run may not fit in what
                # is left, and a killed piece would be retried from the start. A fresh piece does it.
                unfinished = Unfinished(run_id, {region: {"publishing": 1} for region in regions}, swept.plan)
                return unfinished
            snapshot = swept.snapshot
        result = evaluate(snapshot, settings, categories=categories, regions=None if sweep else regions, now=now,
                          source=source, run_id=run_id, started_at=started, waivers=waivers)
        if sweep is not None:
            result.summary.calls = dict(sorted(sweep.stats.calls.items()))
            result.summary.throttled = dict(sorted(sweep.stats.throttled.items()))
            result.summary.plan = swept.plan
        result.summary.account_id = _placed(settings, account or snapshot.account_id)
        if accounts:
            result.summary.accounts = dict(accounts)
        clock = _lap(timings, "evaluate", clock, phase, "evaluated")
        if resume is not None and resume.limit is not None and unreachable is None:
            result.summary.problems.append(f"{resume.limit.message}; what was not collected is an error")
        if unreachable is not None:
            result.summary.problems.append(f"account {account}: {unreachable.message}; every item is an error")
        if store is None:
            return result
        write_and_alert(store, result, settings, send, timings=timings, phase=phase, shard=shard)
        if resume is not None:
            for region in regions or []:  # published: the run's checkpoint has served
                _checkpoints(store, run_id, categories, _placed(settings, account))(region).seal()
        return result
    except BaseException as exc:
        failure = exc
        raise
    finally:
        if store is not None and failure is not None:
            _record_failure(store, result, settings, source, run_id, started, regions, categories, now, timings,
                            shard, failure, _placed(settings, account))


def _placed(settings: Settings, account: Optional[str]) -> Optional[str]:
    """The account in the run's places: an organization run's accounts each have their own; a single
    account's run keeps the layout `<region>` (spec/architecture.md's store layout)."""
    return account if settings.accounts != "self" else None


def _checkpoints(store: Store, run_id: str, categories: list[Category],
                 account: Optional[str]) -> Callable[[str], Checkpoint]:
    prefix = layout.run_prefix(run_id)
    return lambda region: Checkpoint(store, checkpoint_prefix(prefix, layout.place(account, region), categories))


def write_and_alert(store: Store, result: RunResult, settings: Settings, send: Optional[Send | Robots] = None, *,
                    timings: Optional[dict[str, float]] = None,
                    phase: Optional[Callable[[str], None]] = None, shard: bool = False) -> list[str]:
    """The back half of a run (or of one fanned-out `shard` of it), for a result already evaluated:
    compare it with the last run in the store, write its documents, alert through `send`, then record
    the part with its summary (alerts and timings included), derive the run-level documents if the run
    is complete, and move its latest/ pointers. Returns the keys written. `send` is this part's robot, or
    its Robots (an organization run's: its accounts' robot, and the default one for the organization's
    digest, sent by whichever part derives the run)."""
    timings = {} if timings is None else timings
    robots = send if isinstance(send, Robots) else Robots(send)
    clock = time.monotonic()
    diffs = diff_run(store, result)
    keys = write_part(store, result, diffs, expect=not shard)
    clock = _lap(timings, "publish", clock, phase, "published")
    if robots.send is not None:
        result.summary.alerts = deliver(store, result, diffs, settings, robots.send, robots.route)
        _lap(timings, "alert", clock, phase, "alerted")
    result.summary.timings = dict(timings)
    keys += finish_part(store, result, diffs)
    prefix = layout.run_prefix(result.run_id, result.summary.started_at)
    derived = f"{prefix}/{layout.REPORT}" in keys  # this part completed the run
    if robots.organization is not None and derived:
        outcome = deliver_organization(store, prefix, settings, robots.organization)
        log.info("the organization's digest of run %s: %s", result.run_id, outcome)
    if derived and settings.keep_days is not None:
        _prune(store, settings.keep_days, result.run_id)
    return keys


PRUNE_PER_RUN = 2000  # deletions a run makes after publishing; a store never pruned shrinks over several runs


def _prune(store: Store, keep_days: int, run_id: str) -> None:
    """DWDIAG_KEEP_DAYS: what is older goes once a run is complete (never that run). It never fails the run."""
    try:
        pruned = retention.prune(store, keep_days, limit=PRUNE_PER_RUN, protect=[run_id])
    except OSError as exc:  # StoreError among them
        log.warning("pruning results older than %d days failed (the run is published): %s", keep_days, exc)
        return
    if pruned.objects or pruned.errors:
        log.info("pruned results older than %d days: %s", keep_days, pruned.to_dict())


def _lap(timings: dict[str, float], name: str, since: float, phase: Optional[Callable[[str], None]],
         done: str) -> float:
    now = time.monotonic()
    timings[name] = round(now - since, 3)
    if phase is not None:
        phase(done)
    return now


def _record_failure(store: Store, result: Optional[RunResult], settings: Settings, source: str, run_id: str,
                    started: datetime, regions: Optional[list[str]], categories: list[Category],
                    now: Optional[datetime], timings: dict[str, float], shard: bool,
                    failure: BaseException, account: Optional[str] = None) -> None:
    """The last word of a part that failed: its record says so (for a run that failed before it had
    findings, a summary that says why), and the run's summary is derived if every part has recorded
    itself."""
    try:
        if result is None:
            failed = RunSummary.build([], run_id=run_id, source=source, started_at=started, finished_at=utcnow(),
                                      evaluated_at=now or started, regions=list(regions or settings.regions),
                                      categories=categories, timings=timings, account_id=account,
                                      problems=[f"the run failed before its findings were written: {_why(failure)}"])
            result = RunResult(run_id=run_id, snapshot=EvidenceSnapshot(collected_at=started, regions=[],
                                                                        account_id=account),
                               findings=[], summary=failed, categories=categories)
        else:
            result.summary.timings = timings
            result.summary.finished_at = utcnow()
            result.summary.problems.append(f"the run failed before it was fully written: {_why(failure)}")
        record_failure(store, result, expect=not shard)
    except Exception:  # noqa: BLE001 - the run's own exception (if any) is the one to raise
        log.exception("could not record the failure of run %s", run_id)


def _why(exc: Optional[BaseException]) -> str:
    """A failure in words that cannot carry a secret: a user error's own message, else the exception's kind."""
    if exc is None:
        return "unknown"
    return redact_text(str(exc)) if isinstance(exc, UserError) else type(exc).__name__
