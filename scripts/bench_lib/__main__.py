"""scripts/bench: generate a large tenant, serve it with quotas and latency, sweep it twice (and the
peer way with --baseline), and write a JSON report set against the quota lower bound."""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from dwdiag_emulator import Emulator
from dwdiag_emulator.generate import Sizes, write_world
from dwdiag_emulator.generate import counts as world_counts
from scripts.bench_lib import imports
from scripts.bench_lib.minimum import by_family, minimum_calls

ROOT = Path(__file__).resolve().parents[2]
QUICK = dict(workspaces=10, mc_projects=40, members=5, data_sources=3, compute=2, deployments=6, files=2,
             identities=10)
DEFAULT = dict(workspaces=500, mc_projects=2000, members=20, data_sources=10, compute=5, deployments=60, files=2,
               identities=100)
# --fc --organization --quick: larger than QUICK, so that even a smoke run's pieces take longer than the
# processes they run in take to start, and running them side by side is seen to pay.
ORGANIZATION_QUICK = dict(QUICK, workspaces=40, deployments=20)
CATEGORY_HANDLERS = ("computing_storage", "data_transmission", "data_production", "platform_config")



def parse(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="scripts/bench", description=__doc__)
    p.add_argument("--quick", action="store_true", help="a small tenant that runs in under a minute")
    for name in DEFAULT:
        p.add_argument(f"--{name.replace('_', '-')}", type=int, dest=name)
    p.add_argument("--latency-ms", type=int, default=20)
    p.add_argument("--qps-dataworks", type=float, default=50)
    p.add_argument("--qps-maxcompute", type=float, default=50)
    p.add_argument("--qps-lookup", type=float, default=2)
    p.add_argument("--qps-ram", type=float, default=20)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--baseline", action="store_true", help="also sweep the way peer tools do")
    p.add_argument("--fc", action="store_true",
                   help="sweep with the four functions on the local Function Compute runtime, time scaled")
    p.add_argument("--time-scale", type=float, default=None,
                   help="with --fc: FC's durations times this, the quotas divided by it (default 0.25; 0.5 with "
                        "--organization --quick, so that the smoke run's pieces are long beside their processes' "
                        "start)")
    p.add_argument("--organization", action="store_true",
                   help="with --fc: sweep a generated Resource Directory (a management account and --accounts "
                        "members, each with its own tenant and quotas) as one run, one piece per account")
    p.add_argument("--accounts", type=int, default=4,
                   help="with --organization: member accounts (the first at the bench's size, each next one half "
                        "the one before; default 4)")
    p.add_argument("--category", default="data_production", choices=CATEGORY_HANDLERS,
                   help="with --organization: the category whose function sweeps (default data_production)")
    p.add_argument("--out", default=str(ROOT / "build" / "bench" / "report.json"))
    args = p.parse_args(argv)
    if args.time_scale is None:
        args.time_scale = 0.5 if args.organization and args.quick else 0.25
    if args.fc and not 0 < args.time_scale <= 1:
        p.error("--time-scale must be above 0 and at most 1")
    if args.organization and not args.fc:
        p.error("--organization runs on the FC runtime: give --fc too")
    if args.accounts < 1:
        p.error("--accounts must be at least 1")
    base = (ORGANIZATION_QUICK if args.organization else QUICK) if args.quick else DEFAULT
    for name, value in base.items():
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def world_extra(args: argparse.Namespace) -> dict:
    """Quotas like the real ones (per account per region) and a fixed latency on every call."""
    quotas = [
        {"name": "dataworks-read", "product": "dataworks", "qps": args.qps_dataworks},
        {"name": "maxcompute", "product": "maxcompute", "qps": args.qps_maxcompute},
        {"name": "lookup-events", "product": "actiontrail", "actions": ["LookupEvents"], "qps": args.qps_lookup},
        {"name": "ram", "product": "ram", "qps": args.qps_ram, "per_region": False},
    ]
    # With --fc the calls are logged, to find any the pieces of a run make twice.
    return {"quotas": quotas, "faults": [{"kind": "latency", "latency_ms": args.latency_ms}],
            "log_limit": 1_000_000 if args.fc else 0}


def make_world(args: argparse.Namespace, work: Path, **generate: Any) -> tuple[dict, dict]:
    """Write the tenant of `args` to work/world.yaml (a fresh folder); its counts and the world read back."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    sizes = Sizes(members=args.members, data_sources=args.data_sources, compute_resources=args.compute,
                  deployments=args.deployments, files_per_deployment=args.files, pipeline_runs=None,
                  identities=args.identities)
    counts = write_world(work / "world.yaml", args.workspaces, args.mc_projects, args.seed, sizes=sizes,
                         extra=world_extra(args), **generate)
    world = yaml.load((work / "world.yaml").read_text(), Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return counts, world


def run_sweep(config: dict) -> dict:
    env = dict(os.environ, NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    out = subprocess.run([sys.executable, "-m", "scripts.bench_lib.sweep", json.dumps(config)], cwd=ROOT, env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"bench: a sweep failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def footprint() -> dict:
    """The function packages and the layer scripts/package built (build/fc), or why there are none."""
    from scripts.bench_lib.footprint import package_sizes

    try:
        return package_sizes(ROOT / "build" / "fc")
    except FileNotFoundError as exc:
        return {"missing": f"{exc}; run scripts/package first"}


def summarise(first: dict, second: dict, minimum: dict, args: argparse.Namespace) -> dict:
    qps = {"dataworks": args.qps_dataworks, "maxcompute": args.qps_maxcompute,
           "actiontrail_lookup": args.qps_lookup, "ram": args.qps_ram}
    bound = {f: round(n / qps[f], 2) for f, n in by_family(minimum).items() if f in qps}
    lower = max(bound.values())
    return {
        "quota_lower_bound_s": {"by_family": bound, "bound": lower},
        "minimum_calls": {"total": sum(minimum.values()), "by_action": minimum, "by_family": by_family(minimum)},
        "first": {**first, "calls_by_family": by_family(first["calls"])},
        "second": {**second, "calls_by_family": by_family(second["calls"])},
        "ratios": {
            "wall_vs_bound": round(first["wall_s"] / lower, 3) if lower else None,
            "calls_vs_minimum": round(first["calls_total"] / max(1, sum(minimum.values())), 3),
            "throttled_pct": round(100 * first["throttled_total"] / max(1, first["calls_total"]), 2),
            "second_vs_first_calls": round(second["calls_total"] / max(1, first["calls_total"]), 3),
        },
        "extra_calls_by_action": {k: first["calls"].get(k, 0) - v for k, v in minimum.items()
                                  if first["calls"].get(k, 0) != v},
    }


def main(argv: list[str]) -> int:
    args = parse(argv)
    if args.fc and args.organization:
        return main_fc_organization(args)
    if args.fc:
        return main_fc(args)
    work = Path(args.out).parent / "work"
    started = time.perf_counter()
    counts, world = make_world(args, work)
    generated = round(time.perf_counter() - started, 1)
    regions = [world["default_region"]]
    minimum = minimum_calls(world, regions)
    emu = Emulator(work / "world.yaml")
    del world
    report = {"sizes": {k: getattr(args, k) for k in DEFAULT}, "world_counts": counts, "generate_s": generated,
              "latency_ms": args.latency_ms, "quotas": {"dataworks": args.qps_dataworks,
              "maxcompute": args.qps_maxcompute, "lookup_events": args.qps_lookup, "ram": args.qps_ram}}
    with emu.running():
        endpoints = {p: {r: emu.url(r) for r in emu.endpoints} for p in ("dataworks", "maxcompute", "actiontrail",
                                                                      "ram", "sts")}
        config = {"regions": regions, "endpoints": endpoints, "credentials": ["AKIDbench", "benchSecret"],
                  "now": emu.world.now, "mode": "ours", "store_dir": str(work / "store"),
                  "settings": {"qps_dataworks": args.qps_dataworks, "qps_maxcompute": args.qps_maxcompute,
                               "qps_actiontrail_lookup": args.qps_lookup, "qps_ram": args.qps_ram}}
        print(f"bench: {counts['workspaces']} workspaces, {counts['mc_projects']} MaxCompute projects; "
              f"{sum(minimum.values())} calls at least", file=sys.stderr)
        first = run_sweep(config)
        print(f"bench: first sweep {first['wall_s']} s, {first['calls_total']} calls", file=sys.stderr)
        second = run_sweep(config)
        print(f"bench: second sweep {second['wall_s']} s, {second['calls_total']} calls", file=sys.stderr)
        report.update(summarise(first, second, minimum, args))
        if args.baseline:
            peer = run_sweep({**config, "mode": "peer", "store_dir": None})
            report["baseline_peer"] = {**peer, "calls_by_family": by_family(peer["calls"]),
                                       "how": "one pool of 10 threads, no client rate limit, one immediate retry"}
            print(f"bench: peer baseline {peer['wall_s']} s, {peer['throttled_total']} throttled, "
                  f"{peer['errors']} error results", file=sys.stderr)
    # Each handler's import, and what its first invocation imports before any call (scripts/bench_lib/imports.py).
    report["cold_start"] = imports.import_times(ROOT, runs=3 if args.quick else 5)
    report["footprint"] = footprint()
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({"report": args.out, **report["ratios"], "bound_s": report["quota_lower_bound_s"]["bound"],
                      "first_wall_s": first["wall_s"], "peak_rss_mb": first["peak_rss_mb"],
                      "peak_rss_with_publish_mb": first.get("peak_rss_with_publish_mb")}))
    return 0


def main_fc(args: argparse.Namespace) -> int:
    """The tenant through the local FC runtime at `args.time_scale`, then once in one process to compare."""
    from datetime import datetime, timezone

    from scripts.bench_lib import fc

    scale = args.time_scale
    for name in ("qps_dataworks", "qps_maxcompute", "qps_lookup", "qps_ram"):
        setattr(args, name, getattr(args, name) / scale)
    # The world's "now" is the real one: a continued run's age is measured on the real clock.
    now = datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    work = Path(args.out).parent / "work-fc"
    counts, world = make_world(args, work, now=now)
    region = world["default_region"]
    minimum = minimum_calls(world, [region])
    del world
    qps = {"dataworks": args.qps_dataworks, "maxcompute": args.qps_maxcompute, "actiontrail_lookup": args.qps_lookup,
           "ram": args.qps_ram}
    bound = max(n / qps[f] for f, n in by_family(minimum).items() if f in qps)
    emu = Emulator(work / "world.yaml")
    print(f"bench --fc: {counts['workspaces']} workspaces, {counts['mc_projects']} MaxCompute projects at "
          f"time scale {scale}: quota bound {bound:.0f} s", file=sys.stderr)
    with emu.running():
        endpoints = {p: {r: emu.url(r) for r in emu.endpoints} for p in ("dataworks", "maxcompute", "actiontrail",
                                                                      "ram", "sts")}
        got = fc.run(emu, region, scale, {"dataworks": args.qps_dataworks, "maxcompute": args.qps_maxcompute,
                                          "lookup": args.qps_lookup, "ram": args.qps_ram},
                     reference_file=work / "one-process.json",
                     one_process=lambda: run_sweep({
                         "regions": [region], "endpoints": endpoints, "credentials": ["AKIDbench", "benchSecret"],
                         "now": emu.world.now, "mode": "ours", "store_dir": None,
                         "statuses_file": str(work / "one-process.json"),
                         "settings": {"qps_dataworks": args.qps_dataworks, "qps_maxcompute": args.qps_maxcompute,
                                      "qps_actiontrail_lookup": args.qps_lookup, "qps_ram": args.qps_ram}}))
    report = {"sizes": {k: getattr(args, k) for k in DEFAULT}, "world_counts": counts, "latency_ms": args.latency_ms,
              "quotas": qps, "quota_lower_bound_s": round(bound, 3),
              "minimum_calls": {"total": sum(minimum.values()), "by_family": by_family(minimum)},
              "fc": got, "wall_vs_bound": round(got["wall_s"] / bound, 3),
              "to_evaluated_vs_bound": round(got["to_evaluated_s"] / bound, 3),
              "one_process_vs_bound": round(got["one_process"]["wall_s"] / bound, 3),
              "calls_vs_minimum": round(got["calls_total"] / max(1, sum(minimum.values())), 3)}
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({"report": args.out, "bound_s": report["quota_lower_bound_s"], "wall_s": got["wall_s"],
                      "wall_vs_bound": report["wall_vs_bound"], "to_evaluated_vs_bound": report["to_evaluated_vs_bound"],
                      "one_process_vs_bound": report["one_process_vs_bound"], "invocations": got["invocations"],
                      "errors": got["errors"], "equal_to_one_process": got["equal_to_one_process"],
                      "within_timeouts": got["every_invocation_within_its_timeout"],
                      "repeated_calls": got["repeated_calls"]}))
    return 0


def main_fc_organization(args: argparse.Namespace) -> int:
    """A generated organization through the local FC runtime at `args.time_scale`: every (account, region)
    piece of one category's run side by side; the wall time against the largest piece's quota bound."""
    from datetime import datetime, timezone

    from scripts.bench_lib import organization as org

    scale = args.time_scale
    for name in ("qps_dataworks", "qps_maxcompute", "qps_lookup", "qps_ram"):
        setattr(args, name, getattr(args, name) / scale)
    now = datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    started = time.perf_counter()
    base = {k: getattr(args, k) for k in DEFAULT}
    # The management account's own tenant is small: the quick bench's size (a fifth of it with --quick).
    accounts = org.tenant_sizes(base, args.accounts, management_workspaces=2 if args.quick else QUICK["workspaces"])
    world, tenants = org.build_world(accounts, world_extra(args), args.seed, now)
    region = world["default_region"]
    qps = {"dataworks": args.qps_dataworks, "maxcompute": args.qps_maxcompute, "actiontrail_lookup": args.qps_lookup,
           "ram": args.qps_ram}
    per_place: dict[str, dict] = {}
    for account, name, sizes in accounts:
        tenant = tenants[account]
        minimum = org.category_minimum(tenant, [region], args.category)
        families = {f: round(n / qps[f], 3) for f, n in by_family(minimum).items() if f in qps}
        per_place[f"{account}/{region}"] = {
            "account": account, "name": name, "sizes": {k: sizes[k] for k in ("workspaces", "mc_projects")},
            "world_counts": world_counts(tenant), "minimum_calls": {"total": sum(minimum.values()),
                                                                "by_family": by_family(minimum)},
            "quota_lower_bound_s": {"by_family": families, "bound": max(families.values(), default=0.0)}}
    del tenants
    emu = Emulator(world)
    del world
    generated = round(time.perf_counter() - started, 1)
    bounds = {p: v["quota_lower_bound_s"]["bound"] for p, v in per_place.items()}
    largest, total = max(bounds.values()), sum(bounds.values())
    print(f"bench --fc --organization: {len(accounts)} accounts ({args.accounts} members), {args.category} at time "
          f"scale {scale}: largest piece's quota bound {largest:.0f} s, all of them {total:.0f} s", file=sys.stderr)
    with emu.running():
        got = org.run(emu, [a for a, _, _ in accounts], region, args.category, scale,
                      {"dataworks": args.qps_dataworks, "maxcompute": args.qps_maxcompute, "lookup": args.qps_lookup,
                       "ram": args.qps_ram}, bounds)
    for place, piece in got["pieces"].items():
        piece.update({k: v for k, v in per_place.get(place, {}).items() if k != "quota_lower_bound_s"},
                     quota_lower_bound_s=per_place.get(place, {}).get("quota_lower_bound_s"))
        needed = piece.get("minimum_calls", {}).get("total", 0) - 1  # the pieces' STS checks are not counted
        piece["calls_vs_minimum"] = round(piece["calls"] / needed, 3) if needed > 0 else None
    wall = got["wall_s"]
    largest_place = max(bounds, key=bounds.__getitem__)
    report = {
        "mode": "fc-organization", "category": args.category, "members": args.accounts, "accounts": len(accounts),
        "regions": [region], "sizes": base, "latency_ms": args.latency_ms, "quotas": qps, "generate_s": generated,
        "quota_lower_bound_s": {"by_piece": bounds, "largest": round(largest, 3), "largest_piece": largest_place,
                                "sum": round(total, 3)},
        "fc": got,
        "wall_s": wall,
        "wall_vs_largest_bound": round(wall / largest, 3) if wall and largest else None,
        "wall_vs_sum_of_bounds": round(wall / total, 3) if wall and total else None,
        "largest_piece_finished_vs_its_bound": got["pieces"].get(largest_place, {}).get("finished_vs_bound"),
        "target": "the wall time at most 1.15 x the largest (account, region) quota bound, not their sum",
    }
    Path(args.out).parent.mkdir(parents=True, exist_ok=True)
    Path(args.out).write_text(json.dumps(report, indent=2) + "\n")
    print(json.dumps({"report": args.out, "largest_bound_s": report["quota_lower_bound_s"]["largest"],
                      "sum_of_bounds_s": report["quota_lower_bound_s"]["sum"], "wall_s": wall,
                      "wall_vs_largest_bound": report["wall_vs_largest_bound"],
                      "wall_vs_sum_of_bounds": report["wall_vs_sum_of_bounds"],
                      "invocations": got["invocations"], "invocations_by_piece": got["invocations_by_piece"],
                      "outcomes": got["outcomes"], "errors": got["errors"], "repeated_calls": got["repeated_calls"],
                      "every_place_finished": got["every_place_finished"],
                      "within_timeouts": got["every_piece_within_its_timeout"]}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
