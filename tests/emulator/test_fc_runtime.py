"""The local Function Compute 2.0 runtime (dwdiag_emulator.fc): aliyun-fc2's InvokeFunction, sync and
async, each attempt in its own process from a code directory, with FC's event bytes, context and
environment; timeouts, async retries, the kill hook, the queue; dwdiag's own handlers and fan-out."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time

import pytest

from dwdiag_emulator.fc import ERROR, EXPIRED, KILLED, SUCCEEDED, TIMEOUT, FcRuntime, load_template
from tests.support.emulator import AK, SECRET
from tests.support.fc_runtime import SERVICE, fc2_client, payload
from tests.support.paths import ROOT

pytestmark = pytest.mark.emulator
STS_AK, STS_SECRET, STS_TOKEN = "STS.tmpKey", "stsSecret", "CAIStoken1"  # world_basic.yaml's STS token
DEMO_AK, DEMO_SECRET = "AKIDdemo", "demoSecret"


def attempts(runtime, request_id):
    return [(r.attempt, r.outcome) for r in runtime.invocations(request_id=request_id)]


# --- the template ---------------------------------------------------------------------------------

def test_the_five_functions_are_read_from_template_yml():
    functions = load_template(ROOT / "template.yml", {"OssBucket": "b", "OssRegion": "cn-hangzhou"})
    assert sorted(functions) == ["dwdiag-computing-storage", "dwdiag-data-production", "dwdiag-data-transmission",
                                 "dwdiag-platform-config", "dwdiag-watch"]
    spec = functions["dwdiag-platform-config"]
    assert (spec.service, spec.handler, spec.timeout_s, spec.memory_mb) == ("dwdiag", "index.handler", 900, 512)
    assert (spec.async_config.max_retry_attempts, spec.async_config.max_event_age_s) == (2, 43200)
    assert spec.environment["DWDIAG_OSS_BUCKET"] == "b" and "DWDIAG_DEADLINE_SECONDS" not in spec.environment
    assert load_template(ROOT / "template.yml", {"FunctionTimeout": 3600})["dwdiag-platform-config"].timeout_s == 3600, \
        "Timeout is the FunctionTimeout parameter"
    assert spec.environment["DWDIAG_REGIONS"] == "cn-hangzhou", "a parameter's Default"
    assert "DWDIAG_DINGTALK_WEBHOOK" not in spec.environment, "a parameter with no value leaves its variable unset"


# --- InvokeFunction through aliyun-fc2 ------------------------------------------------------------

def test_sync_invocation_answers_with_the_handlers_return_value_and_what_fc_gives_a_function(tiny_fc, emulator):
    fc = tiny_fc(time_scale=0.5, environment={"DWDIAG_EXTRA": "x"})
    response = fc2_client(fc.url, STS_AK, STS_SECRET, STS_TOKEN).invoke_function(
        SERVICE, "tiny", payload=payload(hello="world"), headers={"x-fc-log-type": "Tail"})
    out = json.loads(response.data)
    request_id = response.headers["x-fc-request-id"]
    assert out["event_type"] == "bytes" and out["event"] == {"hello": "world"}
    assert out["request_id"] == request_id
    assert out["credentials"] == {"access_key_id": STS_AK, "access_key_secret": STS_SECRET, "security_token": STS_TOKEN}
    assert out["function"] == {"name": "tiny", "handler": "index.handler", "memory": 256, "timeout": 1}
    assert out["service"]["name"] == SERVICE and out["service"]["qualifier"] == "LATEST"
    assert (out["region"], out["account_id"]) == ("cn-shanghai", "1234567890123456")
    env = out["env"]
    assert {k: env[k] for k in ("FC_FUNCTION_NAME", "FC_SERVICE_NAME", "FC_REGION", "FC_ACCOUNT_ID", "FC_QUALIFIER",
                                "FC_FUNCTION_HANDLER", "FC_FUNCTION_MEMORY_SIZE")} == {
        "FC_FUNCTION_NAME": "tiny", "FC_SERVICE_NAME": SERVICE, "FC_REGION": "cn-shanghai",
        "FC_ACCOUNT_ID": "1234567890123456", "FC_QUALIFIER": "LATEST", "FC_FUNCTION_HANDLER": "index.handler",
        "FC_FUNCTION_MEMORY_SIZE": "256"}
    assert env["ALIBABA_CLOUD_SECURITY_TOKEN"] == STS_TOKEN and env["ALIBABA_CLOUD_ACCESS_KEY_ID"] == STS_AK
    assert (env["GREETING"], env["GREETING_SUB"], env["SECRET"]) == ("hello", "hello, world", "s3cr3t")
    assert env["DWDIAG_DEADLINE_SECONDS"] == "50", "a time in the environment is scaled with the timeouts"
    assert json.loads(env["DWDIAG_ENDPOINT_DATAWORKS"]) == {r: emulator.url(r) for r in emulator.endpoints}
    assert env["DWDIAG_ENDPOINT_FC"] == fc.url and env["DWDIAG_EXTRA"] == "x"
    assert out["cwd"] == out["path0"] == env["FC_FUNC_CODE_PATH"] and not out["site_packages"], \
        "a package runs alone: its folder first, no site-packages"
    assert b"tiny handled" in base64.b64decode(response.headers["x-fc-log-result"])
    [record] = fc.invocations()
    assert (record.request_id, record.type, record.outcome, record.attempt) == (request_id, "Sync", SUCCEEDED, 0)
    assert record.event == payload(hello="world") and record.start <= record.end


def test_async_invocation_is_accepted_at_once_and_run_from_the_queue(tiny_fc):
    fc = tiny_fc()
    started = time.monotonic()
    response = fc2_client(fc.url, AK, SECRET).invoke_function(
        SERVICE, "tiny", payload=payload(sleep=0.2), headers={"x-fc-invocation-type": "Async"})
    assert time.monotonic() - started < 0.2, "202 comes before the function has run"
    assert response.data == b"" and response.headers["x-fc-request-id"]
    [record] = [r for r in fc.drain(timeout=20) if r.request_id == response.headers["x-fc-request-id"]]
    assert (record.type, record.outcome, record.attempt) == ("Async", SUCCEEDED, 0)
    assert record.json()["event"] == {"sleep": 0.2}


@pytest.mark.parametrize("ak,secret,token,status,code", [
    (AK, "not-the-secret", None, 403, "SignatureNotMatch"),
    ("AKIDnobody", SECRET, None, 403, "InvalidAccessKeyID"),
    ("AKIDoff", "secretOff", None, 403, "InvalidAccessKeyID"),
    (STS_AK, STS_SECRET, None, 403, "InvalidSecurityToken"),
    (STS_AK, STS_SECRET, "CAISforged", 403, "InvalidSecurityToken"),
    ("STS.oldKey", "oldSecret", "CAIStokenOld", 403, "InvalidSecurityToken"),
])
def test_the_fc_signature_and_the_sts_token_are_checked_against_the_worlds_keys(tiny_fc, ak, secret, token, status,
                                                                                 code):
    import fc2

    fc = tiny_fc()
    with pytest.raises(fc2.FcError) as caught:
        fc2_client(fc.url, ak, secret, token).invoke_function(SERVICE, "tiny", payload=payload())
    err = caught.value
    assert (err.status_code, err.err_code) == (status, code)
    body = json.loads(err.message)
    assert body["ErrorCode"] == code and body["ErrorMessage"] and err.request_id
    assert fc.invocations() == [], "a rejected call runs nothing"


def test_unknown_service_or_function_is_404(tiny_fc):
    import fc2

    fc = tiny_fc()
    client = fc2_client(fc.url, AK, SECRET)
    for service, function, code in (("nosuch", "tiny", "ServiceNotFound"), (SERVICE, "nosuch", "FunctionNotFound")):
        with pytest.raises(fc2.FcError) as caught:
            client.invoke_function(service, function, payload=payload())
        assert (caught.value.status_code, caught.value.err_code) == (404, code)


def test_a_request_signed_more_than_15_minutes_ago_is_refused(tiny_fc):
    import requests

    from dwdiag_emulator.fc.auth import sign

    fc = tiny_fc()
    path = f"/2016-08-15/services/{SERVICE}/functions/tiny/invocations"
    headers = {"date": "Tue, 01 Dec 2020 00:00:00 GMT", "content-type": "application/json"}
    headers["authorization"] = f"FC {AK}:{sign('POST', path, headers, SECRET)}"
    answer = requests.post(fc.url + path, data=b"{}", headers=headers, timeout=10)
    assert answer.status_code == 403 and answer.json()["ErrorCode"] == "RequestTimeTooSkewed"
    assert answer.headers["x-fc-request-id"]


def test_an_async_event_over_128_kb_is_refused(tiny_fc):
    import fc2

    fc = tiny_fc()
    with pytest.raises(fc2.FcError) as caught:
        fc2_client(fc.url, AK, SECRET).invoke_function(SERVICE, "tiny", payload=b"x" * (128 * 1024 + 1),
                                                       headers={"x-fc-invocation-type": "Async"})
    assert (caught.value.status_code, caught.value.err_code) == (400, "EntityTooLarge")


# --- failures, timeouts, retries -----------------------------------------------------------------

def test_sync_exception_is_an_unhandled_invocation_error_and_is_not_retried(tiny_fc):
    import fc2

    fc = tiny_fc()
    with pytest.raises(fc2.FcError) as caught:
        fc2_client(fc.url, AK, SECRET).invoke_function(SERVICE, "tiny", payload=payload(**{"raise": "boom"}))
    assert caught.value.status_code == 200, "aliyun-fc2 raises on X-Fc-Error-Type with the 200 it came with"
    body = json.loads(caught.value.message)
    assert (body["errorMessage"], body["errorType"]) == ("boom", "ValueError") and body["stackTrace"]
    assert [(r.type, r.outcome) for r in fc.drain(timeout=10)] == [("Sync", ERROR)]


def test_a_sync_handler_past_its_scaled_timeout_is_killed(tiny_fc):
    import fc2

    fc = tiny_fc(time_scale=0.1)  # Timeout 2 s -> 0.2 s
    started = time.monotonic()
    with pytest.raises(fc2.FcError) as caught:
        fc2_client(fc.url, AK, SECRET).invoke_function(SERVICE, "tiny", payload=payload(sleep=30))
    assert time.monotonic() - started < 5
    assert "timed out after 0.2 seconds" in json.loads(caught.value.message)["errorMessage"]
    [record] = fc.invocations()
    assert record.outcome == TIMEOUT and record.end - record.start < 2
    with pytest.raises(ProcessLookupError):
        os.kill(record.pid, 0)


@pytest.mark.slow
def test_an_async_handler_that_times_out_is_retried_max_async_retry_attempts_times(tiny_fc):
    fc = tiny_fc(time_scale=0.05, retry_base_s=0.5)  # Timeout 0.1 s, backoff 0.025 s then 0.05 s
    request_id = fc.invoke("tiny", payload(sleep=30), asynchronous=True).request_id
    fc.drain(timeout=20)
    assert attempts(fc, request_id) == [(0, TIMEOUT), (1, TIMEOUT), (2, TIMEOUT)], "MaxAsyncRetryAttempts: 2"
    assert {r.event for r in fc.invocations(request_id=request_id)} == {payload(sleep=30)}, "the same event"


def test_an_async_exception_is_retried_and_an_exit_counts_as_a_failure(tiny_fc):
    fc = tiny_fc(time_scale=1.0, retry_base_s=0.01)
    raised = fc.invoke("tiny", payload(**{"raise": "boom"}), asynchronous=True).request_id
    exited = fc.invoke("tiny", payload(exit=3), asynchronous=True).request_id
    fc.drain(timeout=20)
    assert attempts(fc, raised) == [(0, ERROR), (1, ERROR), (2, ERROR)]
    assert attempts(fc, exited) == [(0, "exited"), (1, "exited"), (2, "exited")]
    assert "Process exited unexpectedly" in fc.invocations(request_id=exited)[0].error["errorMessage"]


def test_a_success_or_an_error_answer_of_the_handler_is_not_retried(tiny_fc):
    fc = tiny_fc(time_scale=1.0, retry_base_s=0.01)
    ok = fc.invoke("tiny", payload(), asynchronous=True).request_id
    soft = fc.invoke("tiny", payload(fail_softly=True), asynchronous=True).request_id
    fc.drain(timeout=20)
    assert attempts(fc, ok) == [(0, SUCCEEDED)]
    assert attempts(fc, soft) == [(0, SUCCEEDED)]
    assert fc.invocations(request_id=soft)[0].json()["ok"] is False


@pytest.mark.slow
def test_an_invocation_killed_midway_is_retried_with_the_same_event(tiny_fc):
    fc = tiny_fc(time_scale=1.0, retry_base_s=0.01)  # Timeout 2 s
    fc.kill_after(0.1, function="tiny", attempt=0)
    request_id = fc.invoke("tiny", payload(sleep=0.25), asynchronous=True).request_id
    fc.drain(timeout=20)
    assert attempts(fc, request_id) == [(0, KILLED), (1, SUCCEEDED)]
    first, second = fc.invocations(request_id=request_id)
    assert first.event == second.event == payload(sleep=0.25)


def test_kill_stops_a_running_invocation_now(tiny_fc):
    fc = tiny_fc(time_scale=1.0, retry_base_s=0.05)
    request_id = fc.invoke("tiny", payload(sleep=30), asynchronous=True).request_id
    assert fc.wait_running("tiny", timeout=10).request_id == request_id
    assert fc.kill(request_id=request_id) == 1
    fc.kill_after(0, function="tiny", times=2)  # and its retries as soon as they start
    fc.drain(timeout=20)
    assert attempts(fc, request_id) == [(0, KILLED), (1, KILLED), (2, KILLED)]


def test_a_retry_older_than_max_async_event_age_is_dropped(tiny_fc):
    fc = tiny_fc(time_scale=0.1, retry_base_s=2.0)  # `stale`: Timeout 2 s, events live 0.1 s; a retry waits 0.2 s
    request_id = fc.invoke("stale", payload(**{"raise": "boom"}), asynchronous=True).request_id
    fc.drain(timeout=20)
    assert attempts(fc, request_id) == [(0, ERROR), (1, EXPIRED)]


def test_async_invocations_run_side_by_side_up_to_the_worker_count(tiny_fc):
    fc = tiny_fc(time_scale=1.0, workers=2)
    ids = [fc.invoke("tiny", payload(sleep=0.2), asynchronous=True).request_id for _ in range(2)]
    records = [r for r in fc.drain(timeout=20) if r.request_id in ids]
    assert [r.outcome for r in records] == [SUCCEEDED, SUCCEEDED]
    first, second = sorted(records, key=lambda r: r.start)
    assert second.start < first.end, "both ran at once"


# --- dwdiag's handlers ----------------------------------------------------------------------------

# The functions' own processes keep the real client-side rate limits unless told otherwise.
NO_CLIENT_LIMITS = {f"DWDIAG_QPS_{family}": "1000" for family in ("DATAWORKS", "MAXCOMPUTE", "ACTIONTRAIL_LOOKUP", "RAM")}


@pytest.fixture
def demo_fc(emu):
    """The four dwdiag functions of template.yml in the source layout, over the emulated demo tenant. Its
    standing throttling faults are lifted: the functions' processes retry with the real backoff, and the
    tenant tests cover those faults."""
    emu.clear_faults()
    runtime = FcRuntime(emu, code="source", time_scale=0.02, environment=NO_CLIENT_LIMITS)
    with runtime.running():
        yield runtime


@pytest.mark.slow
def test_a_dwdiag_handler_runs_synchronously_against_the_demo_tenant(demo_fc, emu):
    response = fc2_client(demo_fc.url, DEMO_AK, DEMO_SECRET).invoke_function(
        "dwdiag", "dwdiag-platform-config", payload=payload(regions=["cn-hangzhou"], alert=False))
    out = json.loads(response.data)
    assert out["ok"] and out["category"] == "platform_config" and out["regions"] == ["cn-hangzhou"]
    assert out["findings"] > 0 and out["calls"] > 0
    assert {r.access_key_id for r in emu.requests()} == {DEMO_AK}, "the function swept with its role's keys"
    [record] = demo_fc.invocations()
    assert (record.function, record.type, record.outcome) == ("dwdiag-platform-config", "Sync", SUCCEEDED)


@pytest.mark.slow
def test_a_dwdiag_handler_runs_asynchronously_from_a_timer_event(demo_fc):
    timer = {"triggerTime": "2026-11-28T01:00:00Z", "triggerName": "nightly",
             "payload": json.dumps({"regions": ["cn-hangzhou"], "alert": False})}
    response = fc2_client(demo_fc.url, DEMO_AK, DEMO_SECRET).invoke_function(
        "dwdiag", "dwdiag-data-transmission", payload=json.dumps(timer).encode(),
        headers={"x-fc-invocation-type": "Async"})
    [record] = demo_fc.drain(timeout=120)
    assert record.request_id == response.headers["x-fc-request-id"] and record.outcome == SUCCEEDED
    out = record.json()
    assert out["ok"] and out["run_id"].startswith("20261128T010000Z-") and out["category"] == "data_transmission"


@pytest.mark.slow
def test_fan_out_invokes_the_function_once_per_region_through_the_runtime(emu, moto):
    import boto3
    from botocore.config import Config
    s3 = boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="t",
                      aws_secret_access_key="t", config=Config(s3={"addressing_style": "path"}))
    bucket = f"dwdiag-fc-runtime-{len(s3.list_buckets()['Buckets'])}"
    s3.create_bucket(Bucket=bucket)
    emu.clear_faults()  # the demo's standing throttling: the shards' processes would retry it at the real backoff
    runtime = FcRuntime(emu, code="source", time_scale=0.02,
                        parameters={"OssBucket": bucket, "OssRegion": "cn-hangzhou"},
                        environment={"DWDIAG_ENDPOINT_OSS": moto.url, **NO_CLIENT_LIMITS})
    with runtime.running():
        response = fc2_client(runtime.url, DEMO_AK, DEMO_SECRET).invoke_function(
            "dwdiag", "dwdiag-data-production", payload=payload(regions=["cn-hangzhou", "ap-southeast-1"], alert=False))
        parent = json.loads(response.data)
        records = runtime.drain(timeout=180)
    assert parent["ok"] and set(parent["fanned_out"]) == {"cn-hangzhou", "ap-southeast-1"}
    shards = [r for r in records if r.type == "Async"]
    assert len(records) == 3 and len(shards) == 2 and all(r.outcome == SUCCEEDED for r in records)
    assert sorted(r.json()["regions"][0] for r in shards) == ["ap-southeast-1", "cn-hangzhou"]
    assert {r.json()["run_id"] for r in shards} == {parent["run_id"]}
    queued = {v.split()[1] for v in parent["fanned_out"].values()}
    assert {r.request_id for r in shards} == queued, "the request ids FC answered the fan-out with"
    summary_key = next(o["Key"] for o in s3.list_objects_v2(Bucket=bucket, Prefix="dwdiag/runs/")["Contents"]
                       if o["Key"].endswith(f"{parent['run_id']}/summary.json"))
    summary = json.loads(s3.get_object(Bucket=bucket, Key=summary_key)["Body"].read())
    assert sorted(summary["shards"]["finished"]) == ["ap-southeast-1", "cn-hangzhou"] and not summary["shards"]["missing"]


@pytest.mark.slow
@pytest.mark.network
def test_the_real_package_built_by_scripts_package_runs_in_the_runtime(emu, tmp_path):
    version = f"{sys.version_info.major}.{sys.version_info.minor}"  # the interpreter that runs the package
    built = subprocess.run([str(ROOT / "scripts" / "package"), "--python", version, "--out", str(tmp_path)],
                           capture_output=True, text=True, timeout=900,
                           env={**os.environ, "DWDIAG_VENV": str(ROOT / ".venv")})
    assert built.returncode == 0, built.stderr[-3000:]
    emu.clear_faults()
    runtime = FcRuntime(emu, code="package", build=tmp_path, time_scale=0.02, environment=NO_CLIENT_LIMITS)
    assert runtime.code["dwdiag-platform-config"].isolated
    with runtime.running():
        response = fc2_client(runtime.url, DEMO_AK, DEMO_SECRET).invoke_function(
            "dwdiag", "dwdiag-platform-config", payload=payload(regions=["cn-hangzhou"], alert=False))
    out = json.loads(response.data)
    assert out["ok"] and out["category"] == "platform_config" and out["findings"] > 0


@pytest.mark.slow
def test_dwdiag_emulator_serve_with_fc_serves_invoke_function(tmp_path):
    import shutil

    import requests

    from tests.support.emulator import WORLD
    from tests.support.fc_runtime import write_tiny

    template, code = write_tiny(tmp_path / "src")
    packages = tmp_path / "packages"
    for name in ("tiny", "stale"):
        shutil.copytree(code, packages / name)
    serve = subprocess.Popen([sys.executable, "-m", "dwdiag_emulator", "serve", "--world", str(WORLD), "--port", "0",
                              "--fc", "--fc-template", str(template), "--fc-code", str(packages),
                              "--fc-time-scale", "0.5", "--fc-param", "Secret=s", "--fc-env", "EXTRA=1"],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        url = ""
        while not url:
            line = serve.stdout.readline()
            assert line, serve.stderr.read()
            url = line.split(" ", 1)[1].strip() if line.startswith("fc: ") else ""
        out = json.loads(fc2_client(url, AK, SECRET).invoke_function(SERVICE, "tiny", payload=payload()).data)
        assert out["function"]["timeout"] == 1 and out["env"]["SECRET"] == "s"
        log = requests.get(f"{url}/_emulator/invocations", timeout=10).json()
        assert [(r["function"], r["type"], r["outcome"]) for r in log] == [("tiny", "Sync", SUCCEEDED)]
    finally:
        serve.terminate()
        serve.wait(timeout=30)
