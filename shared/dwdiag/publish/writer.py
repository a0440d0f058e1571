"""Write one part of a run into the store, in the order that keeps readers safe.

A part (one invocation's regions and category, or a whole run that was not fanned out) writes only
objects of its own: its expectation if it is not a fanned-out shard (publish/shards.py), each of its
regions and categories' findings and evidence, then (after its alert, in the pipeline) its part record,
then the run-level documents if every expected part has recorded itself (publish/aggregate.py), then its
own `latest/` pointers, so a reader never sees a pointer to a half-written part, and last
`latest/report.html` if it derived the report. Large documents are written a piece at a time.
"""

from __future__ import annotations

import logging
from typing import Any, Iterator, Optional

from pydantic import BaseModel

from dwdiag.models.findings import Category, Finding
from dwdiag.models.packed import Packed
from dwdiag.models.run import RunResult, utcnow
from dwdiag.publish import aggregate, history, layout, shards
from dwdiag.remediation import plan as remediation
from dwdiag.publish.diff import Diff, Diffs
from dwdiag.redact import redact
from dwdiag.store import Store, stream

log = logging.getLogger(__name__)


def prefix_of(result: RunResult) -> str:
    return layout.run_prefix(result.run_id, result.summary.started_at)


def write_run(store: Store, result: RunResult, diffs: Optional[Diffs] = None, *, shard: bool = False) -> list[str]:
    """Write one part (a whole run, unless `shard`: one fanned-out part of it) without alerting: its
    documents, its record, the run-level documents when the run is complete, its latest/ pointers.
    Returns the keys written, in order."""
    diffs = diffs or {}
    written = write_part(store, result, diffs, expect=not shard)
    return written + finish_part(store, result, diffs)


def write_part(store: Store, result: RunResult, diffs: Diffs, *, expect: bool = True) -> list[str]:
    """The part's expectation (unless a fan-out recorded it) and its findings and evidence documents."""
    prefix = prefix_of(result)
    written: list[str] = []
    if expect:
        written += expect_own(store, result)
    for region_ev in result.snapshot.regions:
        region = region_ev.region
        if region not in result.summary.regions:
            continue
        where = layout.place(result.summary.account_id, region)
        for category in result.categories:
            findings = _mine(result, region, category)
            key = layout.category_key(prefix, where, category, layout.FINDINGS)
            store.write_chunks(key, findings_document(result, region, category, findings, diffs.get((region, category))))
            written.append(key)
            evidence = region_ev.for_category(category)
            if evidence is not None:
                key = layout.category_key(prefix, where, category, layout.EVIDENCE)
                store.write_chunks(key, evidence_document(evidence))
                written.append(key)
    return written


def expect_own(store: Store, result: RunResult) -> list[str]:
    """A run that was not fanned out is one part: it expects its own places for each of its categories."""
    prefix = prefix_of(result)
    places = [layout.place(result.summary.account_id, r) for r in result.summary.regions]
    return [shards.expect(store, result.run_id, c.value, places, prefix) for c in result.categories]


def finish_part(store: Store, result: RunResult, diffs: Diffs) -> list[str]:
    """Record the part as finished (its summary as it stands, with the history entries it sees before
    its run), derive the run-level documents if the run is complete, then move the part's latest/
    pointers and, if this part derived the report, latest/report.html."""
    prefix = prefix_of(result)
    summary = result.summary
    summary.finished_at = utcnow()
    seen = history.before(store, result.run_id, summary.started_at.isoformat())
    written = shards.record(store, prefix, summary, finished=True, history=seen)
    if not written:  # a run over no region: nothing to record, its summary says so
        written = [write_summary(store, result)]
    derived = aggregate.derive(store, prefix, own=result)
    written += derived
    for region, category in _cells(result):
        diff = diffs.get((region, category))
        key = layout.latest_key(layout.place(result.summary.account_id, region), category)
        store.write_chunks(key, findings_document(result, region, category, _mine(result, region, category), diff,
                                                  run_path=prefix,
                                                  previous_run_path=diff.previous_run_path if diff else None))
        written.append(key)
    if f"{prefix}/{layout.REPORT}" in derived:
        store.copy(f"{prefix}/{layout.REPORT}", layout.LATEST_REPORT)
        written.append(layout.LATEST_REPORT)
    return written


def record_failure(store: Store, result: RunResult, *, expect: bool) -> list[str]:
    """A part that failed records so (with its summary saying why), and the run's summary is derived if
    every part has recorded itself; the other run-level documents wait for a retry that finishes."""
    prefix = prefix_of(result)
    written = expect_own(store, result) if expect else []
    records = shards.record(store, prefix, result.summary, finished=False)
    if not records:
        return written + [write_summary(store, result)]
    return written + records + aggregate.derive(store, prefix)


def write_summary(store: Store, result: RunResult) -> str:
    key = f"{prefix_of(result)}/{layout.SUMMARY}"
    store.write(key, result.summary.model_dump(mode="json"))
    return key


def _cells(result: RunResult) -> list[tuple[str, Category]]:
    present = {r.region for r in result.snapshot.regions}
    return [(region, category) for region in result.summary.regions if region in present
            for category in result.categories]


def _mine(result: RunResult, region: str, category: Category) -> list[Finding]:
    return [f for f in result.findings if f.region == region and f.category is category]


def findings_document(result: RunResult, region: str, category: Category, findings: list[Finding],
                      diff: Optional[Diff] = None, **extra: Any) -> Iterator[bytes]:
    """A findings document, its findings written one at a time (a region can have 100,000)."""
    head: dict[str, Any] = {
        "run_id": result.run_id,
        **({"account_id": result.account_id} if result.account_id else {}),
        "region": region,
        "category": category.value,
        "evaluated_at": result.summary.evaluated_at.isoformat(),
        **extra,
    }
    if diff is not None:
        current = {x.fingerprint for x in findings}
        head["resolved"] = [dict(f, state="resolved") for f in diff.resolved if f["fingerprint"] not in current]
        head["carried"] = diff.carried
    return stream.object_with_lists(head, {"findings": (remediation.public(f) for f in findings)})


def evidence_document(evidence: BaseModel) -> Iterator[bytes]:
    """One category's evidence as JSON, redacted. A packed list (models/packed.py) is written one
    entry at a time, so a large region's evidence is never all unpacked at once."""
    fields = type(evidence).model_fields
    packed = [name for name in fields if isinstance(getattr(evidence, name), Packed)]
    head = redact(evidence.model_dump(mode="json", by_alias=True, exclude_none=True, exclude=set(packed)))
    return stream.object_with_lists(head, {
        fields[name].alias or name: (redact(item.model_dump(mode="json", by_alias=True, exclude_none=True))
                                     for item in getattr(evidence, name)) for name in packed})
