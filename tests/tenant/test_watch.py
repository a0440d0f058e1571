"""The watch on the emulated tenant: a change made at run time is alerted by the next watch, only its objects
are collected again, a quiet watch only looks, and the nightly run after it finds the change existing."""

from __future__ import annotations

import json
from datetime import timedelta
from importlib import resources

import pytest
import yaml

from dwdiag import pipeline
from dwdiag.cli import main
from dwdiag.clients.retry import RetryPolicy
from dwdiag.demo.live import DEMO_CREDENTIALS, endpoints_for
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag.sweep import Sweep
from dwdiag.watch.run import watch, watch_sweep
from dwdiag_emulator import Emulator
from dwdiag_emulator.changes import actor_identity, record_event
from tests.support.paths import WORLD_NOW

DELAY = 600          # ActionTrail's delivery delay in the world: an event is queryable 10 minutes after the call
INTERVAL = 600       # the watch's timer
REGIONS = ["cn-hangzhou", "ap-southeast-1"]
WORKSPACE, PROJECT = "10001", "finance_prod"   # within the administrators' limit; protection on


@pytest.fixture
def world():
    """A tenant of its own (the watch changes its world) whose events arrive after DELAY."""
    doc = yaml.safe_load(resources.files("dwdiag_emulator.worlds").joinpath("demo.yaml").read_text())
    doc["actiontrail_delivery_seconds"] = DELAY
    emu = Emulator(doc)
    with emu.running():
        yield emu


class Robot:
    def __init__(self):
        self.sent = []

    def __call__(self, body):
        self.sent.append(body)


def _settings(**kw):
    return Settings(regions=REGIONS, **kw)


def _sweep(emu, settings, watcher=False):
    make = watch_sweep if watcher else Sweep
    return make(settings, DEMO_CREDENTIALS, endpoints=endpoints_for(emu),
                retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.001, max_attempts=3))


def _nightly(emu, store, now, robot=None):
    settings = _settings()
    return pipeline.run(settings, source="scan", sweep=_sweep(emu, settings), regions=REGIONS, now=now,
                        store=store, send=robot)


def _watch(emu, store, now, robot):
    settings = _settings()
    return watch(settings, _sweep(emu, settings, watcher=True), store, robot, now=now)


def _calls(emu):
    return [r for r in emu.requests() if r.status == 200 and r.action != "GetCallerIdentity"]


def _status(result, item, object_id, region="cn-hangzhou"):
    return {(f.item_id, f.region, f.object_id): f for f in result.findings}[(item, region, object_id)]


@pytest.mark.slow
def test_changes_are_alerted_by_the_next_watch_with_only_their_objects_collected(world, tmp_path):
    store, robot = LocalStore(tmp_path), Robot()
    night = _nightly(world, store, WORLD_NOW)
    assert _status(night, "workspace_admin_count", WORKSPACE).status.value == "pass"
    assert _status(night, "maxcompute_data_protection", PROJECT).status.value == "pass"
    assert _status(night, "actiontrail_audit", "cn-hangzhou").status.value == "pass"

    first = _watch(world, store, WORLD_NOW, robot)  # starts following; the demo world's writes are older
    assert robot.sent == [] and first.summary.rechecked == {}

    for user in ("200000000000003", "200000000000004"):  # two more administrators: four, with or without the owner
        world.change("add_workspace_member_role", workspace_id=int(WORKSPACE), user_id=user, actor="ops-mallory")
    world.change("set_project_protection", project=PROJECT, protected=False)
    for trail in ("audit-all", "write-only", "sg-trail", "org-audit"):
        world.change("stop_logging", name=trail)
    world.advance(INTERVAL + DELAY)
    world.clear_requests()

    later = WORLD_NOW + timedelta(seconds=INTERVAL + DELAY)
    done = _watch(world, store, later, robot)
    summary = done.summary
    assert summary.known.get("dataworks-public:AddProjectMemberToRole") == 2
    assert summary.known.get("Odps:UpdateProject") == 1
    assert summary.rechecked["cn-hangzhou"]["data_production"] == {"workspaces": [WORKSPACE]}
    assert summary.rechecked["cn-hangzhou"]["computing_storage"] == {"maxcompute_projects": [PROJECT]}
    assert summary.rechecked["cn-hangzhou"]["platform_config"] == {"whole": True}
    assert "data_transmission" not in summary.rechecked.get("cn-hangzhou", {})

    # Only the affected objects were collected again.
    calls = _calls(world)
    assert sum(1 for r in world.requests() if r.action == "GetCallerIdentity") == 1, "the credentials, once"
    workspaces = {r.params.get("ProjectId") for r in calls if r.params.get("ProjectId")}
    assert workspaces <= {WORKSPACE}, f"only workspace {WORKSPACE} is read again: {sorted(workspaces)}"
    projects = {r.params.get("projectName") for r in calls if r.action == "GetProject"}
    assert projects == {PROJECT}
    assert not [r for r in calls if r.action in ("ListDataSources", "ListSecurityStrategies")]

    # The alert names the events (who, when, which API) and the new fails.
    assert f"cn-hangzhou: AddProjectMemberToRole on workspace {WORKSPACE} by ops-mallory (ram-user) at " \
           f"{WORLD_NOW:%Y-%m-%dT%H:%M:%SZ}" in summary.triggers
    hangzhou = [b["markdown"]["text"] for b in robot.sent if b["markdown"]["title"].startswith("dwdiag cn-hangzhou")]
    assert len(hangzhou) == 1
    assert "**Re-checked after:** AddProjectMemberToRole on workspace 10001 by ops-mallory" in hangzhou[0]
    assert "UpdateProject on maxcompute project finance\\_prod" in hangzhou[0]
    new = {(f.item_id, f.object_id) for f in done.findings if f.state == "new"}
    assert {("workspace_admin_count", WORKSPACE), ("maxcompute_data_protection", PROJECT),
            ("actiontrail_audit", "cn-hangzhou")} <= new

    # latest/ holds exactly those findings changed, with the same fingerprints.
    latest = json.loads((tmp_path / "latest/cn-hangzhou/data_production.json").read_text())
    by_fp = {f["fingerprint"]: f for f in latest["findings"]}
    admin = _status(night, "workspace_admin_count", WORKSPACE)
    assert by_fp[admin.fingerprint]["status"] == "fail" and latest["watched"]["watch_id"] == summary.watch_id
    assert len(by_fp) == len([f for f in night.findings if f.region == "cn-hangzhou"
                              and f.category.value == "data_production"])

    # The nightly run after the watch reports them as existing, not new.
    world.clear_requests()
    after = _nightly(world, store, later + timedelta(hours=1))
    for item, object_id in (("workspace_admin_count", WORKSPACE), ("maxcompute_data_protection", PROJECT),
                            ("actiontrail_audit", "cn-hangzhou")):
        f = _status(after, item, object_id)
        assert (f.status.value, f.state) == ("fail", "existing"), (item, f.state)


@pytest.mark.slow
def test_a_watch_without_events_only_looks_and_sends_nothing(world, tmp_path):
    store, robot = LocalStore(tmp_path), Robot()
    _nightly(world, store, WORLD_NOW)
    _watch(world, store, WORLD_NOW, robot)
    world.advance(INTERVAL)
    world.clear_requests()
    done = _watch(world, store, WORLD_NOW + timedelta(seconds=INTERVAL), robot)
    assert {r.action for r in _calls(world)} == {"LookupEvents"}
    assert robot.sent == [] and done.summary.events == 0 and done.summary.rechecked == {}
    cursor = json.loads((tmp_path / "watch/cursor/cn-hangzhou.json").read_text())
    assert cursor["until"] == (WORLD_NOW + timedelta(seconds=INTERVAL)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.mark.slow
def test_a_change_seen_twice_in_the_overlap_is_re_checked_once_and_a_fix_is_resolved(world, tmp_path):
    store, robot = LocalStore(tmp_path), Robot()
    _nightly(world, store, WORLD_NOW)
    _watch(world, store, WORLD_NOW, robot)
    world.change("set_project_protection", project=PROJECT, protected=False)
    world.advance(DELAY)
    t1 = WORLD_NOW + timedelta(seconds=DELAY)
    assert _watch(world, store, t1, robot).summary.changes["new"] == 1
    world.advance(60)  # the next watch's window overlaps the last: the event is read again, and skipped
    again = _watch(world, store, t1 + timedelta(seconds=60), robot)
    assert again.summary.repeated >= 1 and again.summary.rechecked == {}
    world.change("set_project_protection", project=PROJECT, protected=True)
    world.advance(DELAY)
    fixed = _watch(world, store, t1 + timedelta(seconds=60 + DELAY), robot)
    assert fixed.summary.changes["resolved"] == 1
    assert "1 resolved" in robot.sent[-1]["markdown"]["title"]


def test_events_the_table_does_not_know_are_counted(world, tmp_path):
    store, robot = LocalStore(tmp_path), Robot()
    _watch(world, store, WORLD_NOW, robot)
    backend = world.tenant().backend  # a DataWorks write the watch does not follow (a node's file)
    record_event(backend, "dataworks", "CreateFile", region="cn-hangzhou", identity=actor_identity(backend, "dev"),
                 request_parameters={"ProjectId": int(WORKSPACE)}, resource_name=WORKSPACE,
                 resource_type="ACS::DataWorks::File")
    world.advance(DELAY)
    done = _watch(world, store, WORLD_NOW + timedelta(seconds=DELAY), robot)
    assert done.summary.unknown == {"dataworks-public:CreateFile": 1} and done.summary.rechecked == {}


def test_an_event_delivered_twice_in_one_batch_is_counted_once(world, tmp_path):
    store, robot = LocalStore(tmp_path), Robot()
    backend = world.tenant().backend
    event = record_event(backend, "dataworks", "CreateFile", region="cn-hangzhou",
                         identity=actor_identity(backend, "dev"), request_parameters={"ProjectId": int(WORKSPACE)}, resource_name=WORKSPACE,
                         resource_type="ACS::DataWorks::File")
    settings = _settings()
    done = watch(settings, _sweep(world, settings, watcher=True), store, robot, now=WORLD_NOW, given=[event, event])
    assert done.summary.events == 1 and done.summary.repeated == 1
    assert done.summary.unknown == {"dataworks-public:CreateFile": 1}


@pytest.mark.slow
def test_a_gap_longer_than_the_lookback_sweeps_the_region_whole(world, tmp_path):
    store, robot = LocalStore(tmp_path), Robot()
    _watch(world, store, WORLD_NOW, robot)
    later = WORLD_NOW + timedelta(hours=7)  # the default lookback is 6 hours
    world.advance(7 * 3600)
    done = _watch(world, store, later, robot)
    assert set(done.summary.full_sweeps) == set(REGIONS) and len(done.summary.gaps) == len(REGIONS)
    run_id = done.summary.full_sweeps["cn-hangzhou"]
    assert (tmp_path / "latest/cn-hangzhou/data_production.json").exists()
    assert json.loads((tmp_path / "latest/cn-hangzhou/data_production.json").read_text())["run_id"] == run_id


def test_dwdiag_watch_on_the_command_line(scan_env, capsys, tmp_path):
    assert main(["watch", "--format", "json"]) == 2
    assert "keeps its cursor in the store" in capsys.readouterr().err
    assert main(["watch", "--output", str(tmp_path), "--format", "json", "--no-alert",
                 "--now", "2026-11-28T02:00:00Z"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["windows"]["cn-hangzhou"] == ["2026-11-28T01:45:00Z", "2026-11-28T02:00:00Z"]
    assert doc["findings"] == [] and doc["pending"] == 0
    assert main(["watch", "--output", str(tmp_path), "--no-alert", "--now", "2026-11-28T02:10:00Z"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("watch ") and "window cn-hangzhou: 2026-11-28T01:45:00Z to 2026-11-28T02:10:00Z" in out


@pytest.mark.slow
def test_changes_over_the_budget_wait_in_the_cursor_for_the_next_watch(world, tmp_path):
    store, robot = LocalStore(tmp_path), Robot()
    settings = _settings(watch_max_objects=1)
    _nightly(world, store, WORLD_NOW)
    watch(settings, _sweep(world, settings, watcher=True), store, robot, now=WORLD_NOW)
    world.change("set_project_protection", project=PROJECT, protected=False)
    world.change("add_workspace_member_role", workspace_id=int(WORKSPACE), user_id="200000000000003")
    world.advance(DELAY)
    t1 = WORLD_NOW + timedelta(seconds=DELAY)
    first = watch(settings, _sweep(world, settings, watcher=True), store, robot, now=t1)
    assert first.summary.pending == 1 and sum(len(c) for c in first.summary.rechecked.values()) == 1
    assert any("DWDIAG_WATCH_MAX_OBJECTS" in p for p in first.summary.problems)
    world.advance(INTERVAL)
    second = watch(settings, _sweep(world, settings, watcher=True), store, robot, now=t1 + timedelta(seconds=INTERVAL))
    assert second.summary.events == 0 and second.summary.pending == 0
    assert sum(len(c) for c in second.summary.rechecked.values()) == 1, "the waiting change, from the cursor"


def test_the_watch_uses_its_share_of_each_quota():
    settings = _settings(watch_quota_share=0.1)
    plain, watcher = Sweep(settings, DEMO_CREDENTIALS), watch_sweep(settings, DEMO_CREDENTIALS)
    assert watcher.rates == {family: pytest.approx(rate * 0.1) for family, rate in plain.rates.items()}


def test_unreadable_events_keep_the_cursor_and_say_so(world, tmp_path):
    store, robot = LocalStore(tmp_path), Robot()
    _watch(world, store, WORLD_NOW, robot)
    world.add_fault(actions=["LookupEvents"], kind="error", status=503, code="ServiceUnavailable")
    world.change("set_project_protection", project=PROJECT, protected=False)
    world.advance(DELAY)
    failed = _watch(world, store, WORLD_NOW + timedelta(seconds=DELAY), robot)
    assert failed.summary.problems and all("cursor stays" in p for p in failed.summary.problems)
    assert robot.sent == [] and failed.summary.rechecked == {}
    cursor = json.loads((tmp_path / "watch/cursor/cn-hangzhou.json").read_text())
    assert cursor["until"] == WORLD_NOW.strftime("%Y-%m-%dT%H:%M:%SZ"), "the window is read again next time"
    world.clear_faults()
    world.advance(INTERVAL)
    after = _watch(world, store, WORLD_NOW + timedelta(seconds=DELAY + INTERVAL), robot)
    assert after.summary.changes["new"] == 1 and after.summary.known == {"Odps:UpdateProject": 1}


@pytest.mark.slow
def test_a_scheduling_identity_s_console_logon_re_checks_that_identity_where_it_schedules(world, tmp_path):
    store, robot = LocalStore(tmp_path), Robot()
    night = _nightly(world, store, WORLD_NOW)
    before = _status(night, "schedule_identity_login", "270000000000001")  # sched_bot
    _watch(world, store, WORLD_NOW, robot)
    world.change("disable_console_logon", user_name="sched_bot")
    world.advance(DELAY)
    done = _watch(world, store, WORLD_NOW + timedelta(seconds=DELAY), robot)
    scope = done.summary.rechecked["cn-hangzhou"]["data_production"]
    assert scope["ram_users"] == ["270000000000001"]
    used = {s.split("/")[0] for s in before.evidence["scheduling_for"]}
    assert set(scope["workspaces"]) == used
    identity = [f for f in done.findings if f.item_id == "schedule_identity_login"]
    assert [f.fingerprint for f in identity] == [before.fingerprint], "the same finding, judged again"
    assert "UpdateLoginProfile on ram user sched_bot" in " ".join(done.summary.triggers)


@pytest.mark.slow
def test_dwdiag_demo_watch_shows_the_watch_after_the_sweep(tmp_path, capsys):
    assert main(["demo", "--watch", "--output", str(tmp_path), "--format", "json"]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["findings"], "the sweep's document, as without --watch"
    assert "re-checked cn-hangzhou/computing_storage: {\"maxcompute_projects\": [\"finance_prod\"]}" in captured.err
    preview = (tmp_path / "watch/demo/dingtalk-preview.md").read_text()
    assert "AddProjectMemberToRole on workspace 10001 by ops-mallory (ram-user) at 2026-11-28T02:00:00Z (2 times)" \
        in preview.replace("\\(", "(").replace("\\)", ")")
    assert "MaxCompute data protection mode" in preview
    assert main(["demo", "--watch", "--organization", "--output", str(tmp_path / "o")]) == 2


@pytest.mark.slow
def test_an_error_about_another_object_does_not_drop_the_scope_s_own_findings(world, tmp_path):
    """Workspace 10003's re-check also looks up the sign-ins of the identities it schedules as; when those
    lookups are refused, their findings are errors about those identities, not about the workspace, and the
    workspace's own findings are still taken."""
    store, robot = LocalStore(tmp_path), Robot()
    _nightly(world, store, WORLD_NOW)
    _watch(world, store, WORLD_NOW, robot)
    world.change("add_workspace_member_role", workspace_id=10003, user_id="200000000000004")
    world.add_fault(actions=["LookupEvents"], params={"LookupAttribute.1.Value": "AasSub"}, kind="forbidden")
    world.advance(DELAY)
    done = _watch(world, store, WORLD_NOW + timedelta(seconds=DELAY), robot)
    assert done.summary.rechecked["cn-hangzhou"]["data_production"] == {"workspaces": ["10003"]}
    assert done.summary.pending == 0 and not done.summary.problems
    assert ("workspace_admin_count", "10003") in {(f.item_id, f.object_id) for f in done.findings}
