"""One watch: the write events since the cursor, the objects they name re-checked, latest/ and the alert.

Per region, the events are read from the cursor's time minus the overlap (ActionTrail delivers an event
about ten minutes after its call) to now, and those already seen in the overlap are skipped by event id.
Each event the table knows names an object and the categories it feeds; the objects of one (region,
category) are collected again together, without the evidence cache, and their items judged. Only findings
of those objects replace their namesakes in `latest/<place>/<category>.json` (same fingerprints), so the
next nightly run compares with what the watch saw: a change the watch announced is `existing` then, not
new. The alert is the sweep's, with the events that triggered it named.

What the watch leaves for later stays in its cursor: objects over `watch_max_objects`, or past the
deadline, or whose re-check could not list them (a region-wide error), are re-checked first next time.
A cursor older than `watch_lookback_seconds` is a gap the events cannot cover: the region is swept whole
(dwdiag.pipeline) and the summary says so. The nightly sweep stays, for changes no event shows (a
MaxCompute `setproject` statement, for one).
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator, Optional

from pydantic import BaseModel, Field

from dwdiag.alert.deliver import digest_of, send_once, send_pending
from dwdiag.alert.message import build_message
from dwdiag.collectors.base import Only
from dwdiag.collectors.trail_events import WriteEvents, write_events
from dwdiag.errors import UserError
from dwdiag.evaluate import evaluate
from dwdiag.models.findings import Category, Finding, Status
from dwdiag.models.run import new_run_id, utcnow
from dwdiag.publish import documents, layout
from dwdiag.publish.diff import Diff, compare
from dwdiag.remediation import plan as remediation
from dwdiag.settings import Settings
from dwdiag.store import Store, stream
from dwdiag.sweep import Sweep, collect, quota_rates
from dwdiag.watch.table import PROJECT, RAM_USER, TRAIL, WORKSPACE, Change, table

log = logging.getLogger(__name__)
ISO = "%Y-%m-%dT%H:%M:%SZ"
IDENTITY_ITEM = "schedule_identity_login"


class WatchSummary(BaseModel):
    """What one watch did, written to `watch/runs/<date>/<watch_id>.json` and printed by `dwdiag watch`."""

    watch_id: str
    started_at: datetime
    finished_at: Optional[datetime] = None
    evaluated_at: datetime
    regions: list[str]
    windows: dict[str, list[str]] = Field(default_factory=dict)      # region -> [start, end] read
    events: int = 0                                                 # new write events read
    repeated: int = 0                                               # seen by the watch before (the overlap)
    known: dict[str, int] = Field(default_factory=dict)             # "<service>:<event>" -> count
    unknown: dict[str, int] = Field(default_factory=dict)           # events the table does not know
    triggers: list[str] = Field(default_factory=list)               # the changes, one line each
    rechecked: dict[str, dict[str, dict[str, Any]]] = Field(default_factory=dict)  # region -> category -> what
    changes: dict[str, int] = Field(default_factory=lambda: {"new": 0, "existing": 0, "resolved": 0})
    alerts: dict[str, str] = Field(default_factory=dict)
    calls: dict[str, int] = Field(default_factory=dict)
    throttled: dict[str, int] = Field(default_factory=dict)
    gaps: list[str] = Field(default_factory=list)
    full_sweeps: dict[str, str] = Field(default_factory=dict)       # region -> the run id of its whole sweep
    pending: int = 0                                                # changes left for the next watch
    problems: list[str] = Field(default_factory=list)


@dataclass
class WatchResult:
    summary: WatchSummary
    findings: list[Finding] = field(default_factory=list)  # the re-checked findings


@dataclass
class Scope:
    """The objects of one (region, category) to re-check, and the changes that named them."""

    workspaces: set[str] = field(default_factory=set)
    projects: set[str] = field(default_factory=set)
    users: set[str] = field(default_factory=set)   # RAM user ids (scheduling identities)
    whole: bool = False
    changes: list[Change] = field(default_factory=list)

    def holds(self, f: dict[str, Any]) -> bool:
        """Whether a finding (as stored) is one of the scope's objects."""
        if self.whole:
            return True
        if f.get("workspace_id") and str(f["workspace_id"]) in self.workspaces:
            return True
        if f.get("object_type") == "maxcompute_project" and f.get("object_id") in self.projects:
            return True
        return f.get("item_id") == IDENTITY_ITEM and f.get("object_id") in self.users

    def only(self) -> Optional[Only]:
        return None if self.whole else Only(frozenset(self.workspaces), frozenset(self.projects))

    def described(self) -> dict[str, Any]:
        if self.whole:
            return {"whole": True}
        return {k: sorted(v) for k, v in (("workspaces", self.workspaces), ("maxcompute_projects", self.projects),
                                          ("ram_users", self.users)) if v}


def watch_sweep(settings: Settings, credentials: Any, **kw: Any) -> Sweep:
    """A sweep whose client-side rates are the watch's share of each quota, so the nightly sweep keeps the rest."""
    rates = {family: rate * settings.watch_quota_share for family, rate in quota_rates(settings).items()}
    return Sweep(settings, credentials, rates=rates, **kw)


def watch(settings: Settings, sweep: Sweep, store: Store, send: Optional[Callable[[dict], None]] = None, *,
          now: Optional[datetime] = None, regions: Optional[list[str]] = None,
          given: Optional[list[dict[str, Any]]] = None) -> WatchResult:
    """One watch of `regions`. With `given` (the records an EventBridge trigger delivered), those events are
    re-checked instead of reading ActionTrail; the cursor keeps their ids, so the next watch that reads them
    skips them, and its time stays."""
    if settings.accounts != "self":
        raise UserError("dwdiag watch follows one account (DWDIAG_ACCOUNTS=self); run it in each account, "
                        "or let the nightly organization sweep cover the members")
    started = utcnow()
    now = (now or started).astimezone(timezone.utc).replace(microsecond=0)
    regions = list(regions or settings.regions)
    summary = WatchSummary(watch_id=new_run_id(started), started_at=started, evaluated_at=now, regions=regions)
    events = table(settings)
    cursors = {region: _read_cursor(store, region) for region in regions}
    scopes: dict[tuple[str, Category], Scope] = {}
    advanced: dict[str, dict[str, Any]] = {}
    for region in regions:
        cursor = cursors[region]
        for pending in cursor.get("pending", []):
            _place(scopes, _change(pending), regions)
        if given is not None:
            found = WriteEvents([e for e in given if _home(e, regions) == region])
        else:
            start = _start(cursor, now, settings, summary, region)
            if start is None:  # a gap: this region is swept whole instead
                summary.full_sweeps[region] = _sweep_whole(settings, sweep, store, send, now, region)
                advanced[region] = {"until": now.strftime(ISO), "seen": []}
                continue
            window = [start.strftime(ISO), now.strftime(ISO)]
            summary.windows[region] = window
            found = write_events(sweep.session(region), events.queries(), *window)
        if found.errors:
            summary.problems += [f"{region}: the write events of {e.operation} could not be read ({e.code}: "
                                 f"{e.message}); the cursor stays, and the next watch reads them again"
                                 for e in found.errors]
        seen = cursor.get("seen") if isinstance(cursor.get("seen"), dict) else {}
        now_seen: set[str] = set()  # an event answered twice in one read (on two pages, or by two queries)
        for event in found.events:
            if event["eventId"] in seen or event["eventId"] in now_seen:
                summary.repeated += 1
                continue
            now_seen.add(event["eventId"])
            summary.events += 1
            name = f"{event.get('serviceName')}:{event.get('eventName')}"
            change = events.change(event, region)
            if change is None:
                summary.unknown[name] = summary.unknown.get(name, 0) + 1
                continue
            summary.known[name] = summary.known.get(name, 0) + 1
            summary.triggers.append(f"{region}: {change.describe()}")
            _place(scopes, change, regions)
        # The ids seen, with their times: the next window begins `overlap` before now, so older ones are let go.
        both = {**seen, **{e["eventId"]: str(e.get("eventTime", "")) for e in found.events}}
        if given is not None:
            advanced[region] = {**cursor, "seen": both}
        elif not found.errors:
            overlap = (now - timedelta(seconds=settings.watch_overlap_seconds)).strftime(ISO)
            advanced[region] = {"until": now.strftime(ISO), "seen": {i: t for i, t in both.items() if t >= overlap}}
    result = WatchResult(summary)
    left = _recheck(settings, sweep, store, send, now, scopes, result)
    for region in regions:
        doc = advanced.get(region) or {**cursors[region]}
        doc["pending"] = [_dumped(c) for c in left if _keeper(c, regions) == region]
        store.write(layout.watch_cursor(region), doc)
    summary.pending = len(left)
    summary.calls = dict(sorted(sweep.stats.calls.items()))
    summary.throttled = dict(sorted(sweep.stats.throttled.items()))
    summary.finished_at = utcnow()
    store.write(f"{layout.watch_prefix(summary.watch_id)}.json", summary.model_dump(mode="json"))
    return result


# --- reading the cursor and placing the changes -----------------------------------------------------

def _read_cursor(store: Store, region: str) -> dict[str, Any]:
    doc = store.read(layout.watch_cursor(region))
    return doc if isinstance(doc, dict) else {}


def _start(cursor: dict[str, Any], now: datetime, settings: Settings, summary: WatchSummary,
           region: str) -> Optional[datetime]:
    """Where this watch's window begins; None when the cursor is older than the lookback (a gap)."""
    overlap = timedelta(seconds=settings.watch_overlap_seconds)
    until = _time(cursor.get("until"))
    if until is None:
        return now - overlap  # the first watch: it follows from now; the nightly sweep is the baseline
    if now - until > timedelta(seconds=settings.watch_lookback_seconds):
        summary.gaps.append(f"{region}: no watch since {until.strftime(ISO)}, longer than "
                            f"DWDIAG_WATCH_LOOKBACK_SECONDS "
                            f"({settings.watch_lookback_seconds:.0f} s): the region is swept whole")
        return None
    return min(until, now) - overlap


def _home(event: dict[str, Any], regions: list[str]) -> str:
    """The watched region an event delivered by EventBridge is counted in: its own, else the first (RAM's
    events are kept in cn-hangzhou or ap-southeast-1, whichever regions are watched)."""
    region = str(event.get("acsRegion") or "")
    return region if region in regions else regions[0]


def _keeper(change: Change, regions: list[str]) -> str:
    """The cursor a change left for the next watch waits in: its region's, or the first region's for a
    trail or a RAM user (re-checked in every region)."""
    return regions[0] if change.object in (TRAIL, RAM_USER) or change.region not in regions else change.region


def _time(text: Any) -> Optional[datetime]:
    try:
        return datetime.strptime(str(text), ISO).replace(tzinfo=timezone.utc) if text else None
    except ValueError:
        return None


def _place(scopes: dict[tuple[str, Category], Scope], change: Change, regions: list[str]) -> None:
    """Add a change to the scopes it touches. A trail or a RAM user is not regional: every region's findings
    of it are re-checked. A change in a region the watch does not cover is left to that region's watch."""
    where = regions if change.object in (TRAIL, RAM_USER) else [change.region]
    for region in where:
        if region not in regions:
            continue
        for category in change.categories:
            scope = scopes.setdefault((region, category), Scope())
            scope.changes.append(change)
            if change.object_id is None or change.object == TRAIL:
                scope.whole = True
            elif change.object == WORKSPACE:
                scope.workspaces.add(change.object_id)
            elif change.object == PROJECT:
                scope.projects.add(change.object_id)


def _dumped(change: Change) -> dict[str, Any]:
    return {**change.__dict__, "categories": [c.value for c in change.categories]}


def _change(doc: dict[str, Any]) -> Change:
    return Change(**{**doc, "categories": tuple(Category(c) for c in doc["categories"])})


# --- re-checking ------------------------------------------------------------------------------------

def _recheck(settings: Settings, sweep: Sweep, store: Store, send: Optional[Callable[[dict], None]], now: datetime,
             scopes: dict[tuple[str, Category], Scope], result: WatchResult) -> list[Change]:
    """Re-check each scope within the budget; returns the changes left for the next watch."""
    summary, left, budget = result.summary, [], settings.watch_max_objects
    account = sweep.whoami(sorted(scopes)[0][0]) if scopes else None  # the credentials, checked once
    diffs: dict[str, dict[tuple[str, Category], Diff]] = {}
    merged: dict[str, Counter] = {}  # per region, the open fails by risk of the documents re-written
    for (region, category), scope in sorted(scopes.items(), key=lambda kv: (kv[0][0], kv[0][1].value)):
        _identities(store, region, category, scope)
        size = 1 if scope.whole else len(scope.workspaces) + len(scope.projects) + len(scope.users)
        if size == 0:
            continue  # a RAM user that schedules nothing here
        if size > budget or _out_of_time(sweep):
            left += [c for c in scope.changes if c not in left]
            summary.problems.append(f"{region}/{category.value}: left for the next watch (DWDIAG_WATCH_MAX_OBJECTS "
                                    f"or the deadline)")
            continue
        budget -= size
        found = _judge(settings, sweep, now, region, category, scope, summary, account)
        if found is None:
            left += [c for c in scope.changes if c not in left]
            continue
        diff, open_by_risk = _update_latest(store, region, category, scope, found, now, summary.watch_id)
        diffs.setdefault(region, {})[(region, category)] = diff
        merged.setdefault(region, Counter()).update(open_by_risk)
        result.findings += found
        summary.rechecked.setdefault(region, {})[category.value] = scope.described()
        for key, items in (("new", diff.new), ("existing", diff.existing), ("resolved", diff.resolved)):
            summary.changes[key] += len(items)
    if send is not None:
        _alert(settings, store, send, now, scopes, diffs, merged, result)
    return left


def _identities(store: Store, region: str, category: Category, scope: Scope) -> None:
    """A RAM user's change re-checks it where it schedules: its id and workspaces, from the latest finding."""
    names = {c.object_id for c in scope.changes if c.object == RAM_USER and c.object_id}
    if not names or category is not Category.data_production:
        return
    for f in documents.findings(store, layout.latest_key(region, category)):
        if f.get("item_id") == IDENTITY_ITEM and (f.get("object_name") in names or f.get("object_id") in names):
            scope.users.add(f["object_id"])
            for used in (f.get("evidence") or {}).get("scheduling_for", []):
                scope.workspaces.add(str(used).split("/")[0])


def _out_of_time(sweep: Sweep) -> bool:
    return sweep.deadline is not None and time.monotonic() > sweep.deadline


def _judge(settings: Settings, sweep: Sweep, now: datetime, region: str, category: Category, scope: Scope,
           summary: WatchSummary, account: Optional[str]) -> Optional[list[Finding]]:
    """The scope's objects collected again (no cache) and judged: their findings, or None when the re-check
    could not even list them (an error for every object of the region, `*`, or of a kind, `.../*`, that the
    scope does not hold). An error about one object outside the scope (another identity a workspace
    schedules as) is no reason to drop the scope's own findings."""
    swept = collect(sweep, regions=[region], categories=[category], now=now, only=scope.only(), account=account)
    if swept.snapshot is None:
        summary.problems.append(f"{region}/{category.value}: the re-check did not finish; the next watch repeats it")
        return None
    judged = evaluate(swept.snapshot, settings, categories=[category], now=now, source="watch",
                      run_id=summary.watch_id).findings
    wide = [f for f in judged if f.status is Status.error and (f.object_id == "*" or f.object_id.endswith("/*"))
            and not scope.holds(f.to_dict())]
    if wide:
        summary.problems.append(f"{region}/{category.value}: {wide[0].result} The objects stay as they were; "
                                "the next watch repeats the re-check")
        return None
    return [f for f in judged if scope.holds(f.to_dict())]


def _update_latest(store: Store, region: str, category: Category, scope: Scope, found: list[Finding],
                   now: datetime, watch_id: str) -> tuple[Diff, Counter]:
    """Replace the scope's findings in latest/ with `found`; return the diff and the document's open fails
    by risk. The document is streamed twice (publish/documents.py), never held: once for its head and the
    scope's findings, once to write the others through."""
    key = layout.latest_key(region, category)
    previous = documents.head(store, key) or {"region": region, "category": category.value, "run_id": watch_id,
                                              "evaluated_at": now.isoformat()}
    before = [f for f in documents.findings(store, key) if scope.holds(f)]
    carried = [f for f in previous.get("carried", []) if scope.holds(f)]
    diff = compare(found, {"findings": before, "carried": carried}, now.isoformat())
    fresh = {f.fingerprint for f in found}
    head = {k: v for k, v in previous.items() if k not in ("resolved", "carried", "watched")}
    head["watched"] = {"watch_id": watch_id, "at": now.isoformat(),
                       "events": sorted({c.event_id for c in scope.changes})}
    head["resolved"] = [f for f in previous.get("resolved", []) if not scope.holds(f)] + \
        [dict(f, state="resolved") for f in diff.resolved if f["fingerprint"] not in fresh]
    head["carried"] = [f for f in previous.get("carried", []) if not scope.holds(f)] + diff.carried
    open_by_risk: Counter = Counter()

    def current() -> Iterator[dict[str, Any]]:
        kept = (f for f in documents.findings(store, key) if not scope.holds(f))
        for f in itertools.chain(kept, (remediation.public(f) for f in found)):
            if f.get("status") == Status.fail.value and not f.get("waived"):
                open_by_risk[str(f.get("risk_level"))] += 1
            yield f

    store.write_chunks(key, stream.object_with_lists(head, {"findings": current()}))
    return diff, open_by_risk


def _sweep_whole(settings: Settings, sweep: Sweep, store: Store, send: Optional[Callable[[dict], None]],
                 now: datetime, region: str) -> str:
    from dwdiag import pipeline  # the whole run, as the nightly sweep makes it

    done = pipeline.run(settings, source="watch", sweep=sweep, regions=[region], now=now, store=store, send=send)
    return done.run_id


# --- the alert --------------------------------------------------------------------------------------

def _alert(settings: Settings, store: Store, send: Callable[[dict], None], now: datetime,
           scopes: dict[tuple[str, Category], Scope], diffs: dict[str, dict[tuple[str, Category], Diff]],
           merged: dict[str, Counter], result: WatchResult) -> None:
    summary = result.summary
    summary.alerts.update(send_pending(store, send))
    location = store.location(layout.LATEST_REPORT)
    prefix = layout.watch_prefix(summary.watch_id)
    for region, mine in diffs.items():
        if not any(d.new or d.resolved for d in mine.values()):
            summary.alerts[region] = "unchanged"
            continue
        digest = digest_of(summary.watch_id, region, mine, settings, location,
                           categories=sorted(c.value for (_, c) in mine), open_by_risk=dict(merged[region]),
                           errors=sum(1 for d in mine.values() for f in d.new if f.status is Status.error))
        changes = {c.event_id: c for (r, _), scope in scopes.items() if r == region for c in scope.changes}
        lines = Counter(c.describe() for c in sorted(changes.values(), key=lambda c: (c.when, c.event_name)))
        digest.triggers = [f"{line} ({n} times)" if n > 1 else line for line, n in lines.items()]
        summary.alerts[region] = send_once(store, send, build_message(digest), run_id=summary.watch_id,
                                           where=region, marker=layout.alert_marker(prefix, region))

