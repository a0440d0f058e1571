"""The store layout of spec/architecture.md, and the order it is written in.

runs/<YYYY-MM-DD>/<run_id>/<region>/<category>/{findings.json,evidence.json}
runs/<YYYY-MM-DD>/<run_id>/{findings.ocsf.json,findings.csv}
runs/<YYYY-MM-DD>/<run_id>/summary.json
history/index.json                   the counts of the last runs, for the report's trend
runs/<YYYY-MM-DD>/<run_id>/report.html
latest/<region>/<category>.json      written last, so it never points at a half-written run
latest/report.html                   the very last
"""

from __future__ import annotations

import re
from typing import Any, Iterator, Optional

from pydantic import BaseModel

from dwdiag.diff import Diff
from dwdiag.models.findings import Category, Finding
from dwdiag.models.packed import Packed
from dwdiag.outputs import write_run_outputs
from dwdiag.redact import redact
from dwdiag.report import LATEST_REPORT_KEY, REPORT_NAME, write_run_report
from dwdiag.models.run import RunResult
from dwdiag.store import Store, stream


def run_prefix(result: RunResult) -> str:
    """The run's folder. The date comes from the run id when it has one, so every shard of a
    fanned-out run (started at different moments, maybe across midnight) writes to one folder."""
    stamp = re.match(r"^(\d{4})(\d{2})(\d{2})T", result.run_id)
    date = "-".join(stamp.groups()) if stamp else f"{result.summary.started_at:%Y-%m-%d}"
    return f"runs/{date}/{result.run_id}"


def category_key(result: RunResult, region: str, category: Category, name: str) -> str:
    return f"{run_prefix(result)}/{region}/{category.value}/{name}"


def latest_key(region: str, category: Category) -> str:
    return f"latest/{region}/{category.value}.json"


def _findings_doc(result: RunResult, region: str, category: Category, findings: list[Finding],
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


def publish(store: Store, result: RunResult, diffs: Optional[dict[tuple[str, Category], Diff]] = None) -> list[str]:
    """Write one run; returns the keys written, in order."""
    diffs = diffs or {}
    written: list[str] = []
    parts: list[tuple[str, Category, list[Finding]]] = []
    for region_ev in result.snapshot.regions:
        region = region_ev.region
        if region not in result.summary.regions:
            continue
        for category in result.categories:
            findings = [f for f in result.findings if f.region == region and f.category is category]
            evidence = region_ev.for_category(category)
            key = category_key(result, region, category, "findings.json")
            store.write_chunks(key, _findings_doc(result, region, category, findings, diffs.get((region, category))))
            written.append(key)
            if evidence is not None:
                key = category_key(result, region, category, "evidence.json")
                store.write_chunks(key, evidence_document(evidence))
                written.append(key)
            parts.append((region, category, findings))
    # The same findings for other tools (OCSF) and for spreadsheets (CSV), before the summary marks the run done.
    written += write_run_outputs(store, run_prefix(result), result.findings, result.run_id,
                                 result.summary.evaluated_at)
    key = f"{run_prefix(result)}/summary.json"
    store.write(key, result.summary.model_dump(mode="json"))
    written.append(key)
    report = write_run_report(store, result, run_prefix(result))
    written += report.keys
    for region, category, findings in parts:
        diff = diffs.get((region, category))
        store.write_chunks(latest_key(region, category), _findings_doc(
            result, region, category, findings, diff, run_path=run_prefix(result),
            previous_run_path=diff.previous_run_path if diff else None))
        written.append(latest_key(region, category))
    if report.render is not None:
        report.write(store, LATEST_REPORT_KEY)
        written.append(LATEST_REPORT_KEY)
    return written


def report_key(result: RunResult) -> str:
    return f"{run_prefix(result)}/{REPORT_NAME}"
