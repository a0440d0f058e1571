"""Issue 7, hostile input: random and malformed values get a clear error or an `error` result, never a
traceback in a handler's answer and never a pass; tenant strings cannot inject markdown into DingTalk.

Targets: FC event payloads (dwdiag.fc.handle), every Settings field, world files
(dwdiag_emulator.world.load_world), API answers (the emulator's `malformed` fault at status 200),
and tenant strings in the DingTalk message (dwdiag.alert.message.build_message).
"""

from __future__ import annotations

import json
import random
import re
from typing import Any

import pytest
import yaml
from dwdiag.alert.message import build_message
from dwdiag.errors import describe_validation
from dwdiag.settings import Settings
from dwdiag_emulator.world import World, WorldError, load_world
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from tests.support.cloud import CATEGORIES, context
from tests.support.messages import digest, live_markup, make_finding, text_of

pytestmark = pytest.mark.slow  # hypothesis: thousands of hostile inputs

EXAMPLES = 300
FAST = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20)
json_values = st.recursive(json_scalars, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=12)


# --- event payloads into each handler -----------------------------------------------------------

PAYLOAD_KEYS = ["regions", "workspaces", "settings", "run_id", "shard", "alert"]
SETTING_NAMES = sorted(Settings.model_fields)
payload_like = st.dictionaries(st.sampled_from(PAYLOAD_KEYS + ["regionz", ""]), json_values, max_size=4) | \
    st.fixed_dictionaries({"settings": st.dictionaries(st.sampled_from(SETTING_NAMES), json_values, max_size=3)})
events = st.one_of(
    st.binary(max_size=200),
    json_values.map(lambda v: json.dumps(v).encode()),
    payload_like.map(lambda v: json.dumps(v).encode()),
    payload_like,  # an on-demand invocation may hand over the object itself
    st.builds(lambda when, name, payload: json.dumps(
        {"triggerTime": when, "triggerName": name, "payload": payload}).encode(),
        st.text(max_size=25) | st.just("2026-11-28T01:00:00Z"), st.text(max_size=10),
        st.text(max_size=40) | payload_like.map(json.dumps) | st.none()),
)


@pytest.fixture(scope="module")
def no_sweep():
    """The parse and validate path is under test here: a well-formed event reaches these stand-ins instead
    of sweeping (the real sweep is tested in tests/fc and by the fault matrix)."""
    ran = []

    def run_here(payload, settings, credentials, category, run_id, regions, context=None):
        ran.append(run_id)
        return {"ok": True, "category": category, "run_id": run_id, "regions": regions}

    def fan_out(payload, settings, credentials, context, category, run_id, regions):
        ran.append(run_id)
        return {"ok": True, "category": category, "run_id": run_id, "fanned_out": {r: "queued" for r in regions}}

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr("dwdiag.fc.run.run_here", run_here)
        mp.setattr("dwdiag.fc.run.fan_out", fan_out)
        yield ran


@FAST
@given(event=events, category=st.sampled_from(CATEGORIES))
def test_any_event_gets_a_json_answer_never_an_exception(no_sweep, event, category):
    from dwdiag.fc import handle

    out = handle(event, context(f"dwdiag-{category}"), category)
    assert isinstance(out, str)
    answer = json.loads(out)
    assert isinstance(answer, dict) and isinstance(answer.get("ok"), bool)
    if not answer["ok"]:
        assert isinstance(answer.get("error"), str) and answer["error"].strip()
    assert "Traceback" not in out and 'File "' not in out


# --- every Settings field -----------------------------------------------------------------------

env_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=30) \
    | st.sampled_from(["[", "{", "[1,", '{"a": 1}', "true", "-1", "1e999", "nan", ",,,", "oss://", "http://"])


@FAST
@given(name=st.sampled_from(SETTING_NAMES), value=json_values)
def test_any_value_of_any_setting_is_valid_or_one_line_of_error(name, value):
    try:
        Settings(**{name: value})
    except ValidationError as exc:
        message = describe_validation(exc, what="a setting in the payload is invalid")
        assert name in message and "\n" not in message


@FAST
@given(name=st.sampled_from(SETTING_NAMES), value=env_text)
def test_any_environment_value_is_valid_or_one_line_of_error(name, value):
    """Through the command line's loader: a UserError of one line (exit 2), never another exception."""
    from dwdiag.cli import load_settings
    from dwdiag.errors import UserError

    with pytest.MonkeyPatch.context() as mp:
        mp.setenv(f"DWDIAG_{name.upper()}", value)
        try:
            load_settings()
        except UserError as exc:
            assert str(exc).strip()
            # A value with a line break of its own is test_an_item_id_with_a_newline_gives_one_line below.
            if not any(c in value for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"):
                assert "\n" not in str(exc), str(exc)


def test_an_item_id_with_a_newline_gives_one_line(monkeypatch):
    from dwdiag.cli import load_settings
    from dwdiag.errors import UserError

    monkeypatch.setenv("DWDIAG_DISABLED_ITEMS", "no_such\nitem")
    with pytest.raises(UserError) as caught:
        load_settings()
    assert "\n" not in str(caught.value)


# --- world files ------------------------------------------------------------------------------------

SMALL_WORLD = """\
account_id: '1234567890123456'
now: '2026-11-28T02:00:00Z'
credentials:
  access_keys:
  - AccessKeyId: AKIDdemo
    AccessKeySecret: demoSecret
ram_users:
- UserId: '270000000000001'
  UserName: sched_bot
regions:
  cn-hangzhou:
    dataworks:
      workspaces:
      - Id: 10001
        Name: retail_std
        Status: Available
        DevEnvironmentEnabled: true
    maxcompute:
      projects:
      - name: finance_prod
    actiontrail:
      trails:
      - Name: audit
        Status: Enable
        EventRW: All
faults:
- actions: [ListProjects]
  kind: error
  status: 503
quotas:
- name: dw
  product: dataworks
  qps: 5
"""
NOISE = ["", "- ", ": ", "{", "}", "[", "]", "'", '"', "&a", "*a", "!!int", "!!python/object:os.system", "\t",
         "  ", "-1", "null", "~", "true", "1e400", "x: [", "? x", "%YAML 1.1", "---", "|", ">", "#", "\\u0000"]


def mutate(text: str, rnd: random.Random, steps: int) -> str:
    lines = text.splitlines()
    for _ in range(steps):
        i = rnd.randrange(len(lines)) if lines else 0
        op = rnd.randrange(6)
        if op == 0 and lines:
            del lines[i]
        elif op == 1 and lines:
            lines.insert(i, lines[i])
        elif op == 2 and lines:
            line = lines[i]
            j = rnd.randrange(len(line) + 1)
            lines[i] = line[:j] + rnd.choice(NOISE) + line[j:]
        elif op == 3 and lines:
            key, sep, _ = lines[i].partition(": ")
            if sep:
                lines[i] = key + sep + rnd.choice(["-5", "'x'", "[]", "{}", "null", "true", "3.5", "[1, 2]", "abc"])
        elif op == 4 and lines:
            lines[i] = " " * rnd.randrange(5) + lines[i].lstrip()
        else:
            lines.insert(i, rnd.choice(NOISE) + rnd.choice(["x", "faults: 3", "regions: []", "log_limit: -1"]))
    return "\n".join(lines) + "\n"


def test_the_small_world_itself_loads():
    assert isinstance(load_world(SMALL_WORLD), World)


@FAST
@given(seed=st.integers(0, 2**32 - 1), steps=st.integers(1, 6))
def test_a_mutated_world_loads_or_raises_a_world_error_naming_a_line(seed, steps):
    text = mutate(SMALL_WORLD, random.Random(seed), steps)
    try:
        load_world(text)
    except WorldError as exc:
        assert re.search(r"\bline \d+", str(exc)), str(exc)


@FAST
@given(value=json_values)
def test_any_yaml_document_loads_or_raises_a_world_error_naming_a_line(value):
    load = yaml.safe_dump({"regions": {"cn-hangzhou": {"dataworks": {"workspaces": [value]}}}})
    try:
        load_world(load)
    except WorldError as exc:
        assert re.search(r"\bline \d+", str(exc)), str(exc)


# --- API answers ----------------------------------------------------------------------------------

# Bodies with the list container present but anything inside it (a missing container is the fault
# matrix's `missing_fields` pair, a known bug there); or anything at all that is not such an object.
def _answers(container: str, items: str):
    item = st.dictionaries(st.sampled_from(["Id", "Name", "Status", "EventRW", "TrailRegion", "IsLogging",
                                            "DevEnvironmentEnabled", "SlsProjectArn", "OssBucketName", "x"]),
                           json_values, max_size=6) | json_values
    listed = st.lists(item, max_size=3) | json_values.filter(lambda v: v is not None)
    if container:
        inner = st.fixed_dictionaries({items: listed, "TotalCount": json_values, "PageNumber": json_values})
        shaped = st.fixed_dictionaries({"RequestId": st.just("r"), container: inner})
    else:
        shaped = st.fixed_dictionaries({"RequestId": st.just("r"), items: listed})
    return shaped.map(json.dumps) | json_values.map(json.dumps) | st.text(max_size=40)


@pytest.fixture(scope="module")
def world_tenant():
    from dwdiag.demo.live import demo_tenant

    with demo_tenant() as emulator:
        yield emulator


def _sweep(emulator, category: str):
    from dwdiag.clients.retry import RetryPolicy
    from dwdiag.demo.live import DEMO_CREDENTIALS, endpoints_for
    from dwdiag.models.findings import Category
    from dwdiag import pipeline
    from dwdiag.sweep import Sweep

    from tests.support.paths import WORLD_NOW

    s = Settings(regions=["cn-hangzhou"], categories=[category], qps_dataworks=1000, deadline_seconds=20)
    sweep = Sweep(s, DEMO_CREDENTIALS, endpoints_for(emulator),
                  retry=lambda d: RetryPolicy(deadline=d, base_delay=0.0005, max_attempts=2))
    return pipeline.run(s, source="scan", regions=["cn-hangzhou"], categories=[Category(category)], sweep=sweep, now=WORLD_NOW)


ANSWER_TARGETS = {
    # (product, action): (category, container, items)
    ("actiontrail", "DescribeTrails"): ("platform_config", "", "TrailList"),
    ("dataworks", "ListProjects"): ("data_transmission", "PagingInfo", "Projects"),
}


@pytest.mark.parametrize("target", list(ANSWER_TARGETS), ids=lambda t: t[1])
def test_a_random_answer_to_a_list_call_is_never_a_pass(world_tenant, target):
    category, container, items = ANSWER_TARGETS[target]
    tried: list[str] = []

    @settings(max_examples=EXAMPLES // 2, deadline=None, suppress_health_check=list(HealthCheck))
    @given(body=_answers(container, items))
    def check(body: str) -> None:
        tried.append(body)
        world_tenant.clear_faults()
        world_tenant.add_fault(product=target[0], actions=[target[1]], kind="malformed", status=200, body=body)
        result = _sweep(world_tenant, category)
        passed = [f for f in result.findings if f.status.value == "pass"]
        assert not passed, f"{[(f.item_id, f.object_id, f.result) for f in passed]} from {body!r}"

    try:
        check()
    finally:
        world_tenant.clear_faults()
    assert len(tried) >= EXAMPLES // 2


# --- tenant strings in DingTalk messages ------------------------------------------------------------

# Lone surrogates are left to test_a_lone_surrogate_in_a_tenant_name_does_not_crash_the_run below.
hostile = st.text(alphabet=st.sampled_from(list("[]()!#<>&;`*_~|\\-+.1 \n\r\tab:/=\"'"))
                  | st.characters(blacklist_categories=("Cs",)),
                  max_size=60) | st.sampled_from([
                      "[click](http://evil.example)", "![x](http://evil.example/p.png)", "<a href='http://e'>x</a>",
                      "# Heading", "\n# injected", "1. list", "- item", "**bold**", "&#91;x&#93;(http://e)",
                      "[x]: http://evil.example", "<http://evil.example>", "`code`", "| a | b |", "> quote"])


def _shape(text: str) -> dict[str, Any]:
    live = live_markup(text)
    return {"links": live.count("]("), "images": live.count("!["), "angle": live.count("<") + live.count(">"),
            "lines": text.count("\n"), "headings": len(re.findall(r"(?m)^#", text)),
            "refs": len(re.findall(r"(?m)^\s*\[[^\]]*\]:", live))}


@FAST
@given(name=hostile, object_id=hostile, result=hostile, suggestion=hostile, workspace=hostile)
def test_tenant_strings_cannot_add_markup_to_a_dingtalk_message(name, object_id, result, suggestion, workspace):
    def message(n, o, r, s, w) -> str:
        new = [make_finding(1, name=n, object_id=o, result=r, suggestion=s, workspace_id=w)]
        gone = [make_finding(2, name=n, object_id=o + "-2", result=r, suggestion=s, workspace_id=w)]
        return text_of(build_message(digest(new=new, resolved=gone)))

    plain = message("name", "id", "result", "suggestion", "ws")
    assert _shape(message(name, object_id, result, suggestion, workspace)) == _shape(plain)


def test_a_lone_surrogate_in_a_tenant_name_does_not_crash_the_run():
    from importlib import resources

    from dwdiag.demo.live import DEMO_CREDENTIALS, endpoints_for
    from dwdiag_emulator import Emulator

    world = yaml.safe_load(resources.files("dwdiag_emulator.worlds").joinpath("demo.yaml").read_text())
    retail = next(w for w in world["regions"]["cn-hangzhou"]["dataworks"]["workspaces"] if w["Id"] == 10001)
    retail["data_sources"][0]["Name"] = "orders\ud800db"
    emulator = Emulator(world)
    with emulator.running():
        from dwdiag.clients.retry import RetryPolicy
        from dwdiag.models.findings import Category
        from dwdiag import pipeline
        from dwdiag.sweep import Sweep

        from tests.support.paths import WORLD_NOW

        s = Settings(regions=["cn-hangzhou"], categories=["data_transmission"], qps_dataworks=1000)
        sweep = Sweep(s, DEMO_CREDENTIALS, endpoints_for(emulator),
                      retry=lambda d: RetryPolicy(deadline=d, base_delay=0.001, max_attempts=2))
        result = pipeline.run(s, source="scan", regions=["cn-hangzhou"], categories=[Category.data_transmission], sweep=sweep,
                      now=WORLD_NOW)
    assert any(f.item_id == "datasource_env_isolation" for f in result.findings)
