"""The store layout of spec/architecture.md, and the order it is written in.

runs/<YYYY-MM-DD>/<run_id>/<region>/<category>/{findings.json,evidence.json}
runs/<YYYY-MM-DD>/<run_id>/summary.json
latest/<region>/<category>.json      written last, so it never points at a half-written run
"""

from __future__ import annotations

from typing import Any

from dwdiag.models.findings import Category, Finding
from dwdiag.runner import RunResult
from dwdiag.store import Store


def run_prefix(result: RunResult) -> str:
    return f"runs/{result.summary.started_at:%Y-%m-%d}/{result.run_id}"


def category_key(result: RunResult, region: str, category: Category, name: str) -> str:
    return f"{run_prefix(result)}/{region}/{category.value}/{name}"


def latest_key(region: str, category: Category) -> str:
    return f"latest/{region}/{category.value}.json"


def _findings_doc(result: RunResult, region: str, category: Category, findings: list[Finding]) -> dict[str, Any]:
    return {
        "run_id": result.run_id,
        "region": region,
        "category": category.value,
        "evaluated_at": result.summary.evaluated_at.isoformat(),
        "findings": [f.public() for f in findings],
    }


def publish(store: Store, result: RunResult) -> list[str]:
    """Write one run; returns the keys written, in order."""
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
            store.write(key, _findings_doc(result, region, category, findings))
            written.append(key)
            if evidence is not None:
                key = category_key(result, region, category, "evidence.json")
                store.write(key, evidence.model_dump(mode="json", by_alias=True, exclude_none=True))
                written.append(key)
            parts.append((region, category, findings))
    key = f"{run_prefix(result)}/summary.json"
    store.write(key, result.summary.model_dump(mode="json"))
    written.append(key)
    for region, category, findings in parts:
        doc = _findings_doc(result, region, category, findings)
        doc["run_path"] = run_prefix(result)
        store.write(latest_key(region, category), doc)
        written.append(latest_key(region, category))
    return written
