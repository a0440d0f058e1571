"""Fixtures: one emulator per test session over world_basic.yaml, SDK configs for it (made by
tests/support/emulator.py)."""
from __future__ import annotations

import os
from typing import Iterator

import pytest
from alibabacloud_tea_openapi.utils_models import Config

from dwdiag_emulator import Emulator
from tests.support.emulator import WORLD, make_config

# requests honours proxy variables; the emulator is local
os.environ["NO_PROXY"] = os.environ["no_proxy"] = "127.0.0.1,localhost"


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    emu = Emulator(WORLD)
    with emu.running():
        yield emu


@pytest.fixture(autouse=True)
def _clean_controls(request: pytest.FixtureRequest) -> Iterator[None]:
    """Faults, quotas and the log never leak from one test into the next."""
    yield
    if "emulator" in request.fixturenames:
        emu = request.getfixturevalue("emulator")
        emu.clear_faults()
        emu.clear_quotas()
        emu.clear_requests()


@pytest.fixture
def config(emulator: Emulator) -> Config:
    return make_config(emulator)


@pytest.fixture
def config_for(emulator: Emulator):
    """config_for(region=..., ak=..., secret=..., token=...) -> an SDK Config for the emulator."""
    return lambda *args, **kw: make_config(emulator, *args, **kw)


@pytest.fixture
def tiny_fc(emulator: Emulator, tmp_path) -> Iterator:
    """start(**settings) -> a running FC runtime of tests/support/fc_runtime.py's tiny function, over the
    emulator's world (its keys sign the calls); every runtime started is stopped after the test."""
    from dwdiag_emulator.fc import FcRuntime, package
    from tests.support.fc_runtime import write_tiny

    template, code = write_tiny(tmp_path)
    started = []

    def start(**settings):
        settings.setdefault("time_scale", 1.0)
        runtime = FcRuntime(emulator, template, code={"tiny": package(code), "stale": package(code)},
                            parameters={"Secret": "s3cr3t"}, **settings)
        runtime.start()
        started.append(runtime)
        return runtime

    yield start
    for runtime in started:
        runtime.stop()
