"""A fanned-out run: one asynchronous invocation per region writes its part under one run id.

The fan-out records which regions it expects; each shard, once its part is written, records that it
finished, then rewrites the run's summary (one RunSummary adding up every finished shard) and the
run-level OCSF and CSV files from every finished region. A retried shard overwrites its own record.
"""

from __future__ import annotations

from typing import Optional

from dwdiag.models.findings import Finding
from dwdiag.models.run import RunResult
from dwdiag.models.summary import RunSummary
from dwdiag.publish import layout
from dwdiag.publish.writer import prefix_of, write_outputs
from dwdiag.store import Store


def expect(store: Store, run_id: str, category: str, regions: list[str]) -> None:
    """Before fanning out: the regions whose shards make up the run."""
    store.write(layout.shard_manifest(layout.run_prefix(run_id), category),
                {"run_id": run_id, "category": category, "expected": regions})


def status(store: Store, run_id: str, category: str) -> Optional[dict[str, list[str]]]:
    """Which shards of a fanned-out run have finished (for `dwdiag invoke` and the reader of a run)."""
    prefix = layout.run_prefix(run_id)
    manifest = store.read(layout.shard_manifest(prefix, category))
    if manifest is None:
        return None
    expected = list(manifest["expected"])
    finished = [r for r in expected if store.exists(layout.shard_record(prefix, category, r))]
    return {"expected": expected, "finished": finished, "missing": [r for r in expected if r not in finished]}


def finish(store: Store, result: RunResult, category: str) -> Optional[RunSummary]:
    """Record this shard as finished; returns the run's summary over every finished shard (None when
    the run was not fanned out), after rewriting the run-level OCSF and CSV files."""
    prefix = prefix_of(result)
    for region in result.summary.regions:
        store.write(layout.shard_record(prefix, category, region),
                    {"run_id": result.run_id, "region": region, "category": category, "finished": True,
                     "summary": result.summary.model_dump(mode="json")})
    progress = status(store, result.run_id, category)
    if progress is None:
        return None
    parts = []
    for region in progress["finished"]:
        record = store.read(layout.shard_record(prefix, category, region)) or {}
        if record.get("summary"):
            parts.append(RunSummary.model_validate(record["summary"]))
    merged: list[Finding] = []
    for region in progress["finished"]:
        for category_done in result.categories:
            doc = store.read(layout.category_key(prefix, region, category_done, layout.FINDINGS)) or {}
            merged += [Finding.from_dict(f) for f in doc.get("findings", [])]
    write_outputs(store, prefix, merged, result.run_id, result.summary.evaluated_at)
    return RunSummary.combine(parts, progress)
