"""`scripts/bench --quick` runs end to end and writes a report of the right shape (not a speed test)."""

from __future__ import annotations

import pytest
import json
import subprocess
from pathlib import Path

from scripts.bench_lib.minimum import by_family, family, minimum_calls, pages

pytestmark = pytest.mark.slow  # a generated tenant swept three times

ROOT = Path(__file__).resolve().parents[2]


def bench(tmp_path: Path, *args: str) -> dict:
    """`scripts/bench ARGS --out FILE` run to its end; its JSON report."""
    out = tmp_path / "report.json"
    proc = subprocess.run([str(ROOT / "scripts" / "bench"), *args, "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(out.read_text())


def test_quick_bench_writes_a_complete_report(tmp_path):
    report = bench(tmp_path, "--quick", "--baseline")
    for key in ("sizes", "world_counts", "quota_lower_bound_s", "minimum_calls", "first", "second", "ratios",
                "baseline_peer", "cold_start"):
        assert key in report
    for sweep in ("first", "second", "baseline_peer"):
        s = report[sweep]
        assert {"wall_s", "calls", "calls_total", "throttled_total", "errors", "peak_rss_mb"} <= set(s)
        assert s["calls_total"] == sum(s["calls"].values()) > 0
    for sweep in ("first", "second"):  # ours are published the way a handler would; the peer run is not
        assert report[sweep]["peak_rss_with_publish_mb"] >= report[sweep]["peak_rss_mb"] > 0
        assert report[sweep]["publish_s"] > 0
    assert report["minimum_calls"]["total"] == sum(report["minimum_calls"]["by_action"].values())
    assert report["quota_lower_bound_s"]["bound"] == max(report["quota_lower_bound_s"]["by_family"].values())
    assert report["second"]["calls_total"] < report["first"]["calls_total"], "the re-sweep uses the cache"
    cold = report["cold_start"]["handlers"]
    assert set(cold) == {"computing_storage", "data_transmission", "data_production", "platform_config", "watch"}
    assert all(h["import_ms"] > 0 and h["third_party"] == [] for h in cold.values()), "a handler loads no dependency"
    assert all(h["invocation"]["import_ms"] > h["import_ms"] for h in cold.values())
    assert "footprint" in report


def test_quick_bench_on_the_fc_runtime_reports_invocations_and_equality(tmp_path):
    report = bench(tmp_path, "--fc", "--quick")
    fc = report["fc"]
    assert set(fc["by_category"]) == {"computing_storage", "data_transmission", "data_production", "platform_config"}
    assert fc["invocations"] == sum(c["invocations"] for c in fc["by_category"].values()) >= 4
    assert all(c["outcomes"] == {"succeeded": c["invocations"]} for c in fc["by_category"].values())
    assert fc["every_invocation_within_its_timeout"] and fc["equal_to_one_process"] and fc["differences"] == 0
    assert fc["findings"] == fc["one_process"]["findings"] > 0 and fc["errors"] == fc["one_process"]["errors"]
    assert fc["repeated_calls"] == 0
    # both figures are rounded in the report (wall to 0.1 s), so compare within that rounding
    assert report["wall_vs_bound"] == pytest.approx(fc["wall_s"] / report["quota_lower_bound_s"], rel=0.02)


def test_quick_organization_bench_runs_every_account_side_by_side(tmp_path):
    report = bench(tmp_path, "--fc", "--organization", "--quick")
    for key in ("category", "accounts", "sizes", "quotas", "quota_lower_bound_s", "fc", "wall_s",
                "wall_vs_largest_bound", "wall_vs_sum_of_bounds"):
        assert key in report
    fc, bounds = report["fc"], report["quota_lower_bound_s"]
    places = set(bounds["by_piece"])
    assert len(places) == report["accounts"] == report["members"] + 1 == fc["places"]  # the management account too
    # one piece per place: fanned out by the timer's invocation, answered, and finished in the run's summary
    assert set(fc["pieces"]) == places and fc["timer"]["fanned_out"] == len(places) and not fc["timer"]["left_out"]
    assert fc["summary"]["finished"] == len(places) and fc["summary"]["missing"] == 0 and fc["every_place_finished"]
    assert fc["invocations"] == fc["timer"]["invocations"] + sum(fc["invocations_by_piece"].values())
    assert fc["every_invocation_succeeded"] and fc["outcomes"] == {"succeeded": fc["invocations"]}
    assert all(p["invocations"] >= 1 and p["outcomes"] == {"succeeded": p["invocations"]}
               for p in fc["pieces"].values())
    assert fc["every_piece_within_its_timeout"] and fc["errors"] == 0 and fc["repeated_calls"] == 0
    # every piece made at least the calls its world needs (STS's who-am-I aside, which is not counted)
    assert all(p["findings"] > 0 and p["calls"] >= p["minimum_calls"]["total"] - 1 for p in fc["pieces"].values())
    assert fc["findings"] == sum(p["findings"] for p in fc["pieces"].values())
    assert bounds["largest"] == max(bounds["by_piece"].values()) and \
        bounds["sum"] == pytest.approx(sum(bounds["by_piece"].values()), abs=0.01)
    assert report["wall_vs_sum_of_bounds"] < 1, "the accounts' pieces ran one after another"
    assert report["wall_vs_largest_bound"] == pytest.approx(report["wall_s"] / bounds["largest"], rel=0.02)


def test_families_and_pages():
    assert family("actiontrail:LookupEvents") == "actiontrail_lookup" and family("dataworks:ListCalcEngines") == "dataworks"
    assert by_family({"maxcompute:GetProject": 3, "maxcompute:ListProjects": 1, "ram:GetUser": 2}) == \
        {"maxcompute": 4, "ram": 2}
    assert [pages(n, 100) for n in (0, 1, 100, 101)] == [1, 1, 1, 2]


def test_minimum_counts_follow_the_window_and_the_identities():
    world = {"now": "2025-03-31T00:00:00Z", "ram_users": [{"UserId": "u1", "UserName": "bot"}],
             "regions": {"cn-hangzhou": {"dataworks": {"workspaces": [{
                 "Id": 1, "Status": "Available", "DevEnvironmentEnabled": True, "members": [{}] * 150,
                 "compute_resources": [{"Type": "emr", "ComputeResource": [{"ConnectionProperties": {
                     "envType": "Prod", "authType": "SubAccount", "authIdentity": "u1"}}]}],
                 "data_sources": [{"DataSource": [{}, {}]}],
                 "deployments": [{"Status": 1, "ExecuteTime": 1743300000000, "DeployedItems": [{"FileId": 5}]},
                                 {"Status": 1, "ExecuteTime": 1700000000000, "DeployedItems": [{"FileId": 6}]}]}]},
                 "actiontrail": {"events": [], "trails": []}}}}
    calls = minimum_calls(world, ["cn-hangzhou"])
    assert calls["dataworks:ListProjectMembers"] == 2 and calls["dataworks:ListDataSourceSharedRules"] == 2
    assert calls["dataworks:GetDeploymentPackage"] == 1 and calls["dataworks:ListFileVersions"] == 1
    assert calls["dataworks:ListCalcEngines"] == 1 and calls["ram:GetUser"] == 1
    assert calls["actiontrail:LookupEvents"] == 2  # one per sign-in storage region
