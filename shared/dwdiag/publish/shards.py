"""The parts of a run, and which of them have finished.

A part is what one invocation sweeps: its regions and categories (a run that was not fanned out is one
part; a fanned-out run has one part per region). Before anything of the run is written, the run's
expectation is recorded per category (`parts/<category>.json`: the regions that make up the run), by
the fan-out for its shards or by the run itself. Each part writes only objects of its own, and last its
record, named by the first (region, category) it covers (`parts/<category>/<region>.json`; for a shard of
a fanned-out run, its one region): the (region, category) pairs it covers, its RunSummary, whether it
finished, and the history entries it saw before this run. A retried part overwrites its own record.

Whoever finds every expected part settled derives the run-level documents from these records
(publish/aggregate.py); nothing here is ever read, changed and written back.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Optional

from dwdiag.models.run import RunResult
from dwdiag.models.summary import RunSummary
from dwdiag.publish import layout
from dwdiag.store import Store

log = logging.getLogger(__name__)
Cell = tuple[str, str]  # (place, category): place is `<account>/<region>` (publish/layout.py)


def expect(store: Store, run_id: str, category: str, regions: list[str], prefix: Optional[str] = None,
           accounts: Optional[dict[str, dict[str, Any]]] = None) -> str:
    """Record the places whose parts make up the run for `category` (the fan-out, before it fans out;
    a run that is not fanned out, before it writes), and, for an organization run, what is known of its
    accounts (those left out included) for the run's summary. Returns the key written."""
    key = layout.expectation_key(prefix or layout.run_prefix(run_id), category)
    doc: dict[str, Any] = {"run_id": run_id, "category": category, "expected": list(regions)}
    if accounts:
        doc["accounts"] = accounts
    store.write(key, doc)
    return key


def cells_of(regions: list[str], categories: list[str]) -> list[Cell]:
    """A part's (region, category) pairs in the order it sweeps and evaluates them."""
    return [(r, c) for r in regions for c in categories]


def lead_of(cells: list[Cell]) -> str:
    region, category = cells[0]
    return f"{category}/{region}"


def record(store: Store, prefix: str, summary: RunSummary, *, finished: bool,
           history: Optional[list[dict[str, Any]]] = None) -> list[str]:
    """Record a part: one object, named by the first (region, category) it covers. Returns the key
    written (none for a part that covers nothing)."""
    cells = cells_of(places_of(summary), [c.value for c in summary.categories])
    if not cells:
        return []
    region, category = cells[0]
    key = layout.part_record(prefix, category, region)
    store.write(key, {"run_id": summary.run_id, "part": lead_of(cells), "finished": finished,
                      "cells": [list(c) for c in cells], "summary": summary.model_dump(mode="json"),
                      "history": list(history or [])})
    return [key]


@dataclass
class Part:
    """One part as its record tells it; `lead` is its first (region, category) as "category/region"."""

    lead: str
    cells: list[Cell]
    finished: bool
    summary: RunSummary
    history: list[dict[str, Any]]


@dataclass
class State:
    """What the parts of a run have recorded: the expected (region, category) cells, the parts that
    recorded them (in order of their first region and category) and the bytes read, to tell whether
    anything changed since."""

    expected: list[Cell]
    accounts: dict[str, dict[str, Any]] = field(default_factory=dict)  # an organization run's, as expected
    parts: list[Part] = field(default_factory=list)
    missing: list[Cell] = field(default_factory=list)
    raw: dict[str, Optional[bytes]] = field(default_factory=dict)

    @property
    def settled(self) -> bool:
        """Every expected part has recorded itself, finished or failed."""
        return bool(self.expected) and not self.missing

    @property
    def finished(self) -> bool:
        return self.settled and all(p.finished for p in self.parts)

    def progress(self) -> dict[str, list[str]]:
        """Which regions are expected, finished and missing (the `shards` of a fanned-out summary)."""
        done = {c for p in self.parts if p.finished for c in p.cells}
        failed = {c for p in self.parts if not p.finished for c in p.cells}
        regions = list(dict.fromkeys(r for r, _ in sorted(self.expected)))
        out = {"expected": regions,
               "finished": [r for r in regions if all(c in done for c in self.expected if c[0] == r)],
               "missing": [r for r in regions if any(c in self.missing for c in self.expected if c[0] == r)]}
        if failed:
            out["failed"] = [r for r in regions if any(c in failed for c in self.expected if c[0] == r)]
        return out


def _read(store: Store, key: str, raw: dict[str, Optional[bytes]]) -> Optional[dict[str, Any]]:
    """One record or expectation (its bytes kept in `raw`, to tell later whether anything changed)."""
    body = store.read_bytes(key)
    raw[key] = body
    if body is None:
        return None
    try:
        doc = json.loads(body)
    except ValueError:
        log.warning("%s is not JSON; its part counts as not recorded", store.location(key))
        return None
    return doc if isinstance(doc, dict) else None


def read_state(store: Store, prefix: str) -> State:
    """The run's expectations and part records, as stored now. A (region, category) recorded by more
    than one part (a part that ran again with other regions) counts as the newest record's."""
    raw: dict[str, Optional[bytes]] = {}
    base = f"{prefix}/{layout.PARTS}/"
    expectations, records = [], []
    for key in store.list(f"{prefix}/{layout.PARTS}"):
        rest = key[len(base):] if key.startswith(base) and key.endswith(".json") else ""
        (expectations if rest.count("/") == 0 else records).append(key)
    expected: list[Cell] = []
    accounts: dict[str, dict[str, Any]] = {}
    for key in expectations:
        category = key[len(base):-len(".json")]
        doc = _read(store, key, raw) or {}
        expected += [(r, category) for r in doc.get("expected") or [] if isinstance(r, str)]
        if isinstance(doc.get("accounts"), dict):
            accounts.update({k: v for k, v in doc["accounts"].items() if isinstance(v, dict)})
    state = State(expected=sorted(set(expected)), accounts=dict(sorted(accounts.items())), raw=raw)
    parts = [p for p in (_part(store, prefix, key, raw) for key in records) if p is not None]
    chosen: dict[str, Part] = {}
    for cell in state.expected:
        covering = [p for p in parts if cell in p.cells]
        if not covering:
            state.missing.append(cell)
            continue
        newest = max(covering, key=lambda p: (p.summary.finished_at, _lead_order(p.lead)))
        chosen[newest.lead] = newest
    state.parts = [chosen[k] for k in sorted(chosen, key=_lead_order)]
    return state


def _lead_order(lead: str) -> tuple[str, str]:
    category, _, region = lead.partition("/")
    return region, category


def _part(store: Store, prefix: str, key: str, raw: dict[str, Optional[bytes]]) -> Optional[Part]:
    doc = _read(store, key, raw)
    lead = doc.get("part") if doc else None
    if not isinstance(lead, str) or not isinstance(doc.get("summary"), dict):
        return None
    category, _, region = lead.partition("/")
    if key != layout.part_record(prefix, category, region):
        return None  # not where its part's record belongs
    try:
        summary = RunSummary.model_validate(doc["summary"])
    except ValueError:
        log.warning("the record of part %s does not hold a run summary", lead)
        return None
    cells = [(str(c[0]), str(c[1])) for c in doc.get("cells") or [] if isinstance(c, list) and len(c) == 2]
    history = [h for h in doc.get("history") or [] if isinstance(h, dict)]
    return Part(lead=lead, cells=cells, finished=doc.get("finished") is True, summary=summary, history=history)


def status(store: Store, run_id: str, category: Optional[str] = None) -> Optional[dict[str, list[str]]]:
    """Which regions of a run have finished (for `dwdiag invoke` and a reader of a run); None when the
    run recorded no expectation."""
    state = read_state(store, layout.run_prefix(run_id))
    if category is not None:
        state.expected = [c for c in state.expected if c[1] == category]
        state.missing = [c for c in state.missing if c[1] == category]
    if not state.expected:
        return None
    return state.progress()


def places_of(summary: RunSummary) -> list[str]:
    return [layout.place(summary.account_id, r) for r in summary.regions]


def own_cells(result: RunResult) -> list[Cell]:
    return cells_of(places_of(result.summary), [c.value for c in result.categories])
