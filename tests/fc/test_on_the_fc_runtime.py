"""The handlers end to end on the local Function Compute runtime (dwdiag_emulator.fc): each piece of a run
in its own process with FC's event and context, killed at its timeout, async failures retried as the
template says, the results in moto's OSS. The tenant is a generated one that needs several invocations
at its quotas; the template's timeout and the handler's reserve are scaled down to make that quick.

What is compared is one process's sweep of the same world, without quotas."""

from __future__ import annotations

import json
from collections import Counter
from datetime import datetime, timezone

import boto3
import pytest
from botocore.config import Config

from dwdiag.models.findings import Category
from dwdiag.settings import Settings
from dwdiag_emulator import Emulator
from dwdiag_emulator.fc import KILLED, SUCCEEDED, FcRuntime
from dwdiag_emulator.generate import Sizes, generate_world
from dwdiag import pipeline
from dwdiag.clients import Credentials
from dwdiag.clients.retry import RetryPolicy
from dwdiag.sweep import Sweep

pytestmark = pytest.mark.slow

FUNCTION, CATEGORY = "dwdiag-data-production", "data_production"
SCALE = 0.01          # the template's 900 s runs as 9 s
TIMEOUT = 900 * SCALE
# What happens after collecting (waking the workers, evaluating, writing, queueing the next piece) is CPU
# work that does not shrink with the scale: the deadline keeps 1.5 s of it and the reserve 2.5 s, not the
# 0.3 s and 1.2 s that 30 s and 120 s would scale to.
DEADLINE, RESERVE = TIMEOUT - 1.5, 2.5
QPS = 12              # DataWorks calls per second, the world's quota and the client's rate
WORKERS = 4           # workspaces in flight at once in a region
REGIONS = ["cn-hangzhou", "cn-shanghai"]
WORKSPACES = 30       # per region: about 25 s of calls at QPS, several pieces


def _world(regions: list[str]) -> dict:
    """A tenant whose data-production sweep takes several scaled invocations at QPS. Its "now" is the real
    one: a continued run's age is measured on the real clock."""
    now = datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    world = generate_world(WORKSPACES * len(regions), 4, seed=11, regions=regions, now=now,
                           sizes=Sizes(members=4, data_sources=1, compute_resources=1, deployments=2,
                                       files_per_deployment=1, pipeline_runs=1, identities=4))
    return world  # its one AccessKey pair is also the functions' role (FcRuntime's default)


def _quotas(emu: Emulator) -> None:
    emu.add_quota(name="dataworks-read", product="dataworks", qps=QPS)
    emu.add_quota(name="lookup-events", product="actiontrail", actions=["LookupEvents"], qps=2)


class Tenant:
    """A world served twice: with quotas for the functions, without for the one-process reference."""

    def __init__(self, regions: list[str], moto) -> None:
        self.regions, self.moto = regions, moto
        world = _world(regions)
        self.emu, self.plain = Emulator(world), Emulator(world)
        self.s3 = boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="t",
                               aws_secret_access_key="t", config=Config(s3={"addressing_style": "path"}))
        self.bucket = f"dwdiag-e2e-{len(self.s3.list_buckets()['Buckets'])}"
        self.s3.create_bucket(Bucket=self.bucket)

    def runtime(self, **kw) -> FcRuntime:
        environment = {
            "DWDIAG_ENDPOINT_OSS": self.moto.url, "DWDIAG_WORKERS": str(WORKERS),
            "DWDIAG_QPS_DATAWORKS": str(QPS), "DWDIAG_QPS_ACTIONTRAIL_LOOKUP": "2",
            "DWDIAG_DEADLINE_SECONDS": str(DEADLINE), "DWDIAG_CONTINUATION_RESERVE_SECONDS": str(RESERVE),
        }
        return FcRuntime(self.emu, code="source", time_scale=SCALE, workers=kw.pop("workers", 4),
                         parameters={"OssBucket": self.bucket, "OssRegion": self.regions[0],
                                     "Regions": ",".join(self.regions)},
                         environment=environment, scaled_environment=(), **kw)

    def timer(self, regions: list[str]) -> bytes:
        return json.dumps({"triggerTime": self.emu.world.now, "triggerName": "nightly",
                           "payload": json.dumps({"regions": regions, "alert": False})}).encode()

    def get(self, key: str) -> dict:
        return json.loads(self.s3.get_object(Bucket=self.bucket, Key=f"dwdiag/{key}")["Body"].read())

    def keys(self, prefix: str) -> list[str]:
        got = self.s3.list_objects_v2(Bucket=self.bucket, Prefix=f"dwdiag/{prefix}").get("Contents", [])
        return [o["Key"][len("dwdiag/"):] for o in got]

    def findings(self, run_id: str, region: str) -> dict[str, str]:
        date = f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}"
        doc = self.get(f"runs/{date}/{run_id}/{region}/{CATEGORY}/findings.json")
        return {f["fingerprint"]: f["status"] for f in doc["findings"]}

    def reference(self, region: str) -> dict[str, str]:
        """One process's sweep of the region, as of the timer's moment, with no quota to slow it."""
        settings = Settings(regions=[region])
        with self.plain.running():
            endpoints = {p: {r: self.plain.url(r) for r in self.plain.endpoints}
                         for p in ("dataworks", "maxcompute", "actiontrail", "ram", "sts")}
            s = Sweep(settings, Credentials("AKIDbench", "benchSecret"), endpoints,
                      retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.001, max_attempts=3))
            result = pipeline.run(settings, source="scan", sweep=s, regions=[region],
                                  categories=[Category(CATEGORY)],
                                  now=datetime.fromisoformat(self.emu.world.now.replace("Z", "+00:00")))
        return {f.fingerprint: f.status.value for f in result.findings}

    def repeated(self) -> Counter:
        """Successful calls made more than once with the same parameters (the credential check aside)."""
        seen = Counter((r.region, r.action, tuple(sorted(r.params.items()))) for r in self.emu.requests()
                       if r.status == 200 and r.action != "GetCallerIdentity")
        return Counter({key: n for key, n in seen.items() if n > 1})


@pytest.fixture
def tenant(moto):
    return Tenant(REGIONS[:1], moto)


def _pieces(records):
    """The function's attempts, in the order they started."""
    return sorted((r for r in records if r.function == FUNCTION), key=lambda r: r.start or 0)


def test_a_run_too_long_for_one_invocation_finishes_in_pieces_as_one_process_would(tenant):
    region = tenant.regions[0]
    fc = tenant.runtime()
    with tenant.emu.running(), fc.running():
        fc.invoke(FUNCTION, tenant.timer([region]), asynchronous=True)
        records = fc.drain(timeout=300)
    pieces = _pieces(records)
    assert [(r.outcome, r.attempt) for r in pieces] == [(SUCCEEDED, 0)] * len(pieces), \
        f"no piece failed or was retried: {[(r.outcome, r.error, r.log[-800:]) for r in pieces if r.outcome != SUCCEEDED]}"
    answers = [r.json() for r in pieces]
    assert len(pieces) >= 3, f"the tenant needs several invocations ({len(pieces)})"
    assert all(r.end - r.start <= TIMEOUT for r in pieces), "every piece within its (scaled) timeout"
    assert all(a["continued"] for a in answers[:-1]) and "continued" not in answers[-1]
    assert [a["continuation"] for a in answers[:-1]] == list(range(1, len(pieces))), "each queued the next"
    assert answers[-1]["continuations"] == len(pieces) - 1
    run_id = answers[-1]["run_id"]
    assert {a["run_id"] for a in answers} == {run_id}
    plan = answers[0]["plan"][region]
    assert plan["invocations_at_least"] >= 1 and plan["workspaces"] == WORKSPACES
    found = tenant.findings(run_id, region)
    assert "error" not in found.values(), "nothing cut off by a deadline"
    assert found == tenant.reference(region)
    assert tenant.repeated() == Counter(), "nothing collected twice"
    assert tenant.keys(f"runs/{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}/{run_id}/checkpoint/") == [], "sealed"
    assert tenant.keys("open/") == [], "the run is closed"
    summary = tenant.get(f"runs/{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}/{run_id}/summary.json")
    assert summary["findings"] == len(found)


def test_a_piece_killed_midway_is_retried_by_fc_and_repeats_at_most_the_workspaces_in_flight(tenant):
    region = tenant.regions[0]
    fc = tenant.runtime()
    with tenant.emu.running(), fc.running():
        # The first piece is killed 4 s after it starts (scaled: 400 s), mid-collection.
        fc.kill_after(4.0, function=FUNCTION, attempt=0, times=1)
        fc.invoke(FUNCTION, tenant.timer([region]), asynchronous=True)
        records = fc.drain(timeout=300)
    pieces = _pieces(records)
    killed = [r for r in pieces if r.outcome == KILLED]
    assert len(killed) == 1 and killed[0].attempt == 0
    retried = [r for r in pieces if r.request_id == killed[0].request_id and r.attempt == 1]
    assert len(retried) == 1 and retried[0].outcome == SUCCEEDED, "FC retried the killed attempt, which resumed"
    last = pieces[-1].json()
    found = tenant.findings(last["run_id"], region)
    assert "error" not in found.values() and found == tenant.reference(region)
    twice = tenant.repeated()
    workspaces = {dict(params).get("ProjectId") or dict(params).get("Id") for (_, _, params) in twice}
    assert len(workspaces - {None}) <= WORKERS, f"only the workspaces in flight are fetched again: {twice}"


def test_fanned_out_shards_continue_side_by_side_and_the_last_one_derives_the_run(moto):
    tenant = Tenant(REGIONS, moto)
    fc = tenant.runtime(workers=3)
    with tenant.emu.running(), fc.running():
        parent = fc.invoke(FUNCTION, tenant.timer(REGIONS))  # sync: the fan-out answers at once
        records = fc.drain(timeout=400)
    fanned = parent.json()
    assert fanned["ok"] and set(fanned["fanned_out"]) == set(REGIONS)
    run_id = fanned["run_id"]
    shards = [r for r in records if r.type == "Async"]
    assert [r.outcome for r in shards] == [SUCCEEDED] * len(shards), \
        [(r.outcome, r.error, r.log[-1500:]) for r in shards if r.outcome != SUCCEEDED]
    by_region = Counter(r.json()["regions"][0] if "regions" in r.json() else None for r in shards
                        if "continued" not in r.json())
    assert by_region == Counter(REGIONS), "each shard's last piece published its region"
    assert sum(1 for r in shards if r.json().get("continued")) >= 2, "the shards went on in pieces"
    overlap = [(a, b) for a in shards for b in shards if a is not b and a.start < b.end and b.start < a.end]
    assert overlap, "pieces of the two shards ran at the same time"
    date = f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}"
    summary = tenant.get(f"runs/{date}/{run_id}/summary.json")
    assert sorted(summary["shards"]["finished"]) == sorted(REGIONS) and not summary["shards"]["missing"]
    assert summary["findings"] == sum(len(tenant.findings(run_id, r)) for r in REGIONS)
    assert f"history/runs/{run_id}.json" in tenant.keys("history/runs/")
    ocsf = tenant.get(f"runs/{date}/{run_id}/findings.ocsf.json")
    assert len(ocsf) == summary["findings"]
    for region in REGIONS:
        found = tenant.findings(run_id, region)
        assert "error" not in found.values() and found == tenant.reference(region)
