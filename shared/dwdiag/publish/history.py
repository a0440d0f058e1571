"""The run history behind the report's trend: one object per run, `history/runs/<run_id>.json`.

A run's entry is derived with its other run-level documents (publish/aggregate.py) and has one writer's
bytes: nobody appends to a shared index, so two runs or two parts can never erase each other's entry.
The trend of a run's report is its own entry and the last entries before it. Run ids begin with their
start time, so the listing of history/runs/ is in time order; `history/index.json`, the one index older
versions rewrote, is read as more entries and never written again.
"""

from __future__ import annotations

import logging
from typing import Any, Iterable, Iterator

from dwdiag.models.summary import RunSummary
from dwdiag.publish.layout import HISTORY_RUNS, LEGACY_HISTORY, history_entry
from dwdiag.store import Store, StoreError

log = logging.getLogger(__name__)
KEEP = 90
HISTORY_KEY = LEGACY_HISTORY  # the name older code and tests knew


def entry_of(summary: RunSummary) -> dict[str, Any]:
    """A run's entry: when it started, what it covered, and its counts."""
    return {
        "run_id": summary.run_id, "started_at": summary.started_at.isoformat(), "source": summary.source,
        "categories": sorted(c.value for c in summary.categories), "regions": sorted(summary.regions),
        "open_by_risk": dict(summary.totals.open_by_risk), "by_status": dict(summary.totals.by_status),
    }


def _readable(store: Store, key: str) -> Any:
    try:
        return store.read(key)
    except (ValueError, StoreError) as exc:
        if isinstance(exc, StoreError) and exc.code != "NotJSON":
            raise
        # A damaged entry costs the trend a point, never the run.
        log.warning("%s is not readable JSON; the trend goes without it", key)
        return None


def _valid(entry: Any) -> bool:
    return isinstance(entry, dict) and isinstance(entry.get("run_id"), str)


def run_ids(store: Store) -> Iterator[str]:
    """The run ids that have an entry, in time order (a run id begins with its start time), as listed."""
    base = HISTORY_RUNS + "/"
    for key in store.list(HISTORY_RUNS):
        name = key[len(base):] if key.startswith(base) else ""
        if name.endswith(".json") and "/" not in name:
            yield name[:-len(".json")]


def before(store: Store, run_id: str, started_at: str, keep: int = KEEP - 1) -> list[dict[str, Any]]:
    """The last `keep` entries of runs that started before this one (by run id, which begins with the
    start time; older versions' entries by their start time), oldest first, this run's own left out."""
    ids = list(run_ids(store))
    earlier = [i for i in ids if i < run_id][-keep:] if keep > 0 else []
    entries = {}
    for other in earlier:
        entry = _readable(store, history_entry(other))
        if _valid(entry) and entry["run_id"] == other:
            entries[other] = entry
    for entry in legacy(store):
        if entry["run_id"] not in entries and entry["run_id"] != run_id and \
                str(entry.get("started_at", "")) <= started_at:
            entries[entry["run_id"]] = entry
    return ordered(entries.values())[-keep:] if keep > 0 else []


def legacy(store: Store) -> list[dict[str, Any]]:
    """The entries of history/index.json, the index older versions kept (without their per-part counts)."""
    doc = _readable(store, LEGACY_HISTORY)
    runs = doc.get("runs") if isinstance(doc, dict) else None
    return [{k: v for k, v in r.items() if k != "parts"} for r in runs or [] if _valid(r)]


def ordered(entries: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(entries, key=lambda r: (str(r.get("started_at", "")), r["run_id"]))


def trend(own: dict[str, Any], seen: Iterable[Iterable[dict[str, Any]]]) -> list[dict[str, Any]]:
    """The report's trend: this run's entry and the entries its parts saw before it, the last KEEP of
    them. A run seen by several parts counts once, as the last of them saw it."""
    entries: dict[str, dict[str, Any]] = {}
    for view in seen:
        for entry in view:
            if _valid(entry) and entry["run_id"] != own["run_id"]:
                entries[entry["run_id"]] = entry
    entries[own["run_id"]] = own
    return ordered(entries.values())[-KEEP:]
