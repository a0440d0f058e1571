"""Fixtures: a store with two demo runs written by `dwdiag demo`, and headless Debian chromium."""

from __future__ import annotations

import json
import os
import shutil
import tempfile

import pytest

from dwdiag.cli import main

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1440,1500")


@pytest.fixture(scope="session")
def demo_store(tmp_path_factory):
    """Two demo runs into one folder, so the trend has two points; returns the folder."""
    out = tmp_path_factory.mktemp("demo-store")
    with pytest.MonkeyPatch.context() as mp:
        for name in list(os.environ):
            if name.startswith(("DWDIAG_", "ALIBABA_CLOUD_")):
                mp.delenv(name)
        for _ in range(2):
            assert main(["demo", "--output", str(out), "--no-alert"]) == 0
    return out


@pytest.fixture(scope="session")
def latest_run(demo_store):
    """(the run folder, its summary) of the last demo run."""
    # One history entry per run, named by its run id, which begins with its start time.
    run_id = sorted(p.stem for p in (demo_store / "history" / "runs").glob("*.json"))[-1]
    (folder,) = demo_store.glob(f"runs/*/{run_id}")
    return folder, json.loads((folder / "summary.json").read_text())


@pytest.fixture(scope="session")
def browser():
    missing = [p for p in (CHROMIUM, CHROMEDRIVER) if not os.path.exists(p)]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not installed: scripts/test installs Debian's chromium and "
                    "chromium-driver when it runs as root with apt (see scripts/_browser.sh)")
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is in the test extra")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    os.environ.setdefault("SE_OFFLINE", "true")  # Selenium Manager must not go looking for drivers online
    profile = tempfile.mkdtemp(prefix="dwdiag-chromium-")
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS + (f"--user-data-dir={profile}",):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)
