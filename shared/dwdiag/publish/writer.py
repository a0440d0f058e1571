"""Write one run into the store, in the order that keeps readers safe.

The run's documents first (each region and category's findings and evidence, then the OCSF and CSV
files, the summary, the history and the HTML report), the `latest/` pointers last, so a reader never
sees a pointer to a half-written run. Large documents are written a piece at a time.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Iterable, Iterator, Optional

from pydantic import BaseModel

from dwdiag.models.findings import Category, Finding
from dwdiag.models.packed import Packed
from dwdiag.models.run import RunResult
from dwdiag.outputs import csv as csv_output
from dwdiag.outputs import ocsf
from dwdiag.publish import layout
from dwdiag.publish.diff import Diff, Diffs
from dwdiag.publish.history import update_history
from dwdiag.redact import redact
from dwdiag import report
from dwdiag.store import Store, stream

log = logging.getLogger(__name__)
# Excel (and WPS) read a CSV without a byte-order mark in the local code page, which garbles Chinese names.
CSV_BOM = "\ufeff"


def prefix_of(result: RunResult) -> str:
    return layout.run_prefix(result.run_id, result.summary.started_at)


def write_run(store: Store, result: RunResult, diffs: Optional[Diffs] = None) -> list[str]:
    """Write one run; returns the keys written, in order."""
    diffs = diffs or {}
    prefix = prefix_of(result)
    written: list[str] = []
    parts: list[tuple[str, Category, list[Finding]]] = []
    for region_ev in result.snapshot.regions:
        region = region_ev.region
        if region not in result.summary.regions:
            continue
        for category in result.categories:
            findings = [f for f in result.findings if f.region == region and f.category is category]
            key = layout.category_key(prefix, region, category, layout.FINDINGS)
            store.write_chunks(key, findings_document(result, region, category, findings, diffs.get((region, category))))
            written.append(key)
            evidence = region_ev.for_category(category)
            if evidence is not None:
                key = layout.category_key(prefix, region, category, layout.EVIDENCE)
                store.write_chunks(key, evidence_document(evidence))
                written.append(key)
            parts.append((region, category, findings))
    # The same findings for other tools (OCSF) and for spreadsheets (CSV), before the summary marks the run done.
    written += write_outputs(store, prefix, result.findings, result.run_id, result.summary.evaluated_at)
    written.append(write_summary(store, result))
    written += write_report(store, result)
    for region, category, findings in parts:
        diff = diffs.get((region, category))
        key = layout.latest_key(region, category)
        store.write_chunks(key, findings_document(result, region, category, findings, diff, run_path=prefix,
                                                  previous_run_path=diff.previous_run_path if diff else None))
        written.append(key)
    report = f"{prefix}/{layout.REPORT}"
    if report in written:
        store.copy(report, layout.LATEST_REPORT)
        written.append(layout.LATEST_REPORT)
    return written


def write_summary(store: Store, result: RunResult) -> str:
    key = f"{prefix_of(result)}/{layout.SUMMARY}"
    store.write(key, result.summary.model_dump(mode="json"))
    return key


def findings_document(result: RunResult, region: str, category: Category, findings: list[Finding],
                      diff: Optional[Diff] = None, **extra: Any) -> Iterator[bytes]:
    """A findings document, its findings written one at a time (a region can have 100,000)."""
    head: dict[str, Any] = {
        "run_id": result.run_id,
        "region": region,
        "category": category.value,
        "evaluated_at": result.summary.evaluated_at.isoformat(),
        **extra,
    }
    if diff is not None:
        current = {x.fingerprint for x in findings}
        head["resolved"] = [dict(f, state="resolved") for f in diff.resolved if f["fingerprint"] not in current]
        head["carried"] = diff.carried
    return stream.object_with_lists(head, {"findings": (f.public() for f in findings)})


def evidence_document(evidence: BaseModel) -> Iterator[bytes]:
    """One category's evidence as JSON, redacted. A packed list (models/packed.py) is written one
    entry at a time, so a large region's evidence is never all unpacked at once."""
    fields = type(evidence).model_fields
    packed = [name for name in fields if isinstance(getattr(evidence, name), Packed)]
    head = redact(evidence.model_dump(mode="json", by_alias=True, exclude_none=True, exclude=set(packed)))
    return stream.object_with_lists(head, {
        fields[name].alias or name: (redact(item.model_dump(mode="json", by_alias=True, exclude_none=True))
                                     for item in getattr(evidence, name)) for name in packed})


def write_outputs(store: Store, prefix: str, findings: list[Finding], run_id: str,
                  evaluated_at: datetime) -> list[str]:
    """findings.ocsf.json and findings.csv in a run folder; returns the keys written."""
    ocsf_key, csv_key = f"{prefix}/{layout.OCSF}", f"{prefix}/{layout.CSV}"
    store.write_chunks(ocsf_key, stream.array(ocsf.event(f, run_id=run_id, evaluated_at=evaluated_at)
                                              for f in findings))
    store.write_chunks(csv_key, _utf8(CSV_BOM, csv_output.lines(findings)), "text/csv; charset=utf-8")
    return [ocsf_key, csv_key]


def _utf8(first: str, lines: Iterable[str]) -> Iterator[bytes]:
    # CSV has no escapes: a lone surrogate from a tenant string becomes "?" rather than invalid UTF-8.
    yield first.encode("utf-8")
    for line in lines:
        yield line.encode("utf-8", "replace")


# --- the HTML report ------------------------------------------------------------------------------

def write_report(store: Store, result: RunResult) -> list[str]:
    """Appends the run to history/index.json, then writes the run's report.html; returns the keys
    written. The report is a view: if it cannot be built, the run is still published without it."""
    prefix = prefix_of(result)
    runs, entry = update_history(store, result)
    written = [layout.HISTORY]
    try:
        history = [{k: v for k, v in r.items() if k != "parts"} for r in runs]
        extra = _other_shards(store, prefix, result, entry)
        parts = report.iter_report_parts(result, history, extra_findings=extra, regions=entry["regions"],
                                         categories=entry["categories"])
    except Exception:  # noqa: BLE001 - the report is a view; it must not keep latest/ from moving on
        log.exception("the HTML report could not be built (run %s)", result.run_id)
        return written
    key = f"{prefix}/{layout.REPORT}"
    try:
        store.write_chunks(key, _encoded(parts), report.HTML_CONTENT_TYPE)
    except _RenderFailed as failed:
        log.error("the HTML report could not be built", exc_info=failed.__cause__)
        return written
    return written + [key]


class _RenderFailed(Exception):
    """Rendering broke while the page was being written (told apart from the store failing)."""


def _encoded(parts: Iterator[str]) -> Iterator[bytes]:
    while True:
        try:
            part = next(parts)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - the report is a view; it must not keep latest/ from moving on
            raise _RenderFailed() from exc
        yield part.encode("utf-8")


def _other_shards(store: Store, prefix: str, result: RunResult, entry: dict[str, Any]) -> list[dict]:
    """Findings the other shards of this run id stored (a fanned-out run: one region per shard)."""
    mine = {f"{r}/{c.value}" for r in result.summary.regions for c in result.categories}
    found: list[dict] = []
    for part in sorted(set(entry.get("parts", {})) - mine):
        doc = store.read(f"{prefix}/{part}/{layout.FINDINGS}")
        found += (doc or {}).get("findings", [])
    return found
