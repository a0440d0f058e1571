"""The parts of one fanned-out run finishing at the same moment. A barrier inside the store holds each part
until the other has read what it reads, so both decide on the same state before either writes; the store
must then hold what a sequential finish leaves. (Runs whose alerts fail together: tests/alert/test_pending.py.)"""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from dwdiag.cli import demo_snapshot
from dwdiag.evaluate import evaluate
from dwdiag.models.findings import Category
from dwdiag.pipeline import write_and_alert
from dwdiag.publish import aggregate, layout, shards
from dwdiag.publish.writer import prefix_of, write_run
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from tests.support.stores import Gated, in_threads

RUN_ID = "20261128T010000Z-f4n0ut"
STARTED = datetime(2026, 11, 28, 1, 0, 5, tzinfo=timezone.utc)
FINISHED = datetime(2026, 11, 28, 1, 9, 0, tzinfo=timezone.utc)
REGIONS = ["cn-hangzhou", "ap-southeast-1"]
RUN_LEVEL = ("summary.json", "findings.ocsf.json", "findings.csv", "report.html")


@pytest.fixture(scope="module")
def snapshot():
    return demo_snapshot()


@pytest.fixture(autouse=True)
def fixed_finish(monkeypatch):
    """A part records the moment it finished; fixed, so two executions can be compared byte for byte."""
    import dwdiag.publish.writer as writer

    monkeypatch.setattr(writer, "utcnow", lambda: FINISHED)


def part(snapshot, region: str, run_id: str = RUN_ID, started: datetime = STARTED):
    return evaluate(snapshot, Settings(), run_id=run_id, started_at=started, regions=[region],
                    categories=[Category.data_production])


def stores(request, tmp_path):
    """(the store the parts race on, the store they finish in one after the other): folders, or two
    buckets of moto's OSS."""
    if request.param == "local":
        return LocalStore(tmp_path / "raced"), LocalStore(tmp_path / "sequential")
    from dwdiag.store.oss import OssStore
    from tests.support.oss import REGION, STS

    server, _ = request.getfixturevalue("moto_server")
    s3 = request.getfixturevalue("s3")
    names = [f"{request.getfixturevalue('bucket')}-{n}" for n in ("raced", "sequential")]
    for name in names:
        s3.create_bucket(Bucket=name)
    return tuple(OssStore(name, "results/", region=REGION, endpoint=server.url, credentials=STS) for name in names)


@pytest.fixture(params=["local", "oss"])
def two_stores(request, tmp_path):
    return stores(request, tmp_path)


def everything(store) -> dict[str, bytes]:
    return {key: store.read_bytes(key) for key in store.list("")}


def without_timings(record: bytes) -> dict:
    doc = json.loads(record)
    if "summary" in doc:
        doc["summary"].pop("timings")
    return doc


@pytest.mark.slow
def test_two_parts_finishing_in_the_same_instant_leave_what_a_sequential_finish_leaves(snapshot, two_stores):
    raced, sequential = two_stores
    one, two = (part(snapshot, r) for r in REGIONS)
    prefix = prefix_of(one)
    # Both records are written before either part reads the run's state, and both have read it (and
    # found the run complete) before either writes a run-level document.
    lead = lambda key: key.startswith(f"{prefix}/parts/data_production/")  # noqa: E731
    gated = Gated(raced, 2, after=lead, before=lambda key: key.rsplit("/", 1)[-1] in RUN_LEVEL)
    shards.expect(raced, RUN_ID, "data_production", REGIONS)
    in_threads(*(lambda r=r: write_and_alert(gated, r, Settings(), shard=True) for r in (one, two)))

    derived = [(who, key) for who, key in gated.writes if key == f"{prefix}/summary.json"]
    assert len({who for who, _ in derived}) == 2, "both parts found the run complete and derived it"

    shards.expect(sequential, RUN_ID, "data_production", REGIONS)
    for r in (part(snapshot, REGIONS[0]), part(snapshot, REGIONS[1])):
        write_and_alert(sequential, r, Settings(), shard=True)
    got, want = everything(raced), everything(sequential)
    assert sorted(got) == sorted(want)
    for key in [f"{prefix}/{name}" for name in RUN_LEVEL] + [layout.history_entry(RUN_ID), layout.LATEST_REPORT]:
        assert got[key] == want[key], f"{key} differs from a sequential finish"
    records = f"{prefix}/{layout.PARTS}/"
    assert {k: v for k, v in got.items() if not k.startswith(records)} == \
        {k: v for k, v in want.items() if not k.startswith(records)}
    assert {k: without_timings(v) for k, v in got.items() if k.startswith(records)} == \
        {k: without_timings(v) for k, v in want.items() if k.startswith(records)}, "the records differ only in timings"

    summary = raced.read(f"{prefix}/summary.json")
    assert summary["regions"] == sorted(REGIONS) and summary["findings"] == len(one.findings) + len(two.findings)
    assert summary["shards"] == {"expected": sorted(REGIONS), "finished": sorted(REGIONS), "missing": []}
    entry = raced.read(layout.history_entry(RUN_ID))
    assert entry["by_status"] == {k: one.summary.totals.by_status[k] + two.summary.totals.by_status[k]
                                  for k in one.summary.totals.by_status}
    ocsf = raced.read(f"{prefix}/findings.ocsf.json")
    assert [e["finding_info"]["uid"] for e in ocsf] == \
        [f.fingerprint for r in sorted((one, two), key=lambda r: r.summary.regions) for f in r.findings]


def test_a_part_that_finds_the_run_incomplete_writes_nothing_run_level(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    one = part(snapshot, REGIONS[0])
    shards.expect(store, RUN_ID, "data_production", REGIONS)
    written = write_run(store, one, shard=True)
    assert not [k for k in written if k.rsplit("/", 1)[-1] in RUN_LEVEL or k.startswith("history/")
                or k == layout.LATEST_REPORT]
    assert shards.status(store, RUN_ID, "data_production") == {
        "expected": sorted(REGIONS), "finished": ["cn-hangzhou"], "missing": ["ap-southeast-1"]}


def test_a_deriver_reads_the_parts_again_and_derives_again_when_a_part_recorded_itself_anew(tmp_path, snapshot):
    """A part retried by FC records itself again while another part derives the run from its first
    record: the deriver sees the change after writing and derives again, so the last summary written is
    that of the last records."""
    store = LocalStore(tmp_path)
    one, two = (part(snapshot, r) for r in REGIONS)
    prefix = prefix_of(one)
    shards.expect(store, RUN_ID, "data_production", REGIONS)
    write_run(store, two, shard=True)
    retried = part(snapshot, REGIONS[1])
    retried.summary.problems.append("the retry's own words")

    class RetryMeanwhile(Gated):
        """Just before `one` writes the summary it derived from the first records, the retried part
        records itself and derives the run, all of it: `one`'s summary would be the stale last word."""

        def write(self, key, data):
            if key == f"{prefix}/summary.json" and not getattr(self, "retried", False):
                self.retried = True
                write_run(self.inner, retried, shard=True)
                assert "ap-southeast-1: the retry's own words" in self.inner.read(key)["problems"]
            super().write(key, data)

    write_run(RetryMeanwhile(store, 1), one, shard=True)
    assert "ap-southeast-1: the retry's own words" in store.read(f"{prefix}/summary.json")["problems"]


def test_the_deriver_s_own_findings_from_memory_give_the_bytes_read_back_from_the_store(tmp_path, snapshot):
    store = LocalStore(tmp_path)
    result = evaluate(snapshot, Settings(), run_id=RUN_ID, started_at=STARTED)
    write_run(store, result)
    prefix = prefix_of(result)
    before = everything(store)
    written = aggregate.derive(store, prefix)  # a deriver with no part of its own reads every document
    assert sorted(written) == sorted([f"{prefix}/{n}" for n in RUN_LEVEL] + [layout.history_entry(RUN_ID)])
    assert everything(store) == before


def test_a_failed_part_leaves_a_summary_that_says_so_and_nothing_else_run_level(tmp_path, snapshot):
    from dwdiag.publish.writer import record_failure

    store = LocalStore(tmp_path)
    one, two = (part(snapshot, r) for r in REGIONS)
    prefix = prefix_of(one)
    shards.expect(store, RUN_ID, "data_production", REGIONS)
    write_run(store, one, shard=True)
    two.summary.problems.append("the run failed before it was fully written: StoreError")
    record_failure(store, two, expect=False)
    summary = store.read(f"{prefix}/summary.json")
    assert "ap-southeast-1: the run failed before it was fully written: StoreError" in summary["problems"]
    assert summary["shards"]["failed"] == ["ap-southeast-1"]
    assert not store.exists(f"{prefix}/report.html") and not store.exists(layout.history_entry(RUN_ID))
    write_run(store, part(snapshot, REGIONS[1]), shard=True)  # FC's retry of the failed part
    assert store.exists(f"{prefix}/report.html") and store.exists(layout.history_entry(RUN_ID))
    assert "failed" not in store.read(f"{prefix}/summary.json")["shards"]
