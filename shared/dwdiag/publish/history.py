"""history/index.json: the counts of the last runs, for the report's trend.

One entry per run id, kept in order of start time, the last KEEP of them. An entry is the sum of its
parts, one per region and category: a repeated run replaces its own parts (so FC retrying a run counts
it once), while the shards of a fanned-out run, one region each under one run id, add theirs.
"""

from __future__ import annotations

import logging
from typing import Any, Optional

from dwdiag.models.findings import RiskLevel, Status
from dwdiag.models.run import RunResult
from dwdiag.models.summary import Counts
from dwdiag.publish.layout import HISTORY as HISTORY_KEY
from dwdiag.store import Store, StoreError

log = logging.getLogger(__name__)
KEEP = 90


def parts_of(result: RunResult) -> dict[str, dict[str, Any]]:
    parts = {}
    for region in result.summary.regions:
        for category in result.categories:
            counts = Counts.of([f for f in result.findings if f.region == region and f.category is category])
            parts[f"{region}/{category.value}"] = {"open_by_risk": counts.open_by_risk, "by_status": counts.by_status}
    return parts


def _total(parts: dict[str, dict[str, Any]], field: str, keys: list[str]) -> dict[str, int]:
    return {k: sum(int(p.get(field, {}).get(k, 0)) for p in parts.values()) for k in keys}


def merge_entry(old: Optional[dict[str, Any]], result: RunResult) -> dict[str, Any]:
    parts = dict((old or {}).get("parts") or {})
    parts.update(parts_of(result))
    started = result.summary.started_at.isoformat()
    if old and old.get("started_at"):
        started = min(started, str(old["started_at"]))  # the shard that started first
    return {
        "run_id": result.run_id, "started_at": started, "source": result.summary.source,
        "categories": sorted({key.split("/", 1)[1] for key in parts}),
        "regions": sorted({key.split("/", 1)[0] for key in parts}),
        "open_by_risk": _total(parts, "open_by_risk", [r.value for r in RiskLevel]),
        "by_status": _total(parts, "by_status", [s.value for s in Status]),
        "parts": parts,
    }


def read_history(store: Store) -> list[dict[str, Any]]:
    try:
        doc = store.read(HISTORY_KEY)
    except (ValueError, StoreError) as exc:
        if isinstance(exc, StoreError) and exc.code != "NotJSON":
            raise
        # A damaged index costs the trend, never the run: start it again.
        log.warning("%s is not readable JSON; starting the run history again", HISTORY_KEY)
        return []
    runs = (doc or {}).get("runs") if isinstance(doc, dict) else None
    return [r for r in runs or [] if isinstance(r, dict) and isinstance(r.get("run_id"), str)]


def update_history(store: Store, result: RunResult) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Writes the index with this run in it; returns the runs kept and this run's entry."""
    runs = read_history(store)
    entry = merge_entry(next((r for r in runs if r["run_id"] == result.run_id), None), result)
    runs = [r for r in runs if r["run_id"] != result.run_id] + [entry]
    runs.sort(key=lambda r: (str(r.get("started_at", "")), r["run_id"]))
    runs = runs[-KEEP:]
    store.write(HISTORY_KEY, {"version": 1, "keep": KEEP, "runs": runs})
    return runs, entry
