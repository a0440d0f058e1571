"""The evidence cache's file: what a run stores is what the next run reads, and damage costs only calls."""

from __future__ import annotations

import gzip
import json

from dwdiag.collectors.cache import HEADER, EvidenceCache, cache_key
from dwdiag.store import LocalStore


def test_what_a_run_used_is_what_the_next_run_reads(tmp_path):
    first = EvidenceCache()
    first.put("package", "100/7", {"Deployment": {"CreatorId": "200"}, "DeployedItems": [{"FileId": 9}]})
    first.put("versions", "100/9", [{"FileVersion": 2, "CommitUser": "u\ud800x"}])  # a lone surrogate
    store = LocalStore(tmp_path)
    store.write_bytes(cache_key("cn-hangzhou"), first.to_bytes())

    second = EvidenceCache.load(store.read_bytes(cache_key("cn-hangzhou")))
    assert second.get("versions", "100/9") == [{"FileVersion": 2, "CommitUser": "u\ud800x"}]
    assert second.get("package", "100/7")["DeployedItems"] == [{"FileId": 9}]
    assert second.get("package", "100/8") is None


def test_entries_a_run_did_not_use_are_not_saved_again():
    old = EvidenceCache()
    old.put("package", "kept", {"a": 1})
    old.put("package", "gone", {"a": 2})
    run = EvidenceCache.load(old.to_bytes())
    assert run.get("package", "kept") == {"a": 1}
    run.put("package", "new", {"a": 3})
    after = EvidenceCache.load(run.to_bytes())
    assert (after.get("package", "kept"), after.get("package", "new"), after.get("package", "gone")) == \
        ({"a": 1}, {"a": 3}, None)


def test_the_file_is_gzip_json_lines_a_person_can_read():
    cache = EvidenceCache()
    cache.put("snapshots", "1/2/3", [{"Id": "s1"}])
    lines = gzip.decompress(cache.to_bytes()).decode().splitlines()
    assert lines[0].encode() == HEADER
    name, value = lines[1].split("\t")
    assert (json.loads(name), json.loads(value)) == ("snapshots|1/2/3", [{"Id": "s1"}])


def test_a_truncated_file_keeps_its_whole_entries_and_drops_the_rest():
    cache = EvidenceCache()
    for i in range(3000):
        cache.put("versions", f"ws/{i}", [{"FileVersion": i, "CommitUser": f"user-{i:06d}-" + "x" * 40}])
    body = cache.to_bytes()
    damaged = EvidenceCache.load(body[: len(body) // 2])
    assert 0 < len([i for i in range(3000) if damaged.get("versions", f"ws/{i}") is not None]) < 3000
    assert damaged.get("versions", "ws/0") == [{"FileVersion": 0, "CommitUser": "user-000000-" + "x" * 40}]


def test_anything_else_in_its_place_means_an_empty_cache():
    assert EvidenceCache.load(b"not gzip at all").get("package", "x") is None
    assert EvidenceCache.load(gzip.compress(b'{"version": 2, "entries": {}}\n')).get("package", "x") is None
    assert EvidenceCache.load(None).get("package", "x") is None
    bad_line = gzip.compress(HEADER + b"\n" + b"no tab here\n" + b'"package|y"\t{"b":1}\n')
    assert EvidenceCache.load(bad_line).get("package", "y") == {"b": 1}
