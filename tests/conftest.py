"""Shared fixtures: the bundled demo snapshot and a clean DWDIAG_* environment."""

from __future__ import annotations

import os

import pytest

from dwdiag.cli import demo_snapshot


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    # A developer's own DWDIAG_* or ALIBABA_CLOUD_* settings must not change what the tests see.
    for name in list(os.environ):
        if name.startswith(("DWDIAG_", "ALIBABA_CLOUD_")):
            monkeypatch.delenv(name, raising=False)


@pytest.fixture(scope="session")
def demo():
    return demo_snapshot()
