"""A sweep cut into pieces (Function Compute's deadline, a retry) resumes from its checkpoint: the same
findings as one unbounded sweep, nothing collected fetched twice, and what a limit leaves is an error."""

from __future__ import annotations

from collections import Counter

import pytest

from dwdiag.clients.retry import RetryPolicy
from dwdiag.collectors.checkpoint import Checkpoint, checkpoint_prefix, hit_deadline
from dwdiag.demo.live import DEMO_CREDENTIALS, endpoints_for
from dwdiag.evaluate import evaluate
from dwdiag.models.common import CallError
from dwdiag.models.findings import Category
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag.sweep import Sweep, collect
from tests.support.paths import WORLD_NOW
from tests.support.tenant import statuses, sweep
from tests.support.tenant import Budget

RUN = "runs/2026-11-28/20261128T020000Z-c0ffee"
ALL = list(Category)


def _piece(emu, store, stop=None, limit=None):
    settings = Settings(regions=list(emu.endpoints))
    fresh = Sweep(settings, DEMO_CREDENTIALS, endpoints_for(emu),  # a new process each time, as in FC
                  retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.001, max_attempts=3))
    return collect(fresh, regions=list(emu.endpoints), categories=ALL, now=WORLD_NOW, cache_store=store,
                   checkpoints=lambda region: Checkpoint(store, checkpoint_prefix(RUN, region, ALL)),
                   stop=stop, limit=limit)


def _fetched(emu) -> Counter:
    """Successful calls, by region, action and parameters (the credential check aside: each piece makes it)."""
    return Counter((r.region, r.action, tuple(sorted(r.params.items()))) for r in emu.requests()
                   if r.status == 200 and r.action != "GetCallerIdentity")


@pytest.mark.slow
def test_pieces_resume_to_the_findings_of_one_sweep_and_fetch_nothing_twice(emu, tmp_path):
    reference = statuses(sweep(emu))
    emu.clear_requests()
    store, pieces, got = LocalStore(tmp_path), 0, None
    while got is None or got.snapshot is None:
        got = _piece(emu, store, stop=Budget(6))
        pieces += 1
        assert pieces < 60, "a piece must make progress"
        if got.snapshot is None:
            assert sum(n for region in got.left.values() for n in region.values()) > 0
    assert pieces > 3, "the budget cut the sweep into several pieces"
    assert statuses(evaluate(got.snapshot, Settings())) == reference
    assert [k for k, n in _fetched(emu).items() if n > 1] == []


def test_a_piece_that_starts_nothing_new_says_what_is_left(emu, tmp_path):
    got = _piece(emu, LocalStore(tmp_path), stop=lambda: True)
    assert got.snapshot is None
    assert got.left["cn-hangzhou"]["workspaces"] == 6 and got.left["cn-hangzhou"]["projects"] == 5


def test_what_a_limit_leaves_is_an_error_naming_it_and_what_is_kept_is_judged(emu, tmp_path):
    store = LocalStore(tmp_path)
    first = _piece(emu, store, stop=Budget(4))
    assert first.snapshot is None
    limit = CallError(product="dwdiag", operation="Continuation", code="RunLimitReached",
                      message="not collected: the run reached its limit of 2 continuations (DWDIAG_MAX_CONTINUATIONS)")
    emu.clear_requests()
    last = _piece(emu, store, limit=limit)
    assert last.snapshot is not None and _fetched(emu) == Counter(), "a run at its limit fetches nothing new"
    found = evaluate(last.snapshot, Settings()).findings
    limited = [f for f in found if f.status.value == "error" and "RunLimitReached" in f.result]
    judged = [f for f in found if f.status.value in ("pass", "fail")]
    assert limited and judged
    assert all("DWDIAG_MAX_CONTINUATIONS" in f.result for f in limited)


def test_an_item_that_ran_into_the_deadline_is_not_kept(tmp_path):
    cp = Checkpoint(LocalStore(tmp_path), "runs/x/checkpoint/r/c")
    late = {"error": {"product": "dataworks", "operation": "ListProjectMembers", "code": "DeadlineExceeded"}}
    assert hit_deadline(late) and not cp.save("workspace", "1", late) and not cp.has("workspace", "1")
    assert cp.save("workspace", "2", {"ok": True}) and cp.load("workspace", "2") == {"ok": True}
    assert Checkpoint(cp.store, cp.prefix).names("workspace") == {"2"}
    assert cp.seal() == 1 and Checkpoint(cp.store, cp.prefix).names("workspace") == set()


@pytest.mark.slow
def test_a_damaged_workspace_item_ends_as_an_error_for_that_workspace_only(emu, tmp_path):
    reference = sweep(emu)
    store = LocalStore(tmp_path)
    kept = []
    while not kept:  # pieces until one has kept a workspace, the run not finished yet
        assert _piece(emu, store, stop=Budget(8)).snapshot is None
        kept = sorted(tmp_path.glob("runs/**/checkpoint/cn-hangzhou/**/workspace/*.json.gz"))
    kept[0].write_bytes(b"not gzip")
    damaged = kept[0].name[:-len(".json.gz")]
    got = None
    while got is None or got.snapshot is None:
        got = _piece(emu, store)
    found = evaluate(got.snapshot, Settings()).findings
    lost = [f for f in found if f.region == "cn-hangzhou" and f.workspace_id == damaged]
    # Only what the workspace's mode decides is still judged: it comes with the region's list of workspaces,
    # kept apart (a basic-mode workspace fails the mode item and has no deployments to review or separate).
    judged = {f.item_id: f.status.value for f in lost if f.status.value != "error"}
    assert "workspace_standard_mode" in judged
    assert set(judged) <= {"workspace_standard_mode", "code_review_enabled", "deploy_separation"}
    assert all(status == "not_applicable" for item, status in judged.items() if item != "workspace_standard_mode")
    before = {f.item_id: f.status.value for f in reference.findings
              if f.region == "cn-hangzhou" and f.workspace_id == damaged and f.item_id in judged}
    assert before == judged
    assert any("CheckpointLost" in f.result for f in lost)
    def elsewhere(findings):
        return {(f.item_id, f.region, f.object_id): f.status.value for f in findings
                if not (f.region == "cn-hangzhou" and f.workspace_id == damaged)}

    now, before = elsewhere(found), elsewhere(reference.findings)
    # Everything else is judged as before; only identities known through that workspace alone are not
    # listed now (its `10001/*` error above stands for them).
    assert {k: v for k, v in before.items() if k in now} == now
    assert {k[0] for k in before.keys() - now.keys()} <= {"schedule_identity_login"}


@pytest.mark.slow
def test_a_piece_starts_no_item_it_cannot_finish_before_its_deadline(emu, tmp_path):
    """With no reserve at all (`stop` never says stop), a piece still fetches nothing twice: it starts an item
    only while one and a half times the longest of its kind fits before the deadline."""
    reference = statuses(sweep(emu))
    emu.clear_requests()
    for action in ("ListProjectMembers", "ListDeploymentPackages", "ListPipelineRuns"):  # a workspace: 1.5 s
        emu.add_fault(actions=[action], kind="latency", latency_ms=500)
    store, pieces, got = LocalStore(tmp_path), 0, None
    while got is None or got.snapshot is None:
        settings = Settings(regions=list(emu.endpoints), deadline_seconds=2.5, workers=2)
        fresh = Sweep(settings, DEMO_CREDENTIALS, endpoints_for(emu),
                      retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.001, max_attempts=3))
        got = collect(fresh, regions=list(emu.endpoints), categories=ALL, now=WORLD_NOW, cache_store=store,
                      checkpoints=lambda region: Checkpoint(store, checkpoint_prefix(RUN, region, ALL)),
                      stop=lambda: False)
        pieces += 1
        assert pieces < 60, "a piece must make progress"
    assert pieces > 1, "the deadline cut the sweep"
    assert statuses(evaluate(got.snapshot, Settings())) == reference
    assert [k for k, n in _fetched(emu).items() if n > 1] == []
