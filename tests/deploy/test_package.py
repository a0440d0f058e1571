"""scripts/package: the FC code packages import on their own, carry no emulator, and a 3.10 build is cp310."""

from __future__ import annotations

import glob
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import deploy_lib as deploy

from tests.support.deploy import missing_handlers
from tests.support.paths import ROOT

LOCAL = f"{sys.version_info.major}.{sys.version_info.minor}"

pytestmark = [
    pytest.mark.skipif(not (sys.platform == "linux" and platform.machine() == "x86_64"),
                       reason="the packages are built for linux x86_64 and imported here"),
    pytest.mark.network,  # the builds install wheels from the package index
    pytest.mark.slow,
]


def build(out: Path, version: str) -> subprocess.CompletedProcess:
    missing = missing_handlers()
    if missing:
        pytest.skip(f"no handler yet at {', '.join(missing)}: scripts/package needs every function's")
    env = {**os.environ, "DWDIAG_VENV": sys.prefix}  # the interpreter running these tests
    done = subprocess.run([str(ROOT / "scripts" / "package"), "--python", version, "--out", str(out)],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return done


@pytest.fixture(scope="module")
def local_build(tmp_path_factory):
    out = tmp_path_factory.mktemp(f"fc-cp{LOCAL.replace('.', '')}")
    return out, build(out, LOCAL)


@pytest.fixture(scope="module")
def build_310(tmp_path_factory):
    if LOCAL == "3.10":
        pytest.skip("this machine is 3.10: the local build covers it")
    out = tmp_path_factory.mktemp("fc-cp310")
    return out, build(out, "3.10")


IMPORT_CHECK = r"""
import importlib, importlib.util, json, sys, sysconfig
package = sys.argv[1]
sys.path.insert(0, package)
index = importlib.import_module("index")
import dwdiag.settings, dwdiag.store.oss, alibabacloud_oss_v2, pydantic_core  # what the handler runs on
paths = sysconfig.get_paths()
allowed = (package, paths["stdlib"], paths["platstdlib"])
outside = sorted(n for n, m in list(sys.modules.items())
                 if getattr(m, "__file__", None) and not m.__file__.startswith(allowed))
print(json.dumps({"callable": callable(getattr(index, "handler", None)), "outside": outside,
                  "emulator": importlib.util.find_spec("dwdiag_emulator") is not None,
                  "index": index.__file__}))
"""


def test_package_prints_the_size_of_each_zip(local_build):
    out, done = local_build
    for name in deploy.functions():
        assert re.search(rf"{re.escape(str(out / name))}\.zip\s+\d+(\.\d+)? MB", done.stdout), done.stdout


@pytest.mark.parametrize("name", list(deploy.functions()))
def test_each_handler_imports_from_the_package_alone_in_a_fresh_interpreter(local_build, name):
    out, _ = local_build
    package = out / name
    result = import_in_fresh_interpreter(sys.executable, package)
    assert result["callable"], f"{name}: index.handler is not callable"
    assert result["index"] == str(package / "index.py")
    assert result["outside"] == [], f"{name} imported modules from outside the package: {result['outside']}"
    assert not result["emulator"], "dwdiag_emulator must not be importable from the package"


def test_packages_carry_no_emulator_tests_or_caches_and_the_zip_matches_the_folder(local_build):
    out, _ = local_build
    category_of = deploy.functions()  # function -> its folder under functions/ (the watch's is functions/watch/)
    assert sorted(p.name for p in out.glob("*.zip")) == sorted(f"{name}.zip" for name in category_of)
    for name in category_of:
        folder, archive = out / name, out / f"{name}.zip"
        names = zipfile.ZipFile(archive).namelist()
        assert len(names) == len(set(names))
        files = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
        assert sorted(names) == files
        assert "index.py" in names and "dwdiag/__init__.py" in names and "dwdiag/catalog/items.yaml" in names
        assert (folder / "index.py").read_bytes() == (ROOT / "functions" / category_of[name] / "index.py").read_bytes()
        assert not any(n.startswith("dwdiag_emulator/") for n in names)
        assert not any(n.startswith(("tests/", "dwdiag/tests/")) for n in names)
        assert not any("__pycache__/" in n or n.endswith(".pyc") for n in names)
        assert not any(n.startswith("bin/") for n in names), "console scripts carry this machine's shebang"
        assert not any(n.startswith(("scripts/", "dwdiag/deploy")) for n in names), "deployment tooling stays home"
        assert not any(re.fullmatch(r"event\.[\w.-]+\.json", n) for n in names), "the sample events stay home"
        assert "dwdiag/report/assets/report.js" in names and "dwdiag/report/assets/report.css" in names


def test_the_watch_package_runs_the_watch(local_build):
    """dwdiag-watch.zip holds functions/watch/index.py at its root, and the library the watch runs on."""
    out, _ = local_build
    archive = zipfile.ZipFile(out / f"{deploy.function_name(deploy.WATCH)}.zip")
    assert archive.read("index.py") == (ROOT / "functions" / "watch" / "index.py").read_bytes()
    names = set(archive.namelist())
    assert {"dwdiag/fc/watch.py", "dwdiag/watch/__init__.py", "dwdiag/watch/run.py"} <= names
    assert not {"event.timer.json", "event.eventbridge.json"} & names


def find_python(version: str) -> str | None:
    """An interpreter of that version on this machine, if there is one (python3.10 on PATH, or pyenv's)."""
    candidates = [shutil.which(f"python{version}"),
                  *sorted(glob.glob(os.path.expanduser(f"~/.pyenv/versions/{version}.*/bin/python{version}")))]
    for candidate in filter(None, candidates):
        done = subprocess.run([candidate, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                              capture_output=True, text=True)
        if done.returncode == 0 and done.stdout.strip() == version:
            return candidate
    return None


def import_in_fresh_interpreter(python: str, package: Path) -> dict:
    # -I: no PYTHON* variables (so no PYTHONPATH: the script puts the package first on sys.path itself), no
    # user site; -S: no site-packages, not even this venv's; -B: no __pycache__ written into the package.
    # Only the package and the standard library are on sys.path.
    done = subprocess.run([python, "-I", "-S", "-B", "-c", IMPORT_CHECK, str(package)],
                          cwd=package, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def wheel_tags(package: Path) -> dict[str, list[str]]:
    return {w.parent.name: [line.split(": ", 1)[1] for line in w.read_text().splitlines() if line.startswith("Tag: ")]
            for w in package.glob("*.dist-info/WHEEL")}


def fits_cp310_manylinux_x86_64(tag: str) -> bool:
    interpreter, abi, plat = tag.split("-")
    if plat == "any":
        return abi == "none" and interpreter in ("py3", "py2.py3", "py310", "cp310")
    platform_ok = all(re.fullmatch(r"manylinux(1|2010|2014|_2_\d+)_x86_64", p) for p in plat.split("."))
    if abi == "abi3":  # the stable ABI of CPython 3.N works on every 3.M >= 3.N
        return platform_ok and re.fullmatch(r"cp3\d+", interpreter) is not None and int(interpreter[3:]) <= 10
    return platform_ok and interpreter == "cp310" and abi == "cp310"


def test_a_310_build_carries_cp310_manylinux_x86_64_wheels(build_310):
    out, _ = build_310
    package = out / deploy.function_name("computing_storage")
    tags = wheel_tags(package)
    pydantic_core = next(v for k, v in tags.items() if k.startswith("pydantic_core-"))
    assert any(re.fullmatch(r"cp310-cp310-manylinux(2014|_2_\d+)_x86_64", t) for t in pydantic_core), pydantic_core
    assert list((package / "pydantic_core").glob("_pydantic_core.cpython-310-x86_64-linux-gnu.so"))
    wrong = {dist: t for dist, t in tags.items() if not any(fits_cp310_manylinux_x86_64(x) for x in t)}
    assert not wrong, f"wheels that do not fit CPython 3.10 on manylinux x86_64: {wrong}"
    for so in package.rglob("*.so"):
        name = so.name
        assert ".cpython-" not in name or ".cpython-310-x86_64-linux-gnu." in name, name
        header = so.read_bytes()[:20]
        assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 0x3E, f"{name} is not x86-64"
    # pip reads environment markers for the interpreter running it; the script re-reads them for 3.10.
    if LOCAL != "3.10":
        assert list(package.glob("async_timeout-*.dist-info")), "aiohttp needs async-timeout below Python 3.11"


def test_a_310_build_imports_under_cpython_310_when_this_machine_has_one(build_310):
    python = find_python("3.10")
    if python is None:
        pytest.skip("no CPython 3.10 interpreter on this machine to import the 3.10 build with")
    out, _ = build_310
    for name in deploy.functions():
        result = import_in_fresh_interpreter(python, out / name)
        assert result["callable"] and result["outside"] == [] and not result["emulator"], (name, result)
