"""How long results stay in the store: `DWDIAG_KEEP_DAYS`, applied by `dwdiag prune` and after each run.

What goes once it is older than the cutoff (the day `keep_days` before now; whole days by the date in the key):
- a run's folder, `runs/<date>/<run_id>/` (its parts, documents, report and alert markers),
- its history entry, `history/runs/<run_id>.json` (the report's trend then starts later),
- a watch's records, `watch/runs/<date>/`.

What never goes, whatever its age, because the next run, the watch or a person still reads it:
`latest/` (each place's newest findings), `open/` and the folders of the runs it names (a run still being
collected), `alerts/pending/` (alerts still to be sent), `watch/cursor/`, `cache/`, the older versions'
`history/index.json`, and `remediation/` (the record of what dwdiag changed in the account: delete it with an
OSS lifecycle rule of your own, if at all).

One object that cannot be deleted is counted and named, never the end of the rest. `limit` bounds the
deletions of one pass (a run's own pass after publishing), so a store that was never pruned is brought down
over several runs instead of in one long invocation.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Iterable, Iterator, Optional

from dwdiag.publish import history
from dwdiag.publish.layout import history_entry
from dwdiag.store import Store, StoreError

log = logging.getLogger(__name__)

RUNS, WATCH_RUNS, OPEN = "runs", "watch/runs", "open"
MAX_ERRORS = 10  # failed deletions that end a pass
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_RUN_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})T")


@dataclass
class Pruned:
    """What a pass found older than the cutoff, and what it deleted (nothing in a dry run)."""
    cutoff: str                                         # the first date kept (YYYY-MM-DD)
    dry_run: bool
    runs: list[str] = field(default_factory=list)       # run ids whose folders (and entries) are old
    objects: int = 0                                    # old objects found (deleted, unless a dry run)
    deleted: int = 0
    history: int = 0                                    # of them, history entries
    watch: int = 0                                      # of them, watch records
    kept_open: list[str] = field(default_factory=list)  # old runs kept: still being collected
    errors: list[str] = field(default_factory=list)
    complete: bool = True                               # False: `limit` stopped it; the next pass goes on

    def to_dict(self) -> dict:
        return {"cutoff": self.cutoff, "dry_run": self.dry_run, "runs": len(self.runs), "objects": self.objects,
                "deleted": self.deleted, "history_entries": self.history, "watch_records": self.watch,
                "kept_open": self.kept_open, "errors": self.errors, "complete": self.complete}


def cutoff_date(keep_days: int, now: Optional[datetime] = None) -> str:
    """The first date kept: objects of earlier dates are more than `keep_days` days old."""
    if keep_days < 1:
        raise ValueError(f"keep_days must be at least 1, not {keep_days}")
    now = now or datetime.now(timezone.utc)
    return f"{(now.astimezone(timezone.utc) - timedelta(days=keep_days)):%Y-%m-%d}"


def prune(store: Store, keep_days: int, *, now: Optional[datetime] = None, dry_run: bool = False,
          limit: Optional[int] = None, protect: Iterable[str] = ()) -> Pruned:
    """Delete (or with `dry_run`, count) what is older than `keep_days` days; see the module's note. The runs
    named in `protect` stay whatever their date (the run that has just published, say, dated by evidence
    older than the cutoff)."""
    result = Pruned(cutoff_date(keep_days, now), dry_run)
    open_runs = _open_runs(store, result)
    if open_runs is None:  # which runs are still being collected is unknown: nothing goes
        result.complete = False
        return result
    protected = set(protect)
    old_runs: set[str] = set()
    for key in _dated(store, RUNS, result.cutoff):
        run_id = key.split("/", 3)[2] if key.count("/") >= 2 else ""
        if run_id in protected:
            continue
        if run_id in open_runs:
            if run_id not in result.kept_open:
                result.kept_open.append(run_id)
            continue
        if run_id and run_id not in old_runs:
            old_runs.add(run_id)
            result.runs.append(run_id)
        if not _remove(store, key, result, limit):
            return result
    for run_id in _history(store, result.cutoff):
        if run_id in open_runs | protected:
            continue
        result.history += 1
        if not _remove(store, history_entry(run_id), result, limit):
            return result
    for key in _dated(store, WATCH_RUNS, result.cutoff):
        result.watch += 1
        if not _remove(store, key, result, limit):
            return result
    return result


def _remove(store: Store, key: str, result: Pruned, limit: Optional[int]) -> bool:
    """Count (and unless a dry run, delete) one old object; False once the pass's limit is reached."""
    if limit is not None and result.deleted >= limit and not result.dry_run:
        result.complete = False
        return False
    result.objects += 1
    if result.dry_run:
        return True
    try:
        store.delete(key)
        result.deleted += 1
    except StoreError as exc:
        result.errors.append(f"{key}: {exc}")
        log.warning("could not delete %s: %s", key, exc)
        if len(result.errors) >= MAX_ERRORS:  # a store that refuses this many will refuse the rest (a policy)
            result.errors.append(f"stopped after {MAX_ERRORS} objects could not be deleted: does the role "
                                 "have oss:DeleteObject on the results prefix?")
            result.complete = False
            return False
    return True


def _dated(store: Store, base: str, cutoff: str) -> Iterator[str]:
    """The keys of `base/<date>/...` with a date before the cutoff. Keys list in order, so the listing stops
    at the first date kept; a folder whose name is not a date is not ours to judge and is left."""
    for key in store.list(base + "/"):
        date = key[len(base) + 1:].split("/", 1)[0]
        if not _DATE.match(date):
            continue
        if date >= cutoff:
            return
        yield key


def _history(store: Store, cutoff: str) -> Iterator[str]:
    """The run ids of history entries of runs that started before the cutoff (a run id begins with its start
    time, so the listing stops at the first one kept)."""
    stamp = cutoff.replace("-", "")
    for run_id in history.run_ids(store):
        match = _RUN_DATE.match(run_id)
        if not match:
            continue
        if "".join(match.groups()) >= stamp:
            return
        yield run_id


def _open_runs(store: Store, result: Pruned) -> Optional[set[str]]:
    """The runs the open/ markers name: still being collected, whatever their age. None when a marker cannot
    be read (the run it protects is unknown)."""
    runs: set[str] = set()
    for key in store.list(OPEN + "/"):
        try:
            marker = store.read(key)
        except (ValueError, StoreError) as exc:
            result.errors.append(f"{key}: an open-run marker that cannot be read ({exc}); nothing was pruned "
                                 "(repair or delete the marker)")
            return None
        if isinstance(marker, dict) and isinstance(marker.get("run_id"), str):
            runs.add(marker["run_id"])
    return runs
