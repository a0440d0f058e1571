"""A run that does not fit one invocation: each piece keeps its progress and queues the next; the last one
publishes what one unbounded run would; limits end what is left as errors; an open run is not doubled."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

import dwdiag.fc.run as fc_run
from dwdiag import pipeline
from tests.support.cloud import context, load_handler, timer_event
from tests.support.paths import WORLD_NOW
from tests.support.tenant import Budget


FUNCTION = "dwdiag-data-production"


@pytest.fixture
def cut(monkeypatch):
    """cut(): from now on each piece may start 5 new items (the limits stay the real ones)."""
    real = fc_run._resume

    def budgeted(settings, sweep, run_id, piece):
        resume = real(settings, sweep, run_id, piece)
        return pipeline.Resume(stop=Budget(5), limit=resume.limit)

    return lambda: monkeypatch.setattr(fc_run, "_resume", budgeted)


@pytest.fixture
def pieces(cut):
    cut()


def _invoke(event, request_id: str) -> dict:
    return json.loads(load_handler("data_production")(event, context(FUNCTION, request_id)))


def _drain(cloud, first: dict, most: int = 60) -> tuple[dict, int]:
    """Run every continuation the pieces queue, as Function Compute would; the last answer and the count."""
    out, n = first, 1
    while out.get("continued"):
        queued = json.loads(cloud.fc.calls[-1]["body"])
        assert queued["run_id"] == first["run_id"] and queued["continuation"] == out["continuation"]
        out = _invoke(json.dumps(queued).encode(), f"req-c{n}")
        n += 1
        assert n < most, "every piece makes progress"
    return out, n


class Killed(Exception):
    """The instance died, as Function Compute's kill would end it, in the middle of work."""


def dying_after(items: int):
    """A `_resume` whose piece dies once it has started `items` items."""
    real = fc_run._resume

    def dying(settings, sweep, run_id, piece):
        budget = Budget(items)

        def stop() -> bool:
            if budget():
                raise Killed("the instance died")
            return False

        return pipeline.Resume(stop=stop, limit=real(settings, sweep, run_id, piece).limit)

    return dying


def _findings(cloud, run_id: str) -> dict:
    prefix = f"runs/2026-11-28/{run_id}"
    doc = cloud.objects(f"{prefix}/")[f"{prefix}/cn-hangzhou/data_production/findings.json"]
    return {f["fingerprint"]: f["status"] for f in doc["findings"]}


@pytest.mark.slow
def test_a_run_in_pieces_publishes_what_one_invocation_would(cloud, cut, emu):
    whole = _invoke(timer_event({"regions": ["cn-hangzhou"]}, when="2026-11-28T00:30:00Z"), "req-whole")
    assert whole["ok"] and not whole.get("continued")
    cut()
    emu.clear_requests()
    first = _invoke(timer_event({"regions": ["cn-hangzhou"]}), "req-1")
    assert first["continued"] and first["left"]["cn-hangzhou"]
    plan = first["plan"]["cn-hangzhou"]
    assert (plan["workspaces"], plan["workspaces_left"], plan["projects"]) == (6, 6, 0)
    assert plan["dataworks_calls_at_least"] > 0 and plan["invocations_at_least"] >= 1
    assert cloud.objects("open/")["open/data_production/cn-hangzhou.json"]["run_id"] == first["run_id"]
    last, n = _drain(cloud, first)
    assert n > 3 and last["ok"] and last["continuations"] == n - 1 and last["run_id"] == first["run_id"]
    assert _findings(cloud, first["run_id"]) == _findings(cloud, whole["run_id"])
    # Nothing collected was fetched twice across the pieces, the run's checkpoint is gone, the run is closed.
    done = [(r.region, r.action, tuple(sorted(r.params.items()))) for r in emu.requests()
            if r.status == 200 and r.action != "GetCallerIdentity"]
    assert len(done) == len(set(done))
    assert not [k for k in cloud.objects("runs/") if "/checkpoint/" in k] and "open/" not in str(cloud.objects("open/"))
    assert len(cloud.receiver.accepted) == 1, "the run alerts once, when it is published"


@pytest.mark.slow
def test_a_piece_that_ends_collecting_inside_its_reserve_leaves_publishing_to_a_fresh_one(cloud, emu, monkeypatch):
    whole = _invoke(timer_event({"regions": ["cn-hangzhou"]}, when="2026-11-28T00:30:00Z"), "req-whole")
    late = {"reserve": False, "collections": 0}
    real_resume, real_collect = fc_run._resume, pipeline.collect

    def resume(settings, sweep, run_id, piece):
        late["reserve"] = False
        return pipeline.Resume(stop=lambda: late["reserve"], limit=real_resume(settings, sweep, run_id, piece).limit)

    def collect(*args, **kwargs):
        got = real_collect(*args, **kwargs)
        late["collections"] += 1
        late["reserve"] = late["collections"] == 1  # the first piece's collection ends inside the reserve
        return got

    monkeypatch.setattr(fc_run, "_resume", resume)
    monkeypatch.setattr(pipeline, "collect", collect)
    emu.clear_requests()
    first = _invoke(timer_event({"regions": ["cn-hangzhou"]}), "req-1")
    assert first["continued"] and first["left"] == {"cn-hangzhou": {"publishing": 1}}
    assert not cloud.objects("runs/2026-11-28/" + first["run_id"] + "/cn-hangzhou/"), "nothing published yet"
    fetched = len(emu.requests())
    last, n = _drain(cloud, first)
    assert n == 2 and last["ok"] and last["findings"] > 0
    assert [r.action for r in emu.requests()[fetched:]] == ["GetCallerIdentity"], "the second piece only publishes"
    assert _findings(cloud, first["run_id"]) == _findings(cloud, whole["run_id"])


@pytest.mark.slow
def test_past_its_limit_a_run_ends_what_is_left_as_an_error_naming_the_limit(cloud, pieces):
    first = _invoke(timer_event({"regions": ["cn-hangzhou"], "settings": {"max_continuations": 1}}), "req-1")
    last, n = _drain(cloud, first)
    assert n == 3 and last["ok"], "pieces 0 and 1 collect, piece 2 is past the limit and publishes"
    assert any("DWDIAG_MAX_CONTINUATIONS" in p for p in last["problems"])
    assert last["by_status"]["error"] > 0


def test_past_its_age_limit_a_run_collects_nothing_more_and_publishes_what_it_has(cloud, pieces, monkeypatch):
    first = _invoke(timer_event({"regions": ["cn-hangzhou"], "settings": {"max_run_age_seconds": 3600}}), "req-1")
    assert first["continued"]
    later = WORLD_NOW + timedelta(hours=2)  # the next piece starts two hours after the run did
    monkeypatch.setattr("dwdiag.pipeline.utcnow", lambda: later)
    last, n = _drain(cloud, first)
    assert n == 2 and last["ok"] and not last.get("continued"), "the piece past the limit publishes at once"
    assert any("DWDIAG_MAX_RUN_AGE_SECONDS" in p and "3.0 hours old" in p for p in last["problems"]), "01:00 to 04:00"
    assert last["by_status"]["error"] > 0 and last["run_id"] == first["run_id"]


def test_a_timer_run_beside_a_live_open_run_is_not_started(cloud, pieces):
    first = _invoke(timer_event({"regions": ["cn-hangzhou"]}), "req-1")
    assert first["continued"]
    later = _invoke(timer_event({"regions": ["cn-hangzhou"]}, when="2026-11-28T01:05:00Z"), "req-2")
    assert later["skipped"] and later["open_run"] == first["run_id"] and later["run_id"] != first["run_id"]


@pytest.mark.slow
def test_a_timer_run_takes_over_an_open_run_whose_pieces_stopped(cloud, pieces):
    first = _invoke(timer_event({"regions": ["cn-hangzhou"]}), "req-1")
    assert first["continued"]
    marker = cloud.objects("open/")["open/data_production/cn-hangzhou.json"]
    stale = {**marker, "heartbeat": "2026-11-27T00:00:00+00:00"}  # its chain broke off a day ago
    cloud.s3.put_object(Bucket=cloud.bucket, Key="dwdiag/open/data_production/cn-hangzhou.json",
                        Body=json.dumps(stale).encode())
    later = _invoke(timer_event({"regions": ["cn-hangzhou"]}, when="2026-11-28T01:30:00Z"), "req-2")
    assert later["run_id"] == first["run_id"] and (later.get("continued") or later.get("findings"))


@pytest.mark.slow
def test_an_invocation_killed_midway_is_retried_and_loses_nothing(cloud, cut, emu, monkeypatch):
    whole = _invoke(timer_event({"regions": ["cn-hangzhou"]}, when="2026-11-28T00:30:00Z"), "req-whole")
    emu.clear_requests()
    real = fc_run._resume
    monkeypatch.setattr(fc_run, "_resume", dying_after(8))
    event = timer_event({"regions": ["cn-hangzhou"]})
    with pytest.raises(Killed):
        _invoke(event, "req-1")
    monkeypatch.setattr(fc_run, "_resume", real)
    again = _invoke(event, "req-1-retry")  # FC retries the failed asynchronous invocation with the same event
    assert again["ok"] and not again.get("continued") and again["run_id"].startswith("20261128T010000Z-")
    assert _findings(cloud, again["run_id"]) == _findings(cloud, whole["run_id"])
    done = [(r.region, r.action, tuple(sorted(r.params.items()))) for r in emu.requests()
            if r.status == 200 and r.action not in ("GetCallerIdentity",)]
    repeated = [k for k in set(done) if done.count(k) > 1]
    assert len(repeated) <= 1, f"at most the workspace in flight is fetched again: {repeated}"


@pytest.mark.slow
def test_a_retried_on_demand_run_without_a_run_id_goes_on_with_its_own_first_attempt(cloud, cut, emu, monkeypatch):
    # An event without a run id gets a new run id on each attempt; the retry (same request id) must not take
    # its own killed attempt's open marker for another live run and skip.
    real = fc_run._resume
    monkeypatch.setattr(fc_run, "_resume", dying_after(8))
    event = json.dumps({"regions": ["cn-hangzhou"], "alert": False}).encode()
    with pytest.raises(Killed):
        _invoke(event, "req-on-demand")
    opened = cloud.objects("open/")["open/data_production/cn-hangzhou.json"]
    monkeypatch.setattr(fc_run, "_resume", real)
    again = _invoke(event, "req-on-demand")  # FC's retry keeps the request id
    assert again["ok"] and not again.get("skipped") and again["run_id"] == opened["run_id"]
    assert again.get("findings") and cloud.objects("open/") == {}
    other = _invoke(event, "req-someone-else")  # another invocation is a run of its own
    assert other["ok"] and other["run_id"] != opened["run_id"]


@pytest.mark.parametrize("configured, timeout, deadline", [
    (None, 900, 870.0),      # the function's timeout less the margin
    (600.0, 900, 600.0),     # a shorter deadline set on purpose stands
    (2000.0, 900, 870.0),    # one longer than the timeout (left from a longer one) would lose the invocation
    (None, 86_400, 86_370.0),
])
def test_the_deadline_never_outlasts_the_invocation(monkeypatch, configured, timeout, deadline):
    from dwdiag.fc.invocation import settings_for
    from dwdiag.fc.events import Payload

    if configured is not None:
        monkeypatch.setenv("DWDIAG_DEADLINE_SECONDS", str(configured))
    else:
        monkeypatch.delenv("DWDIAG_DEADLINE_SECONDS", raising=False)
    assert settings_for(Payload(), context(FUNCTION, timeout=timeout)).deadline_seconds == deadline


@pytest.mark.parametrize("spent, deadline", [
    (0.0, 870.0),
    (40.0, 830.0),            # a cold start's loading counts against FC's timeout, so it comes off the deadline
    (700.0, 870.0 / 4),       # however long the loading, a quarter of the deadline is left
    (5_000.0, 870.0),         # longer than the timeout: the instance was loaded before this invocation began
])
def test_the_time_an_invocation_spent_before_its_run_comes_off_the_deadline(monkeypatch, spent, deadline):
    import time

    from dwdiag.fc.invocation import settings_for
    from dwdiag.fc.events import Payload

    monkeypatch.delenv("DWDIAG_DEADLINE_SECONDS", raising=False)
    started = time.monotonic() - spent
    got = settings_for(Payload(), context(FUNCTION, timeout=900), started).deadline_seconds
    assert deadline - 0.5 <= got <= deadline


def test_a_cold_start_counts_from_the_handler_module_loading_and_a_warm_one_from_its_entry(monkeypatch):
    import time

    import dwdiag.fc as fc

    monkeypatch.setattr(fc, "_LOADED", time.monotonic() - 3.0)
    monkeypatch.setattr(fc, "_loaded_unclaimed", True)
    first = fc.invocation_started()
    second = fc.invocation_started()
    assert first == fc._LOADED, "the first invocation of an instance began when its handler loaded"
    assert second - first >= 3.0 and abs(second - time.monotonic()) < 1.0, "a later one began at its entry"
