"""One contract, two stores: the local folder and OSS (moto's S3 server behind the OSS SDK)."""

from __future__ import annotations

import json
from typing import Any, Optional

import pytest

from dwdiag.store import JSON_CONTENT_TYPE, LocalStore, encode


class LocalHarness:
    """The store plus a view of what it really holds, read around the store (the files)."""

    def __init__(self, root):
        self.root = root
        self.store = LocalStore(root)

    def raw(self, key: str) -> tuple[bytes, Optional[str]]:
        return (self.root / key).read_bytes(), None  # a file has no content type

    def keys(self) -> list[str]:
        return sorted(p.relative_to(self.root).as_posix() for p in self.root.rglob("*") if p.is_file())

    def location(self, key: str) -> str:
        return str(self.root / key)


class OssHarness:
    def __init__(self, store, s3, bucket):
        self.store, self.s3, self.bucket = store, s3, bucket

    def raw(self, key: str) -> tuple[bytes, Optional[str]]:
        obj = self.s3.get_object(Bucket=self.bucket, Key=key)
        return obj["Body"].read(), obj["ContentType"]

    def keys(self) -> list[str]:
        pages = self.s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket)
        return sorted(o["Key"] for page in pages for o in page.get("Contents", []))

    def location(self, key: str) -> str:
        return f"oss://{self.bucket}/{key}"


@pytest.fixture(params=["local", "oss"])
def harness(request, tmp_path):
    if request.param == "local":
        return LocalHarness(tmp_path)
    return OssHarness(request.getfixturevalue("oss_store"), request.getfixturevalue("s3"),
                      request.getfixturevalue("bucket"))


def stored_key(h: Any, key: str) -> str:
    # The OSS store writes under its prefix ("results/"); the local one under its root folder.
    return f"results/{key}" if isinstance(h, OssHarness) else key


DOC = {"run_id": "r-1", "findings": [{"id": "DW-01", "result": "fail", "note": "中文 ok"}]}


def test_write_then_read_round_trips(harness):
    harness.store.write("runs/2026-11-28/r-1/summary.json", DOC)
    assert harness.store.read("runs/2026-11-28/r-1/summary.json") == DOC
    body, _ = harness.raw(stored_key(harness, "runs/2026-11-28/r-1/summary.json"))
    assert body == encode(DOC), "both stores hold the same bytes: UTF-8 JSON, not ASCII-escaped"


def test_a_missing_key_reads_as_none(harness):
    assert harness.store.read("latest/cn-hangzhou/platform_config.json") is None
    assert harness.store.exists("latest/cn-hangzhou/platform_config.json") is False


def test_exists(harness):
    harness.store.write("a/b.json", {"v": 1})
    assert harness.store.exists("a/b.json") is True
    assert harness.store.exists("a") is False, "a folder (a key prefix) is not an object"
    assert harness.store.exists("a/c.json") is False


def test_overwrite_replaces_the_object(harness):
    harness.store.write("a/b.json", {"v": 1, "long": "x" * 100})
    harness.store.write("a/b.json", {"v": 2})
    assert harness.store.read("a/b.json") == {"v": 2}
    assert harness.keys() == [stored_key(harness, "a/b.json")]


def test_keys_are_joined_once_under_the_prefix(harness):
    harness.store.write("/runs//d/x.json", {"v": 1})
    assert harness.keys() == [stored_key(harness, "runs/d/x.json")]
    assert harness.store.read("runs/d/x.json") == {"v": 1}
    for bad in ("../x.json", "runs/../../x.json", "", "/", "./x.json"):
        with pytest.raises(ValueError):
            harness.store.write(bad, {})
    assert harness.keys() == [stored_key(harness, "runs/d/x.json")]


def test_content_type_of_json_and_text(harness):
    harness.store.write("a/doc.json", DOC)
    harness.store.write_text("a/preview.md", "# Title\n\n中文\n", "text/markdown; charset=utf-8")
    body, content_type = harness.raw(stored_key(harness, "a/doc.json"))
    assert json.loads(body.decode("utf-8")) == DOC
    text, text_type = harness.raw(stored_key(harness, "a/preview.md"))
    assert text.decode("utf-8") == "# Title\n\n中文\n"
    if isinstance(harness, OssHarness):
        assert content_type == JSON_CONTENT_TYPE == "application/json; charset=utf-8"
        assert text_type == "text/markdown; charset=utf-8"
    assert harness.store.exists("a/preview.md")


def test_location(harness):
    assert harness.store.location("runs/d/x.json") == harness.location(stored_key(harness, "runs/d/x.json"))


def test_local_write_text_is_atomic(tmp_path, monkeypatch):
    import os

    store = LocalStore(tmp_path)
    store.write_text("a/p.md", "old")

    def fail(*args):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="disk full"):
        store.write_text("a/p.md", "new")
    assert (tmp_path / "a" / "p.md").read_text() == "old"
    assert [p.name for p in (tmp_path / "a").iterdir()] == ["p.md"], "no temporary file is left behind"


def test_list_gives_the_keys_under_a_prefix_in_order(harness):
    for key in ("runs/d/r-2/summary.json", "runs/d/r-1/cn-hangzhou/x/findings.json", "latest/report.html",
                "runs/d/r-1/summary.json"):
        harness.store.write(key, {"k": key})
    assert list(harness.store.list("runs/d/r-1")) == ["runs/d/r-1/cn-hangzhou/x/findings.json",
                                                      "runs/d/r-1/summary.json"]
    assert list(harness.store.list("runs/")) == ["runs/d/r-1/cn-hangzhou/x/findings.json",
                                                 "runs/d/r-1/summary.json", "runs/d/r-2/summary.json"]
    assert list(harness.store.list("runs/d/r-1/summary")) == [], "a prefix is a folder, not the start of a name"
    assert list(harness.store.list("nothing/here")) == []


def test_copy_makes_an_equal_object_under_another_key(harness):
    harness.store.write_text("runs/d/r-1/report.html", "<p>中文</p>", "text/html; charset=utf-8")
    harness.store.copy("runs/d/r-1/report.html", "latest/report.html")
    body, _ = harness.raw(stored_key(harness, "latest/report.html"))
    assert body == "<p>中文</p>".encode()
    assert harness.store.read_bytes("runs/d/r-1/report.html") == body


def test_delete_removes_one_object_and_a_missing_key_is_fine(harness):
    for key in ("alerts/pending/r-1-cn-hangzhou.json", "alerts/pending/r-2-cn-hangzhou.json", "alerts/x.json"):
        harness.store.write(key, {"k": key})
    harness.store.delete("alerts/pending/r-1-cn-hangzhou.json")
    assert harness.store.read("alerts/pending/r-1-cn-hangzhou.json") is None
    assert not harness.store.exists("alerts/pending/r-1-cn-hangzhou.json")
    assert list(harness.store.list("alerts/pending")) == ["alerts/pending/r-2-cn-hangzhou.json"]
    harness.store.delete("alerts/pending/r-1-cn-hangzhou.json")  # again: already gone, no error
    harness.store.delete("never/written.json")
    harness.store.delete("alerts/pending")  # a prefix is not an object: nothing under it goes
    assert harness.keys() == [stored_key(harness, "alerts/pending/r-2-cn-hangzhou.json"),
                              stored_key(harness, "alerts/x.json")]
    for bad in ("../x.json", "alerts/../../x.json", ""):
        with pytest.raises(ValueError):
            harness.store.delete(bad)


def test_oss_delete_is_one_delete_object_under_the_prefix(oss_store, requests_seen):
    oss_store.write("a/b.json", {"v": 1})
    oss_store.delete("a/b.json")
    deletes = [r for r in requests_seen() if r["method"] == "DELETE"]
    assert [r["path"].split("/", 2)[2] for r in deletes] == ["results/a/b.json"]
