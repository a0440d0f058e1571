"""What each Function Compute handler imports, and when: nothing but the standard library and dwdiag's thin
FC entry when it loads; an SDK only with the first client of its service; a category's run only the SDKs of
the services its collectors call. Each in a fresh interpreter, where sys.modules starts empty."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from dwdiag.clients.operations import SERVICES
from scripts.bench_lib.imports import HANDLERS, import_times
from tests.support.paths import ROOT

CATEGORIES = ("computing_storage", "data_transmission", "data_production", "platform_config")
SDK_OF = {svc.module: name for name, svc in SERVICES.items()}  # alibabacloud_<product><version> -> service
OTHER_SDKS = ("alibabacloud_oss_v2", "fc2")
# The services each category's collectors call, and STS (GetCallerIdentity: the account the run is in).
CALLS = {
    "computing_storage": {"dataworks", "dataworks_legacy", "maxcompute", "sts"},
    "data_transmission": {"dataworks", "sts"},
    "data_production": {"dataworks", "actiontrail", "ram", "sts"},
    "platform_config": {"actiontrail", "sts"},
}


def loaded(code: str, *, handler: str = "", env: dict[str, str] | None = None) -> set[str]:
    """The modules in sys.modules after `code` runs in a fresh interpreter with shared/ (and the handler's
    folder before it, as FC sets the path) first on the import path."""
    path = ([str(ROOT / "functions" / handler)] if handler else []) + [str(ROOT / "shared")]
    script = (f"import sys; sys.path[:0] = {path!r}\n{code}\n"
              "import json; print(json.dumps(sorted(sys.modules)))")  # json after `code`: not counted for it
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=False,
                          env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def packages(modules: set[str]) -> set[str]:
    return {m.split(".")[0] for m in modules}


def third_party(modules: set[str]) -> set[str]:
    return {p for p in packages(modules) if p not in sys.stdlib_module_names and not p.startswith("_")} - {
        "dwdiag", "index", "__main__"}


def services(modules: set[str]) -> set[str]:
    """The services whose SDK was imported."""
    return {SDK_OF[p] for p in packages(modules) if p in SDK_OF}


@pytest.mark.parametrize("handler", HANDLERS)
def test_loading_a_handler_imports_the_standard_library_and_dwdiags_fc_entry_only(handler):
    modules = loaded("import index", handler=handler)
    assert third_party(modules) == set(), "no SDK, no pydantic, no YAML, no HTTP library when a handler loads"
    assert not {"alibabacloud_tea_openapi", "alibabacloud_credentials", *SDK_OF, *OTHER_SDKS, "requests",
                "pydantic", "yaml"} & packages(modules)
    assert {m for m in modules if m.startswith("dwdiag")} <= {
        "dwdiag", "dwdiag.fc", "dwdiag.fc.watch", "dwdiag.fc.logs", "dwdiag.redact"}


def test_a_session_imports_no_sdk():
    modules = loaded("from dwdiag.clients import Credentials, Session\n"
                     "Session('cn-hangzhou', Credentials('AKIDtest', 'secret'))")
    assert not packages(modules) & {"alibabacloud_tea_openapi", "alibabacloud_credentials", *SDK_OF, *OTHER_SDKS}


@pytest.mark.parametrize("service", list(SERVICES))
@pytest.mark.slow
def test_a_client_imports_the_sdk_of_its_own_service_and_no_other(service):
    modules = loaded("from dwdiag.clients import Credentials, Session\n"
                     f"Session('cn-hangzhou', Credentials('AKIDtest', 'secret')).client({service!r})")
    assert services(modules) == {service}
    assert not packages(modules) & set(OTHER_SDKS)


@pytest.mark.emulator
@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.slow
def test_a_categorys_run_imports_the_sdks_of_the_services_it_calls_and_no_other(category, emu):
    """One invocation of the category's handler, as FC makes it, sweeping the emulated tenant's cn-hangzhou."""
    urls = json.dumps({r: emu.url(r) for r in emu.endpoints})
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DWDIAG_", "ALIBABA_CLOUD_"))}
    env.update({f"DWDIAG_ENDPOINT_{p}": urls for p in ("DATAWORKS", "MAXCOMPUTE", "ACTIONTRAIL", "RAM", "STS")})
    env.update({f"DWDIAG_QPS_{f}": "1000" for f in ("DATAWORKS", "MAXCOMPUTE", "ACTIONTRAIL_LOOKUP", "RAM")})
    env.update(NO_PROXY="127.0.0.1", no_proxy="127.0.0.1")
    code = f"""
import functools, json
from types import SimpleNamespace
import index
import dwdiag.sweep  # quick retries: the demo tenant's standing throttling faults never clear
dwdiag.sweep.RetryPolicy = functools.partial(dwdiag.sweep.RetryPolicy, base_delay=0.001, max_attempts=2)
context = SimpleNamespace(
    request_id="req-1", region="cn-hangzhou", account_id="1234567890123456",
    credentials=SimpleNamespace(access_key_id="AKIDdemo", access_key_secret="demoSecret", security_token=None),
    function=SimpleNamespace(name="dwdiag-{category.replace('_', '-')}", timeout=900),
    service=SimpleNamespace(name="dwdiag", qualifier="LATEST"))
summary = json.loads(index.handler(json.dumps({{"regions": ["cn-hangzhou"], "alert": False}}).encode(), context))
assert summary["ok"] and summary["calls"] > 0 and summary["findings"] > 0, summary
"""
    modules = loaded(code, handler=category, env=env)
    assert services(modules) == CALLS[category]
    assert not packages(modules) & set(OTHER_SDKS), "no results bucket, no fan-out: no OSS or FC SDK"


def test_the_benchmark_reports_each_handlers_import_and_the_interpreter():
    report = import_times(ROOT, runs=1, invocation=False, handlers=("platform_config",))
    assert report["python"] == ".".join(map(str, sys.version_info[:3])) and report["code"] == "source"
    figures = report["handlers"]["platform_config"]
    assert figures["import_ms"] > 0 and figures["process_ms"] >= figures["import_ms"]
    assert figures["third_party"] == [] and len(figures["heaviest"]["modules"]) == 5
