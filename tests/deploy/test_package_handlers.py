"""scripts/package builds one package per function, the watch's too, and refuses to build without a handler.
(Fast: the check comes before any download; tests/deploy/test_package.py builds the packages.)"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from scripts import deploy_lib as deploy

from tests.support.paths import ROOT


def run_package(root) -> subprocess.CompletedProcess:
    env = {**os.environ, "DWDIAG_VENV": sys.prefix}
    return subprocess.run([str(root / "scripts" / "package"), "--out", str(root / "out")], cwd=root, env=env,
                          capture_output=True, text=True, timeout=60)


@pytest.fixture
def project(tmp_path):
    """A copy of scripts/package in a project with every function's handler."""
    (tmp_path / "scripts").mkdir()
    shutil.copy2(ROOT / "scripts" / "package", tmp_path / "scripts" / "package")
    for folder in deploy.functions().values():
        (tmp_path / "functions" / folder).mkdir(parents=True)
        (tmp_path / "functions" / folder / "index.py").write_text("def handler(event, context):\n    pass\n")
    return tmp_path


@pytest.mark.parametrize("folder", list(deploy.functions().values()))
def test_package_refuses_to_build_without_a_function_s_handler(project, folder):
    (project / "functions" / folder / "index.py").unlink()
    done = run_package(project)
    assert done.returncode == 2, done.stderr
    assert f"no handler at functions/{folder}/index.py" in done.stderr
    assert not (project / "out").exists(), "nothing is built or downloaded"

