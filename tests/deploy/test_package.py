"""scripts/package: the function packages hold a handler and the dwdiag library, the layer every dependency under
python/; a handler imports from its package and the layer alone; the builds are reproducible, a 3.10 build
is cp310, and the whole upload is under the target."""

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
from scripts.bench_lib import footprint

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


@pytest.fixture(scope="module")
def target_build(local_build, request):
    """The build for FC's runtime, CPython 3.10: the local one when this machine is 3.10."""
    return local_build if LOCAL == "3.10" else request.getfixturevalue("build_310")


LAYER = Path(deploy.LAYER_ZIP).name
THIRD_PARTY = ("pydantic/", "pydantic_core/", "pydantic_settings/", "yaml/", "alibabacloud_", "aliyunsdk",
               "Tea/", "requests/", "urllib3/", "fc2/", "aiohttp/", "cryptography/")


@pytest.fixture(scope="module")
def unpacked(local_build, tmp_path_factory):
    """The local build's zips unpacked as FC does: each function's at code/<function>/ (FC's /code), the
    layer's at opt/ (FC's /opt, so its packages are in opt/python/)."""
    out, _ = local_build
    root = tmp_path_factory.mktemp("unpacked")
    for name in deploy.functions():
        zipfile.ZipFile(out / f"{name}.zip").extractall(root / "code" / name)
    zipfile.ZipFile(out / LAYER).extractall(root / "opt")
    return root


IMPORT_CHECK = r"""
import importlib, importlib.util, json, sys, sysconfig
package, layer = sys.argv[1], sys.argv[2:]
sys.path[:0] = [package, *layer]  # FC: the code directory, then /opt/python
index = importlib.import_module("index")
import dwdiag.settings, dwdiag.store.oss, alibabacloud_oss_v2, pydantic_core, yaml  # what the handler runs on
paths = sysconfig.get_paths()
allowed = (package, *layer, paths["stdlib"], paths["platstdlib"])
outside = sorted(n for n, m in list(sys.modules.items())
                 if getattr(m, "__file__", None) and not m.__file__.startswith(allowed))
origin = {n: sys.modules[n].__file__ for n in ("dwdiag", "pydantic_core", "alibabacloud_oss_v2", "yaml")}
print(json.dumps({"callable": callable(getattr(index, "handler", None)), "outside": outside,
                  "emulator": importlib.util.find_spec("dwdiag_emulator") is not None,
                  "index": index.__file__, "origin": origin}))
"""


def test_package_prints_the_size_of_each_zip_the_layer_and_the_total(local_build):
    out, done = local_build
    for name in [*deploy.functions(), Path(LAYER).stem]:
        assert re.search(rf"{re.escape(str(out / name))}\.zip\s+\d+(\.\d+)? MB", done.stdout), done.stdout
    assert re.search(r"5 packages and the layer dwdiag-deps-layer .*, \d+(\.\d+)? MB in all", done.stdout)


@pytest.mark.parametrize("name", list(deploy.functions()))
def test_each_handler_imports_from_its_package_and_the_layer_alone_in_a_fresh_interpreter(unpacked, name):
    """FC's view: the function's zip unpacked (/code) and the layer's python/ (/opt/python), nothing else; the
    library from the package, the dependencies from the layer."""
    package, layer = unpacked / "code" / name, unpacked / "opt" / "python"
    result = import_in_fresh_interpreter(sys.executable, package, layer)
    assert result["callable"], f"{name}: index.handler is not callable"
    assert result["index"] == str(package / "index.py")
    assert result["outside"] == [], f"{name} imported modules from outside the package and layer: {result['outside']}"
    assert not result["emulator"], "dwdiag_emulator must not be importable from the package or the layer"
    assert result["origin"]["dwdiag"].startswith(str(package))
    for module in ("pydantic_core", "alibabacloud_oss_v2", "yaml"):
        assert result["origin"][module].startswith(str(layer)), (module, result["origin"][module])


def test_a_package_without_the_layer_does_not_import(unpacked):
    """The packages really do leave the dependencies to the layer."""
    name = deploy.function_name("platform_config")
    done = subprocess.run([sys.executable, "-I", "-S", "-B", "-c", IMPORT_CHECK, str(unpacked / "code" / name)],
                          cwd=unpacked / "code" / name, capture_output=True, text=True, timeout=120)
    assert done.returncode != 0 and "ModuleNotFoundError" in done.stderr


def test_function_packages_hold_their_handler_and_the_library_and_no_third_party_package(local_build):
    out, _ = local_build
    category_of = deploy.functions()  # function -> its folder under functions/ (the watch's is functions/watch/)
    assert sorted(p.name for p in out.glob("*.zip")) == sorted([*(f"{name}.zip" for name in category_of), LAYER])
    for name in category_of:
        names = zipfile.ZipFile(out / f"{name}.zip").namelist()
        assert len(names) == len(set(names))
        assert {n.split("/", 1)[0] for n in names} == {"index.py", "dwdiag"}, "a handler and the library, no more"
        assert not [n for n in names if n.startswith(THIRD_PARTY) or ".dist-info/" in n]
        assert "index.py" in names and "dwdiag/__init__.py" in names and "dwdiag/catalog/items.yaml" in names
        assert zipfile.ZipFile(out / f"{name}.zip").read("index.py") == \
            (ROOT / "functions" / category_of[name] / "index.py").read_bytes()
        assert not any(n.startswith(("tests/", "dwdiag/tests/")) for n in names)
        assert not any("__pycache__/" in n or n.endswith(".pyc") for n in names)
        assert not any(n.startswith(("scripts/", "dwdiag/deploy")) for n in names), "deployment tooling stays home"
        assert not any(re.fullmatch(r"event\.[\w.-]+\.json", n) for n in names), "the sample events stay home"
        assert "dwdiag/report/assets/report.js" in names and "dwdiag/report/assets/report.css" in names


def test_the_layer_holds_the_dependencies_under_python_and_no_dwdiag(local_build):
    out, _ = local_build
    names = zipfile.ZipFile(out / LAYER).namelist()
    assert len(names) == len(set(names)) and names == sorted(names, key=lambda n: n.split("/")), "in path order"
    assert all(n.startswith("python/") for n in names), "FC puts /opt/python on the path: all of it is there"
    tops = {n.split("/")[1] for n in names}
    for package in ("pydantic", "pydantic_core", "pydantic_settings", "yaml", "alibabacloud_tea_openapi",
                    "alibabacloud_credentials", "alibabacloud_oss_v2", "alibabacloud_dataworks_public20240518",
                    "fc2", "requests"):
        assert package in tops, f"the layer has no python/{package}/"
    assert not tops & {"dwdiag", "dwdiag_emulator", "index.py", "bin", "functions", "shared"}
    assert not any("__pycache__/" in n or n.endswith(".pyc") for n in names)


def test_the_layer_carries_every_requirement_of_pyproject(local_build):
    """dependencies and the cloud extra, read from pyproject.toml: a dependency added there is in the layer."""
    try:
        import tomllib
    except ImportError:  # Python 3.10
        from pip._vendor import tomli as tomllib
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    out, _ = local_build
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = {canonicalize_name(Requirement(r).name)
              for r in [*project["dependencies"], *project["optional-dependencies"]["cloud"]]
              if Requirement(r).marker is None or Requirement(r).marker.evaluate()}
    wanted.discard(canonicalize_name(project["name"]))
    layer = out / Path(LAYER).stem / "python"
    installed = {canonicalize_name(p.name[:-len(".dist-info")].rsplit("-", 1)[0]) for p in layer.glob("*.dist-info")}
    assert wanted <= installed, f"not in the layer: {sorted(wanted - installed)}"


def test_each_folder_is_what_its_function_imports_its_package_and_the_layer(local_build):
    """build/fc/<function>/ (the emulator's FC runtime runs it alone) is the function's zip and the layer's
    python/ together, and the two share no top-level name."""
    out, _ = local_build
    layer = {n[len("python/"):] for n in zipfile.ZipFile(out / LAYER).namelist()}
    assert {p.relative_to(out / Path(LAYER).stem / "python").as_posix()
            for p in (out / Path(LAYER).stem / "python").rglob("*") if p.is_file()} == layer
    for name in deploy.functions():
        own = set(zipfile.ZipFile(out / f"{name}.zip").namelist())
        assert not {n.split("/")[0] for n in own} & {n.split("/")[0] for n in layer}
        folder = out / name
        assert {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} == own | layer
        assert not (folder / "dwdiag_emulator").exists()


@pytest.mark.parametrize("name", [deploy.function_name("computing_storage"), deploy.function_name(deploy.WATCH)])
def test_each_folder_imports_alone_as_the_emulator_runs_it(local_build, name):
    out, _ = local_build
    result = import_in_fresh_interpreter(sys.executable, out / name)
    assert result["callable"] and result["outside"] == [] and not result["emulator"], result


def test_the_watch_package_runs_the_watch(local_build):
    """dwdiag-watch.zip holds functions/watch/index.py at its root, and the library the watch runs on."""
    out, _ = local_build
    archive = zipfile.ZipFile(out / f"{deploy.function_name(deploy.WATCH)}.zip")
    assert archive.read("index.py") == (ROOT / "functions" / "watch" / "index.py").read_bytes()
    names = set(archive.namelist())
    assert {"dwdiag/fc/watch.py", "dwdiag/watch/__init__.py", "dwdiag/watch/run.py"} <= names
    assert not {"event.timer.json", "event.eventbridge.json"} & names


def test_two_builds_give_the_same_bytes(local_build, tmp_path_factory):
    """Reproducible: the same sources (and the same resolved versions) give byte-identical zips, the layer's
    too, so an unchanged layer is recognized by its digest and not uploaded again."""
    first, _ = local_build
    second = tmp_path_factory.mktemp("fc-again")
    build(second, LOCAL)
    zips = sorted(p.name for p in first.glob("*.zip"))
    assert zips == sorted(p.name for p in second.glob("*.zip")) and LAYER in zips
    different = [z for z in zips if (first / z).read_bytes() != (second / z).read_bytes()]
    assert not different, f"not reproducible: {different}"
    assert deploy.layer_description(first / LAYER) == deploy.layer_description(second / LAYER)
    for info in zipfile.ZipFile(first / LAYER).infolist()[:200]:
        assert info.date_time == (1980, 1, 1, 0, 0, 0)
        assert (info.external_attr >> 16) in (0o100644, 0o100755)


def test_the_upload_is_under_the_target_and_the_packages_are_small(target_build):
    """The benchmark figure (scripts/bench_lib/footprint.py) of the build for FC: every zip uploaded, the five
    functions' and the layer, under 25 MB in all; a function's own package well under a megabyte."""
    out, _ = target_build
    report = footprint.package_sizes(out)
    assert report["total_zipped_bytes"] < footprint.TARGET_MB * footprint.MB, report
    assert report["under_target"]
    assert all(s["zipped_bytes"] < 1024 * 1024 for s in report["functions"].values()), report["functions"]


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


def import_in_fresh_interpreter(python: str, package: Path, *layer: Path) -> dict:
    # -I: no PYTHON* variables (so no PYTHONPATH: the script puts the package, then the layer's python/, first
    # on sys.path itself), no user site; -S: no site-packages, not even this venv's; -B: no __pycache__ written
    # into the package. Only the package, the layer and the standard library are on sys.path.
    done = subprocess.run([python, "-I", "-S", "-B", "-c", IMPORT_CHECK, str(package), *map(str, layer)],
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


def test_a_310_build_s_layer_carries_cp310_manylinux_x86_64_wheels(build_310):
    out, _ = build_310
    layer = out / Path(LAYER).stem / "python"
    tags = wheel_tags(layer)
    pydantic_core = next(v for k, v in tags.items() if k.startswith("pydantic_core-"))
    assert any(re.fullmatch(r"cp310-cp310-manylinux(2014|_2_\d+)_x86_64", t) for t in pydantic_core), pydantic_core
    assert list((layer / "pydantic_core").glob("_pydantic_core.cpython-310-x86_64-linux-gnu.so"))
    wrong = {dist: t for dist, t in tags.items() if not any(fits_cp310_manylinux_x86_64(x) for x in t)}
    assert not wrong, f"wheels that do not fit CPython 3.10 on manylinux x86_64: {wrong}"
    for so in layer.rglob("*.so"):
        name = so.name
        assert ".cpython-" not in name or ".cpython-310-x86_64-linux-gnu." in name, name
        header = so.read_bytes()[:20]
        assert header[:4] == b"\x7fELF" and int.from_bytes(header[18:20], "little") == 0x3E, f"{name} is not x86-64"
    # pip reads environment markers for the interpreter running it; the script re-reads them for 3.10.
    if LOCAL != "3.10":
        assert list(layer.glob("async_timeout-*.dist-info")), "aiohttp needs async-timeout below Python 3.11"
    for name in deploy.functions():
        assert not [n for n in zipfile.ZipFile(out / f"{name}.zip").namelist() if n.endswith(".so")], \
            "compiled code is the layer's"


def test_a_310_build_imports_under_cpython_310_from_its_packages_and_layer(build_310, tmp_path):
    """The real target: the cp310 layer's compiled extensions (pydantic_core, yaml, ...) load only in CPython
    3.10, so this runs when the machine has one (python3.10 on PATH or pyenv's); the local build's import tests
    cover the layout with this interpreter's own cp3XX layer."""
    python = find_python("3.10")
    if python is None:
        pytest.skip("no CPython 3.10 interpreter on this machine to import the 3.10 build with")
    out, _ = build_310
    zipfile.ZipFile(out / LAYER).extractall(tmp_path / "opt")
    for name in deploy.functions():
        zipfile.ZipFile(out / f"{name}.zip").extractall(tmp_path / "code" / name)
        result = import_in_fresh_interpreter(python, tmp_path / "code" / name, tmp_path / "opt" / "python")
        assert result["callable"] and result["outside"] == [] and not result["emulator"], (name, result)
        assert result["origin"]["pydantic_core"].startswith(str(tmp_path / "opt" / "python"))
