"""Layering: rules, evaluation and publishing never load network code; the library never loads the emulator."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

NETWORK = ("http", "urllib3", "requests", "alibabacloud_tea_openapi", "darabonba", "Tea", "alibabacloud_credentials",
           "dwdiag_emulator")


def loaded_after(statement: str) -> set[str]:
    code = f"import sys, json; {statement}; print(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    return {m.split(".")[0] for m in json.loads(out)}


@pytest.mark.slow
def test_rules_evaluation_and_publishing_load_no_network_code():
    loaded = loaded_after("import dwdiag.checks, dwdiag.evaluate, dwdiag.publish; dwdiag.checks.load_all()")
    assert not loaded & set(NETWORK)


@pytest.mark.slow
def test_the_sweep_loads_the_sdks_only_when_it_calls_and_never_the_emulator():
    loaded = loaded_after("import dwdiag.sweep, dwdiag.collectors.region, dwdiag.cli, dwdiag.pipeline")
    assert "dwdiag_emulator" not in loaded
    assert "alibabacloud_tea_openapi" not in loaded, "SDKs are imported when a client is made, not at import"
