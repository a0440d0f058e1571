"""template.yml (FC 2.0, ROS transform) and s.yaml (FC 3.0, Serverless Devs) describe the same deployment:
the four category functions, nightly, and the watch, every 10 minutes."""

from __future__ import annotations

import importlib.util
import inspect
import json
import os
import re

import pytest

from scripts import deploy_lib as deploy
from dwdiag.models.findings import Category
from dwdiag.settings import unknown_environment_settings

from tests.support.deploy import S_YAML, TEMPLATE, handler_file, references
from tests.support.paths import ROOT

CATEGORIES = [c.value for c in Category]
CATEGORY_FUNCTIONS = list(deploy.category_functions())
WATCH = deploy.function_name(deploy.WATCH)  # dwdiag-watch
FIELD_RANGES = [(0, 59), (0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]  # sec min hour dom month dow


def timer(resource: dict) -> dict:
    timers = [e["Properties"] for e in resource.get("Events", {}).values() if e.get("Type") == "Timer"]
    assert len(timers) == 1, "each function has exactly one Timer event"
    return timers[0]


def fc3_timer(props: dict) -> dict:
    timers = [t for t in props.get("triggers", []) if t.get("triggerType") == "timer"]
    assert len(timers) == 1, "each function has exactly one timer trigger"
    return timers[0]["triggerConfig"]


# --- structure ---------------------------------------------------------------------------------------------

def test_the_functions_are_the_four_categories_then_the_watch():
    assert CATEGORY_FUNCTIONS == [deploy.function_name(c) for c in CATEGORIES]
    assert list(deploy.functions()) == [*CATEGORY_FUNCTIONS, "dwdiag-watch"]
    assert deploy.functions()[WATCH] == deploy.WATCH == "watch"
    assert all(deploy.functions()[deploy.function_name(c)] == c for c in CATEGORIES)
    for name, folder in deploy.functions().items():
        assert handler_file(folder).is_file(), f"{name}: no functions/{folder}/index.py"
    with pytest.raises(ValueError):
        deploy.function_name("watcher")


def test_template_is_a_ros_serverless_template_with_one_service_and_the_five_functions(template, service,
                                                                                       fc2_functions):
    assert template["ROSTemplateFormatVersion"] == "2015-09-01"
    assert template["Transform"] == "Aliyun::Serverless-2018-04-03"
    assert list(template["Resources"]) == [deploy.SERVICE_NAME]
    assert service["Type"] == "Aliyun::Serverless::Service"
    assert list(fc2_functions) == list(deploy.functions())


def test_s_yaml_is_fc3_with_the_same_five_functions(s_yaml, fc3_functions):
    assert str(s_yaml["edition"]) == "3.0.0"
    assert all(r["component"] == "fc3" for r in s_yaml["resources"].values())
    assert all(key == r["props"]["functionName"] for key, r in s_yaml["resources"].items())
    assert list(fc3_functions) == list(deploy.functions())


def test_function_names_are_the_ones_fan_out_and_dwdiag_invoke_call():
    from dwdiag.settings import Settings

    fields = Settings.model_fields
    if "fc_service" not in fields or "fc_function_prefix" not in fields:
        pytest.skip("the settings for fan-out and `dwdiag invoke` are not there yet")
    assert fields["fc_service"].default == deploy.SERVICE_NAME
    for category in CATEGORIES:  # cli.py: prefix + category with dashes
        assert fields["fc_function_prefix"].default + category.replace("_", "-") == deploy.function_name(category)


def test_service_reaches_the_internet_and_logs(service, fc3_functions):
    props = service["Properties"]
    assert props["InternetAccess"] is True, "the DingTalk robot is on the internet"
    assert set(props["LogConfig"]) >= {"Project", "Logstore"}
    for props3 in fc3_functions.values():
        assert props3["internetAccess"] is True
        assert set(props3["logConfig"]) >= {"project", "logstore"}


def test_every_ref_names_a_parameter_and_every_parameter_is_used(template):
    refs, _ = references(template["Resources"])
    assert refs == set(template["Parameters"])


# --- functions ---------------------------------------------------------------------------------------------

def load_handler_module(folder: str, handler: str):
    module_name, func = handler.rsplit(".", 1)
    path = handler_file(folder).with_name(f"{module_name}.py")
    if not path.is_file():
        pytest.skip(f"{path.relative_to(ROOT)} is not written yet (the handlers are another change)")
    spec = importlib.util.spec_from_file_location(f"dwdiag_fc_handler_{folder}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return getattr(module, func)


@pytest.mark.parametrize("name,folder", list(deploy.functions().items()))
def test_handler_path_resolves_to_an_importable_callable(name, folder, fc2_functions, fc3_functions):
    handler = fc2_functions[name]["Properties"]["Handler"]
    assert handler == fc3_functions[name]["handler"] == "index.handler"
    target = load_handler_module(folder, handler)
    assert callable(target)
    inspect.signature(target).bind("event", "context")  # FC calls handler(event, context)


@pytest.mark.parametrize("name,folder", list(deploy.functions().items()))
def test_each_handler_runs_its_own_function(name, folder, monkeypatch):
    """A category's handler runs dwdiag.fc.handle for its category; the watch's runs dwdiag.fc.watch.handle_watch.
    (The library's entry points are replaced before the handler imports them: nothing runs.)"""
    import dwdiag.fc
    import dwdiag.fc.watch

    calls = []
    monkeypatch.setattr(dwdiag.fc, "handle", lambda event, context, category: calls.append(("handle", category)))
    monkeypatch.setattr(dwdiag.fc.watch, "handle_watch", lambda event, context: calls.append(("watch", None)))
    load_handler_module(folder, "index.handler")(b"{}", object())
    assert calls == ([("watch", None)] if folder == deploy.WATCH else [("handle", folder)])


@pytest.mark.parametrize("name,folder", list(deploy.functions().items()))
def test_code_is_the_package_scripts_package_builds(name, folder, fc2_functions, fc3_functions):
    expected = f"./{deploy.package_zip(folder)}"
    assert expected == f"./build/fc/{name}.zip"
    assert fc2_functions[name]["Properties"]["CodeUri"] == expected
    assert fc3_functions[name]["code"] == expected


def test_runtime_timeout_and_memory_agree_and_are_valid(template, fc2_functions, fc3_functions):
    parameter = template["Parameters"]["FunctionTimeout"]
    assert parameter["Type"] == "Number"
    assert 1 <= parameter["MinValue"] <= parameter["Default"] <= parameter["MaxValue"] <= 86_400
    memory = set()
    for name, resource in fc2_functions.items():
        props, props3 = resource["Properties"], fc3_functions[name]
        assert props["Runtime"] == props3["runtime"] == "python3.10"
        assert props["MemorySize"] == props3["memorySize"]
        assert props["MemorySize"] % 64 == 0 and 128 <= props["MemorySize"] <= 32_768
        memory.add(props["MemorySize"])
        if name == WATCH:
            continue
        assert props["Timeout"] == {"Ref": "FunctionTimeout"}, "one parameter sets every category function's timeout"
        assert parameter["Default"] == props3["timeout"]
    assert len(memory) == 1, "the watch has the same memory as the category functions"


def test_the_watch_has_a_short_fixed_timeout_that_ends_before_the_next_watch(fc2_functions, fc3_functions):
    """The watch neither fans out nor continues itself: its timeout is its own, not FunctionTimeout's."""
    from dwdiag.fc import DEADLINE_MARGIN_S

    assert fc2_functions[WATCH]["Properties"]["Timeout"] == fc3_functions[WATCH]["timeout"] \
        == deploy.WATCH_TIMEOUT_SECONDS == 300
    assert deploy.WATCH_TIMEOUT_SECONDS - DEADLINE_MARGIN_S >= 60, "time to read, re-check, store and alert"
    assert deploy.WATCH_TIMEOUT_SECONDS <= deploy.WATCH_PERIOD_SECONDS, "a watch ends before the next one starts"


def test_no_deadline_is_pinned_so_the_handler_follows_the_timeout(fc2_functions, fc3_functions):
    """The handler derives its deadline from the invocation's timeout; a pinned DWDIAG_DEADLINE_SECONDS would
    keep the old deadline after the timeout is raised, and every invocation would stop early."""
    for name, resource in fc2_functions.items():
        assert "DWDIAG_DEADLINE_SECONDS" not in resource["Properties"]["EnvironmentVariables"]
        assert "DWDIAG_DEADLINE_SECONDS" not in fc3_functions[name]["environmentVariables"]


def test_the_smallest_timeout_leaves_time_to_collect(template):
    from dwdiag.fc import DEADLINE_MARGIN_S
    from dwdiag.settings import Settings

    reserve = Settings.model_fields["continuation_reserve_seconds"].default
    assert template["Parameters"]["FunctionTimeout"]["MinValue"] - DEADLINE_MARGIN_S - reserve >= 60


def test_environment_is_the_same_and_names_only_dwdiag_settings(fc2_functions, fc3_functions):
    for name, resource in fc2_functions.items():
        env2 = resource["Properties"]["EnvironmentVariables"]
        env3 = fc3_functions[name]["environmentVariables"]
        assert set(env2) == set(env3)
        assert all(k.startswith("DWDIAG_") for k in env2)
        assert unknown_environment_settings(dict.fromkeys(env2, "")) == []
        assert all(isinstance(v, (str, dict)) for v in env2.values()), "FC environment values are strings"
        assert all(isinstance(v, str) for v in env3.values())


# What the category functions have and the watch does not: it follows one account (DWDIAG_ACCOUNTS=self), so
# assumes no member role, and alerts the default robot, so has no routes; it publishes no runs, so prunes none.
ORGANIZATION_ONLY = {"DWDIAG_MEMBER_ROLE", "DWDIAG_ALERT_ROUTES", "DWDIAG_KEEP_DAYS"}
WATCH_ONLY = {"DWDIAG_WATCH_QUOTA_SHARE"}


def test_the_watch_has_the_categories_environment_but_one_account_and_its_quota_share(fc2_functions,
                                                                                        fc3_functions):
    for environment in (lambda n: fc2_functions[n]["Properties"]["EnvironmentVariables"],
                        lambda n: fc3_functions[n]["environmentVariables"]):
        category, watch = environment(CATEGORY_FUNCTIONS[0]), environment(WATCH)
        assert all(environment(n) == category for n in CATEGORY_FUNCTIONS), "the categories share one environment"
        assert set(watch) == (set(category) - ORGANIZATION_ONLY) | WATCH_ONLY
        assert watch["DWDIAG_ACCOUNTS"] == "self", "the watch follows one account whatever the deploy sets"
        shared = set(watch) - WATCH_ONLY - {"DWDIAG_ACCOUNTS"}
        assert {k: watch[k] for k in shared} == {k: category[k] for k in shared}, \
            "the same regions, bucket, prefix and robot as the category functions"


def resolved_environment(template, fc2_functions, s_yaml_functions, name):
    """The variables a function gets with every setting left at its default: template.yml's parameters' Defaults
    (the required OssBucket and OssRegion given), and s.yaml's ${env('X', 'default')} defaults."""
    given = {"OssBucket": "b", "OssRegion": "cn-hangzhou"}
    params = {k: str(v["Default"]) for k, v in template["Parameters"].items() if "Default" in v} | given
    fc2 = {}
    for key, value in fc2_functions[name]["Properties"]["EnvironmentVariables"].items():
        if isinstance(value, dict):
            if value["Ref"] in params:
                fc2[key] = params[value["Ref"]]
        else:
            fc2[key] = str(value)
    fc3 = {}
    for key, value in s_yaml_functions[name]["environmentVariables"].items():
        match = re.fullmatch(r"\$\{env\('(\w+)'(?:, '([^']*)')?\)\}", value)
        if match is None:
            fc3[key] = value
        elif match.group(1) in ("DWDIAG_OSS_BUCKET", "DWDIAG_OSS_REGION"):
            fc3[key] = {"DWDIAG_OSS_BUCKET": "b", "DWDIAG_OSS_REGION": "cn-hangzhou"}[match.group(1)]
        elif match.group(2) is not None:
            fc3[key] = match.group(2)
    return fc2, fc3


def test_the_watch_s_settings_by_default_are_one_account_and_the_code_s_watch_defaults(template, fc2_functions,
                                                                                          fc3_functions, monkeypatch):
    from dwdiag.settings import Settings

    fc2, fc3 = resolved_environment(template, fc2_functions, fc3_functions, WATCH)
    assert fc2 == fc3, "deployed with the defaults, both files give the watch the same settings"
    for key in [k for k in os.environ if k.upper().startswith("DWDIAG_")]:
        monkeypatch.delenv(key)
    for key, value in fc2.items():
        monkeypatch.setenv(key, value)
    settings = Settings()
    assert settings.accounts == "self", "the watch refuses any other value"
    fields = Settings.model_fields
    for field in ("watch_quota_share", "watch_overlap_seconds", "watch_lookback_seconds", "watch_max_objects"):
        assert getattr(settings, field) == fields[field].default, f"{field} keeps the code's default"


QUOTA_SHARES_VALID = ["0.25", "1", "1.0", "0.5", ".5", "0.05", "0.001"]
QUOTA_SHARES_INVALID = ["0", "0.0", ".", "1.5", "2", "-0.25", "abc", "", "0.25 ", "1e-1"]


def test_the_watch_quota_share_parameter_accepts_exactly_shares_the_setting_accepts(template, fc2_functions):
    from pydantic import ValidationError

    from dwdiag.settings import Settings

    parameter = template["Parameters"]["WatchQuotaShare"]
    assert fc2_functions[WATCH]["Properties"]["EnvironmentVariables"]["DWDIAG_WATCH_QUOTA_SHARE"] == \
        {"Ref": "WatchQuotaShare"}
    assert parameter["Type"] == "String", "FC environment values are strings"
    assert float(parameter["Default"]) == Settings.model_fields["watch_quota_share"].default
    pattern = re.compile(parameter["AllowedPattern"])
    for value in QUOTA_SHARES_VALID:
        assert pattern.fullmatch(value), value
        assert Settings(watch_quota_share=value).watch_quota_share == float(value)
    for value in QUOTA_SHARES_INVALID:
        assert not pattern.fullmatch(value), value
    for value in ("0", "1.5", "-0.25"):
        with pytest.raises(ValidationError):
            Settings(watch_quota_share=value)


def test_only_the_watch_gets_watch_settings(fc2_functions, fc3_functions):
    for name in CATEGORY_FUNCTIONS:
        assert not [k for k in fc2_functions[name]["Properties"]["EnvironmentVariables"]
                    if k.startswith("DWDIAG_WATCH_")]
        assert not [k for k in fc3_functions[name]["environmentVariables"] if k.startswith("DWDIAG_WATCH_")]


def test_async_retries_match_the_design_in_both_files(fc2_functions, fc3_functions):
    for name in CATEGORY_FUNCTIONS:
        fc2 = fc2_functions[name]["Properties"]["AsyncConfiguration"]
        fc3 = fc3_functions[name]["asyncInvokeConfig"]
        assert fc2["MaxAsyncRetryAttempts"] == fc3["maxAsyncRetryAttempts"] == deploy.MAX_ASYNC_RETRY_ATTEMPTS
        assert fc2["MaxAsyncEventAgeInSeconds"] == fc3["maxAsyncEventAgeInSeconds"] \
            == deploy.MAX_ASYNC_EVENT_AGE_SECONDS
    fc2 = fc2_functions[WATCH]["Properties"]["AsyncConfiguration"]
    fc3 = fc3_functions[WATCH]["asyncInvokeConfig"]
    assert fc2["MaxAsyncRetryAttempts"] == fc3["maxAsyncRetryAttempts"] == deploy.WATCH_MAX_ASYNC_RETRY_ATTEMPTS
    assert fc2["MaxAsyncEventAgeInSeconds"] == fc3["maxAsyncEventAgeInSeconds"] \
        == deploy.WATCH_MAX_ASYNC_EVENT_AGE_SECONDS


def test_a_watch_is_not_retried_and_a_late_one_is_dropped_before_it_could_overlap_the_next():
    """The next timer repeats a failed watch from the same cursor; a retry or a late start would only run
    beside it, spending the quota share twice."""
    assert deploy.WATCH_MAX_ASYNC_RETRY_ATTEMPTS in (0, 1)
    assert deploy.WATCH_MAX_ASYNC_RETRY_ATTEMPTS < deploy.MAX_ASYNC_RETRY_ATTEMPTS
    assert 0 < deploy.WATCH_MAX_ASYNC_EVENT_AGE_SECONDS
    assert deploy.WATCH_MAX_ASYNC_EVENT_AGE_SECONDS + deploy.WATCH_TIMEOUT_SECONDS <= deploy.WATCH_PERIOD_SECONDS


# --- timers ------------------------------------------------------------------------------------------------

def parse_cron(expression: str) -> list[str]:
    assert "CRON_TZ" not in expression, "timers run in UTC; no CRON_TZ prefix"
    assert not expression.startswith("@"), "a nightly cron, not an @every interval"
    fields = expression.split()
    assert len(fields) == 6, f"{expression!r}: FC crons have 6 fields (sec min hour dom month dow)"
    for field, (low, high) in zip(fields, FIELD_RANGES):
        if field in ("*", "?"):
            continue
        for part in re.split(r"[,/-]", field):
            assert part.isdigit() and low <= int(part) <= high, f"{expression!r}: bad field {field!r}"
    return fields


def test_each_category_has_a_distinct_staggered_nightly_utc_cron_the_same_in_both_files(fc2_functions,
                                                                                         fc3_functions):
    minutes = []
    for name in CATEGORY_FUNCTIONS:
        resource = fc2_functions[name]
        cron = timer(resource)["CronExpression"]
        assert cron == fc3_timer(fc3_functions[name])["cronExpression"]
        sec, minute, hour, dom, month, dow = parse_cron(cron)
        assert (dom, month, dow) == ("*", "*", "*"), "every night"
        assert sec.isdigit() and minute.isdigit() and hour.isdigit(), "one fixed time a night"
        minutes.append(int(hour) * 60 + int(minute))
    assert len(set(minutes)) == len(minutes), "the categories start at distinct times"
    ordered = sorted(minutes)
    assert all(b - a >= 10 for a, b in zip(ordered, ordered[1:])), "staggered by at least 10 minutes"


def test_timers_are_enabled_with_a_boolean_and_carry_a_json_string_payload(fc2_functions, fc3_functions):
    for name, resource in fc2_functions.items():
        props, config = timer(resource), fc3_timer(fc3_functions[name])
        assert props["Enable"] is True and config["enable"] is True, "Enable is a boolean (fun rejects 'true')"
        assert isinstance(props["Payload"], str), "the payload reaches the handler as a string"
        assert props["Payload"] == config["payload"]
        payload = json.loads(props["Payload"])
        assert isinstance(payload, dict)
        if name != WATCH:
            assert payload.get("regions"), "a nightly run sweeps the regions its payload names"
        assert len(props["Payload"].encode()) <= 128 * 1024


def cron_times(expression: str) -> list[int]:
    """The seconds of the day a 6-field cron whose day fields are all `*` fires at: fields of `*`, `*/n`,
    numbers and comma lists."""
    fields = expression.split()
    assert len(fields) == 6 and "CRON_TZ" not in expression and not expression.startswith("@"), expression
    assert fields[3:] == ["*", "*", "*"], f"{expression!r}: every day"

    def values(field: str, low: int, high: int) -> set[int]:
        found = set()
        for part in field.split(","):
            base, _, step = part.partition("/")
            if base == "*":
                first, last = low, high
            else:
                assert base.isdigit() and low <= int(base) <= high, f"{expression!r}: bad field {field!r}"
                first, last = int(base), (high if step else int(base))
            assert not step or (step.isdigit() and int(step) > 0), f"{expression!r}: bad step {field!r}"
            found.update(range(first, last + 1, int(step or 1)))
        return found

    sec, minute, hour = (values(f, low, high) for f, (low, high) in zip(fields[:3], FIELD_RANGES))
    return sorted(h * 3600 + m * 60 + s for h in hour for m in minute for s in sec)


def test_cron_times_reads_nightly_and_stepped_crons():
    assert cron_times("0 15 1 * * *") == [4500]
    assert cron_times("0 */30 * * * *")[:3] == [0, 1800, 3600]
    assert len(cron_times("30 5,35 * * * *")) == 48


def test_the_watch_runs_every_10_minutes_utc_with_the_same_cron_in_both_files(fc2_functions, fc3_functions):
    cron = timer(fc2_functions[WATCH])["CronExpression"]
    assert cron == fc3_timer(fc3_functions[WATCH])["cronExpression"] == deploy.WATCH_CRON == "0 */10 * * * *"
    times = cron_times(cron)
    assert len(times) == 86_400 // deploy.WATCH_PERIOD_SECONDS == 144
    assert {b - a for a, b in zip(times, [*times[1:], times[0] + 86_400])} == {deploy.WATCH_PERIOD_SECONDS}


def test_the_watch_timer_is_the_sample_event_and_the_watch_reads_it_as_a_timer(fc2_functions, fc3_functions):
    """functions/watch/event.timer.json is what the timer delivers: its trigger's name and payload. The watch
    reads it as a timer watch of the regions of DWDIAG_REGIONS (no regions in the payload)."""
    from dwdiag.fc.watch import parse_watch_event

    [(event_name, event)] = fc2_functions[WATCH]["Events"].items()
    [trigger] = [t for t in fc3_functions[WATCH]["triggers"] if t["triggerType"] == "timer"]
    sample = json.loads((ROOT / "functions" / "watch" / "event.timer.json").read_text(encoding="utf-8"))
    assert event_name == trigger["triggerName"] == sample["triggerName"]
    assert event["Properties"]["Payload"] == sample["payload"] == "{}"
    payload, moment, records = parse_watch_event(json.dumps(sample).encode())
    assert records is None and moment is not None and moment.isoformat().startswith(sample["triggerTime"][:19])
    assert not payload.regions, "no regions in the payload: the watch follows DWDIAG_REGIONS"


def test_the_watch_window_overlap_covers_actiontrail_s_delay_and_a_missed_watch_is_no_gap():
    """ActionTrail delivers an event about 10 minutes after the call: the overlap reaches back at least that
    far; and a watch that failed or was dropped leaves the next one within the lookback (no full sweep)."""
    from dwdiag.settings import Settings

    fields = Settings.model_fields
    assert fields["watch_overlap_seconds"].default >= 600
    assert fields["watch_lookback_seconds"].default >= 3 * deploy.WATCH_PERIOD_SECONDS \
        + fields["watch_overlap_seconds"].default


# --- the watch's optional EventBridge trigger (s.yaml, commented out) --------------------------------------

EB_BEGIN, EB_END = "# BEGIN eventbridge trigger", "# END eventbridge trigger"


def uncommented_s_yaml() -> str:
    """s.yaml with the optional EventBridge trigger's lines uncommented, as its comment says to do."""
    lines, inside, found = [], False, 0
    for line in S_YAML.read_text(encoding="utf-8").splitlines():
        if line.strip() in (EB_BEGIN, EB_END):
            inside = line.strip() == EB_BEGIN
            found += 1
            continue
        lines.append(re.sub(r"^(\s*)# ?", r"\1", line) if inside else line)
    assert found == 2, f"s.yaml has one block between {EB_BEGIN!r} and {EB_END!r}"
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def eventbridge_trigger(tmp_path_factory, s_yaml):
    path = tmp_path_factory.mktemp("s-yaml") / "s.yaml"
    path.write_text(uncommented_s_yaml(), encoding="utf-8")
    enabled = deploy.load_yaml(path)
    assert {k: v for k, v in enabled["resources"].items() if k != WATCH} == \
        {k: v for k, v in s_yaml["resources"].items() if k != WATCH}, "uncommenting touches the watch alone"
    watch = enabled["resources"][WATCH]["props"]
    assert {k: v for k, v in watch.items() if k != "triggers"} == \
        {k: v for k, v in s_yaml["resources"][WATCH]["props"].items() if k != "triggers"}
    assert [t for t in watch["triggers"] if t["triggerType"] == "timer"] == s_yaml["resources"][WATCH]["props"]["triggers"]
    [trigger] = [t for t in watch["triggers"] if t["triggerType"] != "timer"]
    return trigger


def matches(pattern, event) -> bool:
    """An EventBridge event pattern's exact, prefix and suffix matching (keys ANDed, an array's values ORed:
    https://www.alibabacloud.com/help/en/doc-detail/181432.htm)."""
    for key, wanted in pattern.items():
        if key not in event:
            return False
        if isinstance(wanted, dict):
            if not isinstance(event[key], dict) or not matches(wanted, event[key]):
                return False
            continue
        value = event[key]

        def one(condition) -> bool:
            if isinstance(condition, dict):
                [(operator, operand)] = condition.items()
                assert operator in ("prefix", "suffix"), f"this check knows prefix and suffix, not {operator}"
                return isinstance(value, str) and (value.startswith(operand) if operator == "prefix"
                                                   else value.endswith(operand))
            return value == condition

        if not any(one(c) for c in wanted):
            return False
    return True


def test_the_eventbridge_trigger_is_off_unless_uncommented(fc3_functions):
    """It only works in cn-hangzhou or ap-southeast-1 and after EventBridge's service-linked role is authorized."""
    assert [t["triggerType"] for t in fc3_functions[WATCH]["triggers"]] == ["timer"]
    text = S_YAML.read_text(encoding="utf-8")
    for needed in ("AliyunServiceRoleForEventBridgeSendToFC", "cn-hangzhou", "ap-southeast-1", "UNCONFIRMED"):
        assert needed in text.split(EB_BEGIN)[0].rsplit("triggers:", 1)[-1], f"its comment says {needed}"


def test_the_eventbridge_trigger_is_an_fc3_eventbridge_trigger_invoking_asynchronously(eventbridge_trigger):
    assert eventbridge_trigger["triggerType"] == "eventbridge"
    assert eventbridge_trigger["qualifier"] == "LATEST" and eventbridge_trigger["triggerName"]
    config = eventbridge_trigger["triggerConfig"]
    assert config["triggerEnable"] is True
    assert config["asyncInvocationType"] is True, "asynchronous: under the watch's asyncInvokeConfig"
    assert config["eventSourceConfig"] == {"eventSourceType": "Default"}
    assert isinstance(config["eventRuleFilterPattern"], str), "the fc3 component takes the pattern as a JSON string"


def test_the_eventbridge_pattern_passes_ram_and_actiontrail_events_by_type_only(eventbridge_trigger):
    pattern = json.loads(eventbridge_trigger["triggerConfig"]["eventRuleFilterPattern"])
    assert set(pattern) == {"type"}, "not `source`: its values for RAM and ActionTrail are unconfirmed"
    sample = json.loads((ROOT / "functions" / "watch" / "event.eventbridge.json").read_text(encoding="utf-8"))
    assert matches(pattern, sample)
    for kind in ("ram:ActionTrail:ApiCall", "actiontrail:ActionTrail:ApiCall", "ram:ActionTrail:ConsoleOperation"):
        assert matches(pattern, {**sample, "type": kind}), kind
    for kind in ("ram:Config:ConfigurationItemChangeNotification", "oss:ActionTrail:ApiCall",
                 "dataworks:FileChange:CommitFile", "xram:ActionTrail:ApiCall"):
        assert not matches(pattern, {**sample, "type": kind}), kind
    assert not matches(pattern, {k: v for k, v in sample.items() if k != "type"})


def test_the_watch_takes_the_event_the_trigger_delivers_as_one_actiontrail_record():
    from dwdiag.fc.watch import parse_watch_event

    sample = json.loads((ROOT / "functions" / "watch" / "event.eventbridge.json").read_text(encoding="utf-8"))
    payload, moment, records = parse_watch_event(json.dumps(sample).encode())
    assert moment is None and not payload.regions
    assert [r["eventId"] for r in records] == [sample["data"]["eventId"]]


# --- secrets -----------------------------------------------------------------------------------------------

SECRET_PATTERNS = [
    r"access_token=(?![<${])\w",       # a DingTalk robot URL with its token
    r"\bSEC[0-9a-fA-F]{16,}",          # a DingTalk signing secret
    r"\bLTAI\w{8,}",                   # an AccessKey id
    r"(?i)(access_?key_?(id|secret)|security_?token)\s*:\s*\S",  # no credentials in a deployment file
]
SECRET_KEY = re.compile(r"(?i)secret|token|password|webhook")


@pytest.mark.parametrize("path", [TEMPLATE, S_YAML], ids=["template.yml", "s.yaml"])
def test_no_secret_literal_in_the_deployment_files(path):
    text = path.read_text(encoding="utf-8")
    for pattern in SECRET_PATTERNS:
        assert not re.search(pattern, text), f"{path.name} has what looks like a secret ({pattern})"


def test_dingtalk_values_are_noecho_parameters_in_template(template, fc2_functions):
    params = template["Parameters"]
    for resource in fc2_functions.values():
        for key, value in resource["Properties"]["EnvironmentVariables"].items():
            if SECRET_KEY.search(key):
                assert isinstance(value, dict) and set(value) == {"Ref"}, f"{key} must be a !Ref parameter"
                param = params[value["Ref"]]
                assert param.get("NoEcho") is True, f"{value['Ref']} must be NoEcho"
                assert "Default" not in param, f"{value['Ref']} must be given at deploy time"


def test_dingtalk_values_come_from_the_deploy_environment_in_s_yaml(fc3_functions):
    for props in fc3_functions.values():
        for key, value in props["environmentVariables"].items():
            if SECRET_KEY.search(key):
                assert value == f"${{env('{key}')}}", f"{key} must be read from the deploy environment"
