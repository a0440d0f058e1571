"""An organization run on the local Function Compute runtime: the timer's invocation lists the Resource
Directory's members and queues one asynchronous invocation per (account, region); each assumes its
member's role (or, for the scanning account, uses its own) and the last to finish derives the run. The
members are the emulated organization of dwdiag_emulator/worlds/organization.yaml; results go to moto's OSS."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from importlib import resources

import boto3
import pytest
import yaml
from botocore.config import Config

from dwdiag_emulator import Emulator
from dwdiag_emulator.fc import SUCCEEDED, FcRuntime

pytestmark = pytest.mark.slow

FUNCTION = "dwdiag-data-production"
WORLD = resources.files("dwdiag_emulator.worlds").joinpath("organization.yaml")
MGMT, PROD, ANALYTICS, SANDBOX, NEW = ("5000000000000001", "5000000000000011", "5000000000000012",
                                       "5000000000000013", "5000000000000014")
REGIONS = ["cn-hangzhou", "cn-shanghai"]


def test_the_timer_fans_out_one_piece_per_account_and_region_and_one_run_comes_of_it(moto):
    # The run's age is judged on the real clock (DWDIAG_MAX_RUN_AGE_SECONDS): the world's "now" is today.
    world = yaml.safe_load(WORLD.read_text())
    world["now"] = datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    emu = Emulator(world)
    s3 = boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="t",
                      aws_secret_access_key="t", config=Config(s3={"addressing_style": "path"}))
    bucket = f"dwdiag-org-{len(s3.list_buckets()['Buckets'])}"
    s3.create_bucket(Bucket=bucket)
    fc = FcRuntime(emu, code="source", workers=4,
                   parameters={"OssBucket": bucket, "OssRegion": REGIONS[0], "Regions": ",".join(REGIONS)},
                   environment={"DWDIAG_ENDPOINT_OSS": moto.url})
    timer = json.dumps({"triggerTime": emu.world.now, "triggerName": "nightly", "payload": json.dumps(
        {"regions": REGIONS, "accounts": "resource-directory", "alert": False})}).encode()
    with emu.running(), fc.running():
        parent = fc.invoke(FUNCTION, timer)
        records = fc.drain(timeout=300)

    fanned = parent.json()
    places = {f"{a}/{r}" for a in (MGMT, PROD, ANALYTICS, SANDBOX) for r in REGIONS}
    assert fanned["ok"] and set(fanned["fanned_out"]) == places, fanned
    assert [o["place"] for o in fanned["order"]][:1] and NEW in fanned["left_out"]
    pieces = [r for r in records if r.type == "Async"]
    assert [r.outcome for r in pieces] == [SUCCEEDED] * len(places), \
        [(r.outcome, r.error, r.log[-1500:]) for r in pieces if r.outcome != SUCCEEDED]
    answers = [r.json() for r in pieces]
    assert {(a["account"], a["regions"][0]) for a in answers} == {tuple(p.split("/")) for p in places}

    run_id = fanned["run_id"]
    date = f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}"

    def get(key: str) -> dict:
        return json.loads(s3.get_object(Bucket=bucket, Key=f"dwdiag/{key}")["Body"].read())

    summary = get(f"runs/{date}/{run_id}/summary.json")
    assert sorted(summary["shards"]["finished"]) == sorted(places) and not summary["shards"]["missing"]
    assert summary["accounts"][NEW]["swept"] == "no" and summary["accounts"][PROD]["name"] == "prod-data"
    assert summary["accounts"][SANDBOX]["swept"].startswith("no: its role could not be assumed")
    refused = get(f"runs/{date}/{run_id}/{SANDBOX}/cn-hangzhou/data_production/findings.json")["findings"]
    assert refused and {f["status"] for f in refused} == {"error"}
    prod = get(f"runs/{date}/{run_id}/{PROD}/cn-hangzhou/data_production/findings.json")["findings"]
    assert any(f["item_id"] == "workspace_admin_count" and f["status"] == "fail" for f in prod), \
        [(f["item_id"], f["status"], f["result"][:150]) for f in prod]
    events = get(f"runs/{date}/{run_id}/findings.ocsf.json")
    assert {e["cloud"]["account"]["uid"] for e in events} == {MGMT, PROD, ANALYTICS, SANDBOX}
    assumed = [r for r in emu.requests("*") if r.action == "AssumeRole"]
    assert {r.params["RoleSessionName"] for r in assumed} == {f"dwdiag-{run_id}"}
