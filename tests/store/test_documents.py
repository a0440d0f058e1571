"""Findings documents read back as a stream: the head without the findings, the findings one at a time."""

from __future__ import annotations

import json

import pytest

from dwdiag.publish import documents
from dwdiag.publish.diff import _whole, compare, read_previous
from dwdiag.store import LocalStore, StoreError, stream


def _write(store, key, n=3):
    head = {"run_id": "r1", "run_path": "runs/x/r1", "resolved": [{"fingerprint": "old", "status": "fail"}],
            "carried": [], "score": 1.5}
    rows = [{"fingerprint": f"f{i}", "status": "fail" if i == 0 else "pass", "result": "x" * 50,
             "evidence": {"findings": [1, 2], "nested": {"status": "pass", "fingerprint": "not a finding"}}}
            for i in range(n)]
    store.write_chunks(key, stream.object_with_lists(head, {"findings": rows}))
    return head, rows


def test_head_is_every_key_but_the_findings_and_findings_come_one_at_a_time(tmp_path):
    store = LocalStore(tmp_path)
    head, rows = _write(store, "latest/r/c.json")
    assert documents.head(store, "latest/r/c.json") == head
    assert list(documents.findings(store, "latest/r/c.json")) == rows


def test_a_document_written_whole_with_keys_after_the_findings_reads_the_same(tmp_path):
    store = LocalStore(tmp_path)
    store.write("d.json", {"findings": [{"fingerprint": "a", "status": "pass"}], "run_id": "r2"})
    assert documents.head(store, "d.json") == {"run_id": "r2"}
    assert [f["fingerprint"] for f in documents.findings(store, "d.json")] == ["a"]


def test_the_diff_keeps_what_it_compares_and_reads_the_resolved_ones_whole_again(tmp_path):
    store = LocalStore(tmp_path)
    _, rows = _write(store, "latest/r/c.json")
    doc = read_previous(store, "latest/r/c.json")
    assert doc["run_id"] == "r1" and doc["findings"][0] == {"fingerprint": "f0", "status": "fail"}
    assert doc["findings"][1:] == [{"fingerprint": "f1", "status": "pass"}, {"fingerprint": "f2", "status": "pass"}]
    diff = _whole(store, "latest/r/c.json", compare([], doc, "2026-11-28T02:00:00+00:00"))
    assert diff.resolved == [rows[0]], "a fail gone now is resolved, reported as it was written"


def test_missing_and_broken_documents(tmp_path):
    store = LocalStore(tmp_path)
    assert documents.head(store, "none.json") is None and list(documents.findings(store, "none.json")) == []
    with pytest.raises(StoreError, match="is missing although its part finished"):
        list(documents.findings(store, "none.json", missing="is missing although its part finished"))
    (tmp_path / "bad.json").write_text('{"run_id": "r", "findings": [{"fingerprint": ')
    with pytest.raises(StoreError, match="is not JSON") as err:
        list(documents.findings(store, "bad.json"))
    assert err.value.code == "NotJSON"
    (tmp_path / "list.json").write_text(json.dumps([1, 2]))
    with pytest.raises(StoreError, match="not a findings document"):
        documents.head(store, "list.json")


def test_the_oss_store_streams_through_a_spooled_file(oss_store):
    _, rows = _write(oss_store, "latest/r/c.json", n=50)
    assert list(documents.findings(oss_store, "latest/r/c.json")) == rows
    assert oss_store.open("latest/r/none.json") is None
