"""The seeded generator and the command line (serve and generate)."""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest
from alibabacloud_dataworks_public20240518 import models as m
from alibabacloud_dataworks_public20240518.client import Client
from alibabacloud_tea_openapi.utils_models import Config

from dwdiag_emulator import Emulator, load_world
from dwdiag_emulator.generate import counts, generate_world, write_world

from tests.support.emulator import WORLD, make_config

pytestmark = pytest.mark.emulator


@pytest.mark.slow
def test_generator_is_deterministic_and_counts_match(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    got = write_world(a, workspaces=60, mc_projects=12, seed=3, regions=["cn-hangzhou", "cn-shanghai"])
    write_world(b, workspaces=60, mc_projects=12, seed=3, regions=["cn-hangzhou", "cn-shanghai"])
    assert a.read_bytes() == b.read_bytes()
    assert generate_world(60, 12, seed=4) != generate_world(60, 12, seed=3)
    assert got["workspaces"] == 60 and got["mc_projects"] == 12
    assert got["members"] >= 3 * 60 and got["deployments"] >= 2 * 60 and got["events"] > 0
    world = load_world(a)
    assert len(world.regions["cn-shanghai"].dataworks.workspaces) == 30
    assert counts(generate_world(60, 12, seed=3, regions=["cn-hangzhou", "cn-shanghai"])) == got


@pytest.mark.slow
def test_generated_world_is_served_page_by_page(tmp_path):
    path = tmp_path / "w.yaml"
    write_world(path, workspaces=150, mc_projects=5, seed=1)
    emu = Emulator(path)
    with emu.running():
        client = Client(make_config(emu, ak="AKIDbench", secret="benchSecret"))
        ids, number = [], 1
        while True:
            info = client.list_projects(m.ListProjectsRequest(page_number=number, page_size=100)).body.paging_info
            ids += [p.id for p in info.projects]
            if number * info.page_size >= info.total_count:
                break
            number += 1
        assert len(ids) == 150 and len(set(ids)) == 150 and number == 2
        ws = emu.world.regions["cn-hangzhou"].dataworks.workspaces[0]
        deps = client.list_deployment_packages(m.ListDeploymentPackagesRequest(project_id=ws.Id)).body.data
        assert deps.total_count == len(ws.deployments)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.slow
def test_cli_serve_answers_the_sdk():
    env = {**os.environ, "NO_PROXY": "127.0.0.1"}
    # --port 0: the server picks a free port itself (a port probed free here can be taken by the time it binds).
    proc = subprocess.Popen([sys.executable, "-m", "dwdiag_emulator", "serve", "--world", str(WORLD),
                             "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline().strip()
        assert line.startswith("cn-shanghai: http://127.0.0.1:"), proc.stderr.read() if not line else line
        port = int(line.rsplit(":", 1)[1])
        cfg = Config(access_key_id="AKIDtest", access_key_secret="secretTest",
                     endpoint=f"127.0.0.1:{port}", protocol="http")
        body = Client(cfg).get_project(m.GetProjectRequest(id=1001)).body
        assert body.project.name == "ws_std"
    finally:
        proc.terminate()
        assert proc.wait(timeout=10) == 0


@pytest.mark.slow
def test_cli_generate_and_bad_world(tmp_path):
    out = tmp_path / "g.yaml"
    done = subprocess.run([sys.executable, "-m", "dwdiag_emulator", "generate", "--workspaces", "5",
                           "--mc-projects", "2", "--seed", "9", "--out", str(out)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "workspaces=5" in done.stdout and out.exists()
    bad = tmp_path / "bad.yaml"
    bad.write_text("regions:\n  cn-hangzhou:\n    dataworks:\n      workspace: []\n")
    started = time.monotonic()
    fail = subprocess.run([sys.executable, "-m", "dwdiag_emulator", "serve", "--world", str(bad),
                           "--port", str(_free_port())], capture_output=True, text=True, timeout=60)
    assert fail.returncode == 2 and "workspace (line 4)" in fail.stderr
    assert time.monotonic() - started < 60
