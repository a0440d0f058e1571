"""The local store: the layout of spec/architecture.md, atomic writes, latest/ written last."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from dwdiag.models.findings import Category
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from dwdiag.store import LocalStore, open_store
from dwdiag.publish.writer import write_run
from tests.support.stores import RecordingStore


def test_layout_and_contents(tmp_path, demo):
    result = evaluate(demo, Settings())
    store = RecordingStore(tmp_path)
    write_run(store, result)
    date = f"{result.summary.started_at:%Y-%m-%d}"
    run = tmp_path / "runs" / date / result.run_id
    for region in ("cn-hangzhou", "ap-southeast-1"):
        for category in Category:
            doc = json.loads((run / region / category.value / "findings.json").read_text())
            assert doc["run_id"] == result.run_id and doc["region"] == region
            assert {f["category"] for f in doc["findings"]} <= {category.value}
            assert (run / region / category.value / "evidence.json").exists()
            latest = json.loads((tmp_path / "latest" / region / f"{category.value}.json").read_text())
            assert latest["run_id"] == result.run_id and latest["findings"] == doc["findings"]
    summary = json.loads((run / "summary.json").read_text())
    assert summary["run_id"] == result.run_id and summary["findings"] == len(result.findings)
    first_latest = min(i for i, k in enumerate(store.order) if k.startswith("latest/"))
    assert all(k.startswith("latest/") for k in store.order[first_latest:]), "latest/ is written last"
    assert store.order.index(f"runs/{date}/{result.run_id}/summary.json") < first_latest


def test_saved_evidence_reevaluates_to_the_same_findings(tmp_path, demo):
    from dwdiag.models.snapshot import EvidenceSnapshot

    result = evaluate(demo, Settings())
    write_run(LocalStore(tmp_path), result)
    run = next((tmp_path / "runs").glob("*/*"))
    regions = []
    # The run folder's other folders are its parts' records and its alert markers, not regions.
    for region_dir in sorted(p for p in run.iterdir() if p.is_dir() and p.name not in ("parts", "alerts")):
        region = {"region": region_dir.name}
        for cat in Category:
            region[cat.value] = json.loads((region_dir / cat.value / "evidence.json").read_text())
        regions.append(region)
    again = evaluate(EvidenceSnapshot.model_validate({"collected_at": demo.collected_at, "regions": regions}),
                     Settings())
    assert sorted((f.fingerprint, f.status) for f in again.findings) == \
        sorted((f.fingerprint, f.status) for f in result.findings)


def test_atomic_write_leaves_the_old_file_when_encoding_fails(tmp_path):
    store = LocalStore(tmp_path)
    store.write("a/b.json", {"v": 1})
    with pytest.raises(TypeError):
        store.write("a/b.json", {"v": object()})
    assert store.read("a/b.json") == {"v": 1}
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["b.json"], "no temporary file is left behind"


def test_keys_cannot_escape_the_folder(tmp_path):
    store = LocalStore(tmp_path)
    for key in ("../x.json", "a/../../x.json", ""):
        with pytest.raises(ValueError):
            store.write(key, {})
    assert store.read("missing.json") is None


def test_oss_without_a_region_is_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="DWDIAG_OSS_REGION.*local folder"):
        open_store("oss://bucket/prefix")
    assert isinstance(open_store(os.fspath(tmp_path)), LocalStore)
    assert Path(open_store(str(tmp_path)).location("x.json")).parent == tmp_path
