"""Canary values in every secret the sweep can see; none may come out anywhere."""

from __future__ import annotations

import functools
import gzip
import json
import logging

import pytest

from dwdiag.cli import main
from dwdiag.clients.retry import RetryPolicy
from dwdiag_emulator import Emulator
from tests.support.paths import WORLD_NOW
from tests.support.tenant import CANARIES, canary_world


@pytest.fixture
def canary_env(monkeypatch):
    emu = Emulator(canary_world())
    with emu.running():
        for product in ("DATAWORKS", "MAXCOMPUTE", "ACTIONTRAIL", "RAM", "STS"):
            monkeypatch.setenv(f"DWDIAG_ENDPOINT_{product}", json.dumps({r: emu.url(r) for r in emu.endpoints}))
        monkeypatch.setenv("DWDIAG_REGIONS", ",".join(emu.endpoints))
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "STS.canary")
        monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", CANARIES["ak_secret"])
        monkeypatch.setenv("ALIBABA_CLOUD_SECURITY_TOKEN", CANARIES["sts_token"])
        monkeypatch.setattr("dwdiag.pipeline.utcnow", lambda: WORLD_NOW)
        monkeypatch.setattr("dwdiag.sweep.RetryPolicy", functools.partial(RetryPolicy, base_delay=0.001,
                                                                         max_attempts=2))
        yield emu


@pytest.mark.slow
def test_no_canary_in_any_output(canary_env, capsys, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)  # every logger, third-party ones included
    outputs = []
    for fmt, folder in (("json", tmp_path / "json"), ("table", tmp_path / "table")):
        assert main(["scan", "--format", fmt, "--output", str(folder), "--all"]) == 0
        captured = capsys.readouterr()
        outputs += [captured.out, captured.err]
    assert '"status": "error"' in outputs[0], "the run did fail somewhere"
    assert "[REDACTED]" in "".join(p.read_text() for p in tmp_path.rglob("*.json"))
    outputs.append(caplog.text)
    # Every file, the gzip evidence cache searched inside, where the API answers it keeps would be.
    outputs += [(gzip.decompress(p.read_bytes()).decode() if p.suffix == ".gz" else p.read_text())
                for p in tmp_path.rglob("*") if p.is_file()]
    assert any(p.suffix == ".gz" for p in tmp_path.rglob("*")), "the cache was searched"
    for name, canary in CANARIES.items():
        for text in outputs:
            assert canary not in text, f"{name} leaked"


def test_rejected_credentials_say_so_without_the_secret(canary_env, capsys, monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", "CANARY-wrong-secret-0d0d")
    assert main(["scan", "--format", "json"]) == 2
    captured = capsys.readouterr()
    assert "credentials were rejected" in captured.err and captured.out == ""
    for text in (captured.err, captured.out):
        assert "CANARY" not in text
