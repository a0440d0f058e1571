"""scripts/bench --fc --organization: a generated Resource Directory swept as one run on the local FC runtime.

The organization: a management account with a small tenant of its own and N member accounts, each with
its own generated tenant (the first at the bench's size, each next one half the one before), its own
quotas (the emulator keeps quotas per account and region, as Alibaba Cloud does) and the member role
`dwdiag-scanner` trusting the management account. One category's function is invoked by a timer event
naming `"accounts": "resource-directory"`: that invocation lists the members and queues one asynchronous
invocation per (account, region), each of which enters its member's role and sweeps on, continuing
itself as a single-account run does, and the last to finish derives the run's summary.json.

Quotas are per account and region, so the pieces of different accounts do not share any: the run should
last about as long as its largest piece, not as long as all of them one after another. The report sets
the wall time (from the timer's invocation to the run's summary.json naming every place finished)
against the largest piece's quota bound and against the sum of them.

Time is scaled as in `scripts/bench --fc` (bench_lib/fc.py): the quotas are `1/scale` times the real ones,
FC's durations `scale` times.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from typing import Any, Optional

from dwdiag_emulator.generate import Sizes, generate_world
from scripts.bench_lib import fc as fc_bench
from scripts.bench_lib.minimum import minimum_calls

MANAGEMENT = "5100000000000001"
MEMBER_ROLE = "dwdiag-scanner"
# Credential checks, not sweeping: every piece (and each continuation) asks who it is and enters its
# member's role afresh, with the same parameters (the session is named after the run).
CREDENTIAL_CALLS = ("GetCallerIdentity", "AssumeRole")
# The calls each category's collectors make (collectors/region.py and workspace.py: the lists each
# category's workspace model needs, and the region-level ones); every piece also asks STS who it is.
CATEGORY_CALLS = {
    "computing_storage": {"dataworks:ListProjects", "dataworks:ListComputeResources", "dataworks:ListCalcEngines",
                          "maxcompute:ListProjects", "maxcompute:GetProject"},
    "data_transmission": {"dataworks:ListProjects", "dataworks:ListSecurityStrategies", "dataworks:ListDataSources",
                          "dataworks:ListDataSourceSharedRules"},
    "data_production": {"dataworks:ListProjects", "dataworks:ListComputeResources", "dataworks:ListProjectMembers",
                        "dataworks:ListDeploymentPackages", "dataworks:GetDeploymentPackage",
                        "dataworks:ListFileVersions", "dataworks:ListPipelineRuns", "dataworks:ListPipelineRunItems",
                        "dataworks:ListSnapshots", "dataworks:ListCodeReviews", "ram:ListUsers", "ram:GetUser",
                        "actiontrail:LookupEvents"},
    "platform_config": {"actiontrail:DescribeTrails", "actiontrail:GetTrailStatus"},
}


def member_id(n: int) -> str:
    return f"51000000000000{n + 10:02d}"


def category_minimum(world: dict, regions: list[str], category: str) -> dict[str, int]:
    """minimum_calls of the world, kept to the calls one category's function makes."""
    wanted = CATEGORY_CALLS[category] | {"sts:GetCallerIdentity"}
    return {k: n for k, n in minimum_calls(world, regions).items() if k in wanted and n}


def tenant_sizes(base: dict, members: int, management_workspaces: int) -> list[tuple[str, str, dict]]:
    """(account id, name, sizes) of the management account and each member: the first member at `base`,
    each next one with half the workspaces and projects of the one before, the management account small."""
    out = [(MANAGEMENT, "management", {**base, "workspaces": management_workspaces,
                                       "mc_projects": 4 * management_workspaces})]
    for n in range(members):
        out.append((member_id(n), f"member-{n + 1}", {**base, "workspaces": max(1, base["workspaces"] >> n),
                                                      "mc_projects": max(1, base["mc_projects"] >> n)}))
    return out


def build_world(accounts: list[tuple[str, str, dict]], extra: dict, seed: int, now: str) -> tuple[dict, dict]:
    """The organization's world (a dict the emulator reads as it is) and each account's tenant dict: the
    first account is the management account, whose tenant is the world itself; each member's tenant is
    generated with a seed of its own and has the same quotas, latency and request log as `extra` gives."""
    tenants: dict[str, dict] = {}
    members: list[dict] = []
    world: dict = {}
    for n, (account, name, s) in enumerate(accounts):
        sizes = Sizes(members=s["members"], data_sources=s["data_sources"], compute_resources=s["compute"],
                      deployments=s["deployments"], files_per_deployment=s["files"], pipeline_runs=None,
                      identities=s["identities"])
        tenant = generate_world(s["workspaces"], s["mc_projects"], seed + n, now=now, sizes=sizes)
        tenant.update(json.loads(json.dumps(extra)))  # a copy each: quotas are per account
        for region in tenant["regions"].values():
            for ws in region.get("dataworks", {}).get("workspaces", []):
                ws["Owner"] = account
            for project in region.get("maxcompute", {}).get("projects", []):
                project["owner"] = account
        tenants[account] = tenant
        entry = {"AccountId": account, "DisplayName": name, "AccountName": f"{name}@example.com",
                 "JoinTime": "2026-01-05T08:00:00.000Z", "ModifyTime": "2026-01-05T08:00:00.000Z",
                 "roles": {MEMBER_ROLE: {"trusts": [MANAGEMENT]}}}
        if account == MANAGEMENT:
            # The scanning RAM user of the management account: the functions' credentials.
            tenant["credentials"]["access_keys"][0]["identity"] = {
                "AccountId": MANAGEMENT, "UserId": "251000000000001", "PrincipalId": "251000000000001",
                "Arn": f"acs:ram::{MANAGEMENT}:user/bench", "IdentityType": "RAMUser"}
            world = {"account_id": MANAGEMENT, **tenant}
            members.append({**entry, "Type": "CloudAccount", "JoinMethod": "invited", "Status": "InviteSuccess"})
        else:
            tenant["credentials"] = {}  # a member is reached through its role only
            members.append({**entry, "Status": "CreateSuccess", "tenant": tenant})
    world["organization"] = {"resource_directory_id": "rd-bench01", "root_folder_id": "r-Bench01", "members": members}
    return world, tenants


def _poll_summary(s3: Any, runtime: Any, places: set[str], started: float, done: threading.Event,
                  out: dict) -> None:
    """Note when the run's summary.json first names every place finished (checked every 0.5 s). The run id
    is the timer invocation's answer; only that one key is read, never a listing: moto runs in this
    process beside the emulator, and listing a bucket of thousands of checkpoints would take their CPU."""
    key = None
    while not done.is_set():
        try:
            if key is None:
                timer = [r for r in runtime.invocations() if r.outcome == "succeeded" and _piece_of(r) is None]
                if timer:
                    run_id = timer[0].json()["run_id"]
                    key = f"dwdiag/runs/{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}/{run_id}/summary.json"
            if key is not None:
                summary = json.loads(s3.get_object(Bucket=fc_bench.BUCKET, Key=key)["Body"].read())
                shards = summary.get("shards") or {}
                if set(shards.get("finished") or []) >= places and not shards.get("missing"):
                    out["seen_s"] = time.time() - started
                    out["key"] = key
                    return
        except Exception:  # noqa: BLE001 - not there yet, or being written
            pass
        done.wait(0.5)


def _piece_of(record: Any) -> Optional[tuple[str, str]]:
    """(account, region) of a piece's invocation; None for the timer's."""
    event = json.loads(record.event)
    if "triggerTime" in event or not event.get("account"):
        return None
    return event["account"], event["regions"][0]


def _repeated(emu: Any) -> dict[str, int]:
    """Successful calls made more than once with the same parameters in the same account and region, by action
    (see CREDENTIAL_CALLS for those left out)."""
    seen = Counter((r.account_id, r.region, r.action, tuple(sorted(r.params.items()))) for r in emu.requests("*")
                   if r.status == 200 and r.action not in CREDENTIAL_CALLS)
    twice: Counter = Counter()
    for (_, _, action, _), n in seen.items():
        if n > 1:
            twice[action] += n - 1
    return dict(twice)


def run(emu: Any, accounts: list[str], region: str, category: str, scale: float, qps: dict[str, float],
        bounds: dict[str, float], refusing: tuple[str, ...] = ()) -> dict:
    """Sweep `region` of every account of the running emulator's organization with `category`'s function,
    from one timer event; `bounds` are the quota bounds of each place (`<account>/<region>`), in seconds."""
    import boto3
    from botocore.config import Config

    from dwdiag.fc import DEADLINE_MARGIN_S
    from dwdiag_emulator.fc import FcRuntime
    from scripts.deploy_lib import function_name
    from tests.support.oss import start_moto_s3

    timeout = fc_bench.template_timeout()
    places = {f"{a}/{region}" for a in accounts}
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    moto, _ = start_moto_s3()
    try:
        s3 = boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="bench",
                          aws_secret_access_key="bench", config=Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket=fc_bench.BUCKET)
        # Every piece at once (and the timer's invocation, which returns once it has queued them): the
        # point is that the pieces of different accounts run side by side.
        runtime = FcRuntime(emu, code="source", time_scale=scale, workers=len(places) + 1,
                            parameters={"OssBucket": fc_bench.BUCKET, "OssRegion": region, "Regions": region},
                            environment=fc_bench.function_environment(moto.url, qps),
                            scaled_environment=("DWDIAG_DEADLINE_SECONDS", "DWDIAG_CONTINUATION_RESERVE_SECONDS"))
        name = function_name(category)
        event = json.dumps({"triggerTime": emu.world.now, "triggerName": "nightly", "payload": json.dumps(
            {"regions": [region], "accounts": "resource-directory", "alert": False})}).encode()
        emu.clear_requests()
        seen: dict[str, Any] = {}
        done = threading.Event()
        with runtime.running():
            started = time.time()
            poller = threading.Thread(target=_poll_summary, args=(s3, runtime, places, started, done, seen), daemon=True)
            poller.start()
            runtime.invoke(name, event, asynchronous=True)
            records = runtime.drain(timeout=max(3600.0, 40 * timeout * scale))
            drained = time.time() - started
            poller.join(timeout=5.0)
            done.set()
        timer = [r for r in records if _piece_of(r) is None]
        fanned = timer[-1].json() if timer and timer[-1].outcome == "succeeded" else {}
        run_id = fanned.get("run_id")
        summary = json.loads(s3.get_object(Bucket=fc_bench.BUCKET, Key=seen["key"])["Body"].read()) \
            if "key" in seen else {}
        by_piece: dict[str, list] = {p: [] for p in places}
        for r in records:
            piece = _piece_of(r)
            if piece is not None:
                by_piece.setdefault(f"{piece[0]}/{piece[1]}", []).append(r)
        scaled_timeout = timeout * scale
        pieces: dict[str, dict] = {}
        all_requests = emu.requests("*")
        for place, attempts in sorted(by_piece.items()):
            account, _, where = place.partition("/")
            findings = _place_findings(s3, run_id, account, where, category) if run_id else []
            # The account's calls: its one place's (each account has one region here; a piece's sign-in
            # lookups go to the sign-in regions' endpoints, not its own).
            calls = [r for r in all_requests if r.account_id == account and r.action not in CREDENTIAL_CALLS]
            last = max(attempts, key=lambda r: r.end or 0.0) if attempts else None
            answer = last.json() if last is not None and last.outcome == "succeeded" else {}
            pieces[place] = {
                "account": account, "region": where,
                "quota_lower_bound_s": bounds.get(place),
                "invocations": len(attempts),
                "outcomes": dict(Counter(r.outcome for r in attempts)),
                "first_started_s": round(min((r.start or 0.0) for r in attempts) - started, 1) if attempts else None,
                "finished_s": round((last.end or 0.0) - started, 1) if last is not None else None,
                "longest_invocation_s": round(max(((r.end or 0) - (r.start or 0)) for r in attempts), 1)
                if attempts else None,
                "within_timeout": all(r.outcome != "timeout" and (r.end or 0) - (r.start or 0) <= scaled_timeout
                                      for r in attempts),
                "calls": len(calls),
                "throttled": sum(1 for r in calls if r.status == 429 or "Throttling" in str(r.error_code or "")),
                "findings": len(findings),
                "errors": sum(1 for f in findings if f["status"] == "error"),
                "refuses_its_role": account in refusing,
                "last_answer": {k: answer.get(k) for k in ("account", "findings", "calls", "continuations",
                                                           "problems") if k in answer},
            }
            if bounds.get(place) and pieces[place]["finished_s"] is not None:
                pieces[place]["finished_vs_bound"] = round(pieces[place]["finished_s"] / bounds[place], 3)
        repeated = _repeated(emu)
    finally:
        moto.stop()
    shards = summary.get("shards") or {}
    return {
        "time_scale": scale, "timeout_s": scaled_timeout,
        "collecting_per_invocation_s": (timeout - DEADLINE_MARGIN_S - fc_bench.RESERVE_S) * scale,
        "workers": len(places) + 1, "run_id": run_id,
        "wall_s": round(seen["seen_s"], 1) if "seen_s" in seen else None,
        "drained_s": round(drained, 1),
        "timer": {"invocations": len(timer), "outcomes": dict(Counter(r.outcome for r in timer)),
                  "fanned_out": len(fanned.get("fanned_out") or {}),
                  "order": [o["place"] for o in fanned.get("order") or []], "left_out": fanned.get("left_out")},
        "places": len(places),
        "summary": {"finished": len(shards.get("finished") or []), "missing": len(shards.get("missing") or []),
                    "accounts": len(summary.get("accounts") or {}), "findings": summary.get("findings")},
        "every_place_finished": bool(summary) and set(shards.get("finished") or []) >= places
        and not shards.get("missing"),
        "pieces": pieces,
        "invocations": len(records),
        "invocations_by_piece": {p: v["invocations"] for p, v in pieces.items()},
        "outcomes": dict(Counter(r.outcome for r in records)),
        "every_invocation_succeeded": all(r.outcome == "succeeded" for r in records),
        "every_piece_within_its_timeout": all(v["within_timeout"] for v in pieces.values())
        and all(r.outcome != "timeout" and (r.end or 0) - (r.start or 0) <= scaled_timeout for r in timer),
        "calls_total": sum(v["calls"] for v in pieces.values()),
        "throttled_total": sum(v["throttled"] for v in pieces.values()),
        "findings": sum(v["findings"] for v in pieces.values()),
        "errors": sum(v["errors"] for v in pieces.values() if not v["refuses_its_role"]),
        "repeated_calls": sum(repeated.values()), "repeated_calls_by_action": repeated,
    }


def _place_findings(s3: Any, run_id: str, account: str, region: str, category: str) -> list[dict]:
    try:
        return fc_bench._findings(s3, run_id, f"{account}/{region}", category)
    except Exception:  # noqa: BLE001 - a place that wrote nothing has no findings to count
        return []
