"""The real layout writer into both stores: the objects, their JSON, and latest/ written last."""

from __future__ import annotations

import json

import pytest

from dwdiag.cli import demo_snapshot
from dwdiag.models.findings import Category
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag.publish.writer import write_run
from tests.support.stores import Recording
from dwdiag.remediation import plan


@pytest.fixture(scope="module")
def result():
    return evaluate(demo_snapshot(), Settings())


def _decode(key, body):
    # The run folder also holds text files for people and other tools (findings.csv); the rest is JSON.
    return json.loads(body) if key.endswith(".json") else body.decode("utf-8")


def _objects_local(root):
    return {p.relative_to(root).as_posix(): _decode(p.name, p.read_bytes()) for p in root.rglob("*") if p.is_file()}


def _objects_oss(s3, bucket, prefix):
    pages = s3.get_paginator("list_objects_v2").paginate(Bucket=bucket)
    keys = [o["Key"] for page in pages for o in page.get("Contents", [])]
    assert all(k.startswith(prefix) for k in keys)
    out = {}
    for key in keys:
        obj = s3.get_object(Bucket=bucket, Key=key)
        if key.endswith(".json"):
            assert obj["ContentType"] == "application/json; charset=utf-8", key
        out[key[len(prefix):]] = _decode(key, obj["Body"].read())
    return out


@pytest.fixture(params=["local", "oss"])
def published(request, tmp_path, result):
    if request.param == "local":
        store = Recording(LocalStore(tmp_path))
        written = write_run(store, result)
        return store, written, _objects_local(tmp_path), None
    s3, bucket = request.getfixturevalue("s3"), request.getfixturevalue("bucket")
    seen = request.getfixturevalue("requests_seen")
    store = Recording(request.getfixturevalue("oss_store"))
    written = write_run(store, result)
    return store, written, _objects_oss(s3, bucket, "results/"), seen()


def test_objects_and_contents(published, result):
    store, written, objects, _ = published
    run = f"runs/{result.summary.started_at:%Y-%m-%d}/{result.run_id}"
    assert sorted(objects) == sorted(written) == sorted(store.order)
    account = result.account_id
    assert account, "the demo snapshot names its account; a single account's run keeps the layout <region>"
    for region in ("cn-hangzhou", "ap-southeast-1"):
        for category in Category:
            doc = objects[f"{run}/{region}/{category.value}/findings.json"]
            assert doc["run_id"] == result.run_id and doc["region"] == region and doc["account_id"] == account
            mine = [plan.public(f) for f in result.findings if f.region == region and f.category is category]
            assert doc["findings"] == mine and all(f["account_id"] == account for f in mine)
            fails = [f for f in mine if f["status"] == "fail"]
            assert all(f["remediation"]["steps"] for f in fails), "every fail is written with its plan"
            assert not [f for f in mine if f["status"] != "fail" and "remediation" in f]
            assert f"{run}/{region}/{category.value}/evidence.json" in objects
            latest = objects[f"latest/{region}/{category.value}.json"]
            assert latest["run_id"] == result.run_id and latest["run_path"] == run
            assert latest["findings"] == doc["findings"]
    summary = objects[f"{run}/summary.json"]
    assert summary["run_id"] == result.run_id and summary["findings"] == len(result.findings)


def test_latest_pointers_are_written_after_the_run(published, result):
    store, _, _, seen = published
    first_latest = min(i for i, k in enumerate(store.order) if k.startswith("latest/"))
    assert first_latest > 0 and all(k.startswith("latest/") for k in store.order[first_latest:])
    assert all(k.startswith(("runs/", "history/")) for k in store.order[:first_latest])
    assert store.order.index(f"runs/{result.summary.started_at:%Y-%m-%d}/{result.run_id}/summary.json") \
        < first_latest
    if seen is not None:
        # The server saw the PUTs in the same order: each write finished before the next began.
        puts = [r["path"].split("/results/", 1)[1] for r in seen if r["method"] == "PUT"]
        assert puts == store.order


@pytest.mark.slow
def test_a_repeated_run_overwrites_its_own_objects(tmp_path, result, request):
    for store, list_keys in ((LocalStore(tmp_path), lambda: sorted(_objects_local(tmp_path))),
                             (request.getfixturevalue("oss_store"),
                              lambda: sorted(_objects_oss(request.getfixturevalue("s3"),
                                                          request.getfixturevalue("bucket"), "results/")))):
        first = write_run(store, result)
        before = list_keys()
        assert write_run(store, result) == first
        assert list_keys() == before == sorted(first)
