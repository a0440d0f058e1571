"""template.yml (FC 2.0, ROS transform) and s.yaml (FC 3.0, Serverless Devs) describe the same deployment."""

from __future__ import annotations

import importlib.util
import inspect
import json
import re

import pytest

from scripts import deploy_lib as deploy
from dwdiag.models.findings import Category
from dwdiag.settings import unknown_environment_settings

from tests.support.deploy import S_YAML, TEMPLATE, handler_file, references
from tests.support.paths import ROOT

CATEGORIES = [c.value for c in Category]
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

def test_template_is_a_ros_serverless_template_with_one_service_and_the_four_functions(template, service,
                                                                                       fc2_functions):
    assert template["ROSTemplateFormatVersion"] == "2015-09-01"
    assert template["Transform"] == "Aliyun::Serverless-2018-04-03"
    assert list(template["Resources"]) == [deploy.SERVICE_NAME]
    assert service["Type"] == "Aliyun::Serverless::Service"
    assert list(fc2_functions) == list(deploy.functions())


def test_s_yaml_is_fc3_with_the_same_four_functions(s_yaml, fc3_functions):
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

@pytest.mark.parametrize("category", CATEGORIES)
def test_handler_path_resolves_to_an_importable_callable(category, fc2_functions, fc3_functions):
    name = deploy.function_name(category)
    handler = fc2_functions[name]["Properties"]["Handler"]
    assert handler == fc3_functions[name]["handler"] == "index.handler"
    module_name, func = handler.rsplit(".", 1)
    path = handler_file(category).with_name(f"{module_name}.py")
    if not path.is_file():
        pytest.skip(f"{path.relative_to(ROOT)} is not written yet (the handlers are another change)")
    spec = importlib.util.spec_from_file_location(f"dwdiag_fc_handler_{category}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    target = getattr(module, func)
    assert callable(target)
    inspect.signature(target).bind("event", "context")  # FC calls handler(event, context)


@pytest.mark.parametrize("category", CATEGORIES)
def test_code_is_the_package_scripts_package_builds(category, fc2_functions, fc3_functions):
    name = deploy.function_name(category)
    expected = f"./{deploy.package_zip(category)}"
    assert fc2_functions[name]["Properties"]["CodeUri"] == expected
    assert fc3_functions[name]["code"] == expected


def test_runtime_timeout_and_memory_agree_and_are_valid(template, fc2_functions, fc3_functions):
    parameter = template["Parameters"]["FunctionTimeout"]
    assert parameter["Type"] == "Number"
    assert 1 <= parameter["MinValue"] <= parameter["Default"] <= parameter["MaxValue"] <= 86_400
    for name, resource in fc2_functions.items():
        props, props3 = resource["Properties"], fc3_functions[name]
        assert props["Runtime"] == props3["runtime"] == "python3.10"
        assert props["Timeout"] == {"Ref": "FunctionTimeout"}, "one parameter sets every function's timeout"
        assert parameter["Default"] == props3["timeout"]
        assert props["MemorySize"] == props3["memorySize"]
        assert props["MemorySize"] % 64 == 0 and 128 <= props["MemorySize"] <= 32_768


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


def test_async_retries_match_the_design_in_both_files(fc2_functions, fc3_functions):
    for name, resource in fc2_functions.items():
        fc2 = resource["Properties"]["AsyncConfiguration"]
        fc3 = fc3_functions[name]["asyncInvokeConfig"]
        assert fc2["MaxAsyncRetryAttempts"] == fc3["maxAsyncRetryAttempts"] == deploy.MAX_ASYNC_RETRY_ATTEMPTS
        assert fc2["MaxAsyncEventAgeInSeconds"] == fc3["maxAsyncEventAgeInSeconds"] \
            == deploy.MAX_ASYNC_EVENT_AGE_SECONDS


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


def test_each_function_has_a_distinct_staggered_nightly_utc_cron_the_same_in_both_files(fc2_functions,
                                                                                         fc3_functions):
    minutes = []
    for name, resource in fc2_functions.items():
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
        assert isinstance(payload, dict) and payload.get("regions")
        assert len(props["Payload"].encode()) <= 128 * 1024


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
