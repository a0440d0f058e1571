"""The dependency layer: every function of both files runs on the same one, scripts/package, scripts/deploy and
scripts/deploy_lib agree on its name, zip and runtime, scripts/deploy finds or publishes it, and the footprint
report reads the build. (Fast: no build, no network; tests/deploy/test_package.py builds the real thing.)"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from scripts import deploy_lib as deploy
from scripts.bench_lib import footprint

from tests.support.paths import ROOT

EXAMPLE_ARN = "acs:fc:cn-hangzhou:1234567890123456:layers/dwdiag-deps/versions/3"


# --- both files reference the one layer --------------------------------------------------------------------

def test_every_fc2_function_runs_on_the_layer_parameter(template, fc2_functions):
    assert set(fc2_functions) == set(deploy.functions())
    for name, resource in fc2_functions.items():
        assert resource["Properties"]["Layers"] == [{"Ref": deploy.LAYER_PARAMETER}], name


def test_the_layer_parameter_takes_a_layer_version_arn_and_nothing_else(template):
    parameter = template["Parameters"][deploy.LAYER_PARAMETER]
    assert parameter["Type"] == "String" and "Default" not in parameter, "the deploy always gives it"
    pattern = re.compile(parameter["AllowedPattern"])
    assert pattern.fullmatch(EXAMPLE_ARN) and deploy.LAYER_ARN.fullmatch(EXAMPLE_ARN)
    for bad in ("", "dwdiag-deps", "acs:fc:cn-hangzhou:123:layers/dwdiag-deps",
                "acs:fc:cn-hangzhou:123:layers/dwdiag-deps/versions/", "xxxxxxxx#dwdiag-deps#1",
                EXAMPLE_ARN + " ", "acs:fc:cn-hangzhou:123:functions/dwdiag-watch"):
        assert not pattern.fullmatch(bad), bad
        assert not deploy.LAYER_ARN.fullmatch(bad), bad


def test_every_fc3_function_runs_on_the_layer_of_the_environment(s_yaml, fc3_functions):
    assert set(fc3_functions) == set(deploy.functions())
    expected = [f"${{env('{deploy.LAYER_ENVIRONMENT}')}}"]
    assert s_yaml["vars"]["layers"] == expected
    for name, props in fc3_functions.items():
        assert props["layers"] == expected, name


def test_the_layer_is_built_for_the_functions_runtime(fc2_functions, fc3_functions):
    runtimes = {r["Properties"]["Runtime"] for r in fc2_functions.values()} | \
        {p["runtime"] for p in fc3_functions.values()}
    assert runtimes == set(deploy.LAYER_RUNTIMES) == {"python3.10"}


def test_the_function_code_stays_the_per_function_zips(fc2_functions, fc3_functions):
    """The layer adds to a function; its code is still its own zip (never the layer's)."""
    for name, folder in deploy.functions().items():
        assert fc2_functions[name]["Properties"]["CodeUri"] == fc3_functions[name]["code"] \
            == f"./{deploy.package_zip(folder)}"
        assert deploy.LAYER_ZIP not in fc2_functions[name]["Properties"]["CodeUri"]


# --- the scripts agree with scripts/deploy_lib ------------------------------------------------------------

def shell_value(script: Path, name: str) -> str:
    match = re.search(rf"^{name}=(\S+)$", script.read_text(encoding="utf-8"), re.MULTILINE)
    assert match, f"{script.name} sets no {name}"
    return match.group(1)


def test_package_deploy_and_deploy_lib_name_the_same_layer():
    package = (ROOT / "scripts" / "package").read_text(encoding="utf-8")
    match = re.search(r'^LAYER = "([\w-]+)"', package, re.MULTILINE)
    assert match and deploy.LAYER_ZIP == f"{deploy.PACKAGE_DIR}/{match.group(1)}.zip"
    assert re.search(r'^LAYER_ROOT = "python"', package, re.MULTILINE), "FC's Python layer directory is python/"
    script = ROOT / "scripts" / "deploy"
    assert shell_value(script, "LAYER_NAME") == deploy.LAYER_NAME
    assert shell_value(script, "LAYER_ZIP") == deploy.LAYER_ZIP
    assert shell_value(script, "LAYER_RUNTIME") == ",".join(deploy.LAYER_RUNTIMES)


def test_the_layer_installs_pyproject_s_requirements_not_a_list_of_its_own():
    """scripts/package reads `dependencies` and the `cloud` extra from pyproject.toml: a dependency added there
    (ijson, say) lands in the layer without a change to the script."""
    package = (ROOT / "scripts" / "package").read_text(encoding="utf-8")
    assert 'tomllib.loads((ROOT / "pyproject.toml")' in package
    assert 'EXTRAS = ("cloud",)' in package
    for name in ("pydantic", "alibabacloud", "requests", "PyYAML", "aliyun-fc2"):
        assert f'"{name}' not in package, f"scripts/package names {name} itself"


# --- the layer version ARN in Serverless Devs' output -----------------------------------------------------

def test_layer_arn_in_reads_publish_and_versions_output():
    publish = ('[fc3] publishing...\n{"fc3-deploy-test": {"acl": 0, "layerName": "dwdiag-deps", "version": 3, '
               f'"layerVersionArn": "{EXAMPLE_ARN}", "description": "d"}}}}\n')
    assert deploy.layer_arn_in(publish) == EXAMPLE_ARN
    versions = json.dumps([{"layerVersionArn": EXAMPLE_ARN.replace("/3", f"/{n}"), "description": d, "version": n}
                           for n, d in ((1, "old"), (12, "new"), (2, "new"))])
    assert deploy.layer_arn_in(versions, "new") == EXAMPLE_ARN.replace("/3", "/12"), "the newest of that zip"
    assert deploy.layer_arn_in(versions, "none") is None
    assert deploy.layer_arn_in("", "new") is None and deploy.layer_arn_in("error: no such layer") is None
    assert deploy.layer_arn_in(f"layerVersionArn: {EXAMPLE_ARN}\n") == EXAMPLE_ARN, "the default output too"


def test_the_description_is_the_zip_s_sha256(tmp_path):
    import hashlib

    path = tmp_path / "layer.zip"
    path.write_bytes(b"PK\x05\x06" + bytes(18))
    description = deploy.layer_description(path)
    assert description == deploy.LAYER_DESCRIPTION_PREFIX + hashlib.sha256(path.read_bytes()).hexdigest()
    path.write_bytes(b"PK\x05\x06" + bytes(17) + b"\x01")
    assert deploy.layer_description(path) != description


# --- scripts/deploy: the layer before the functions --------------------------------------------------------

def test_ros_passes_the_given_layer_and_publishes_nothing(bare_path):
    from tests.support.deploy import run_deploy

    done = run_deploy(["ros", "--dry-run"], bare_path, DWDIAG_OSS_BUCKET="results", DEPLOY_CODE_BUCKET="code",
                      DEPLOY_LAYER_ARN=EXAMPLE_ARN)
    assert done.returncode in (0, 3), done.stderr
    assert f"DepsLayerArn={EXAMPLE_ARN}" in done.stderr
    assert "layer publish" not in done.stderr and "'s' is not installed" not in done.stderr


@pytest.mark.parametrize("path", ["ros", "s", "layer"])
def test_without_a_layer_arn_the_plan_finds_or_publishes_the_layer_zip_first(bare_path, path):
    from tests.support.deploy import run_deploy

    done = run_deploy([path, "--dry-run"], bare_path, DWDIAG_OSS_BUCKET="results", DEPLOY_CODE_BUCKET="code",
                      DEPLOY_REGION="cn-shanghai")
    assert done.returncode in (0, 3), done.stderr
    lines = done.stderr.splitlines()
    package = next(i for i, line in enumerate(lines) if "scripts/package --python 3.10" in line)
    versions = next(i for i, line in enumerate(lines)
                    if f"s cli fc3 layer versions --region cn-shanghai --layer-name {deploy.LAYER_NAME}" in line)
    publish = next(i for i, line in enumerate(lines) if "s cli fc3 layer publish" in line)
    assert package < versions < publish
    assert f"--code {deploy.LAYER_ZIP} --compatible-runtime python3.10" in lines[publish]
    deploys = [i for i, line in enumerate(lines) if "fun deploy" in line or "s deploy" in line]
    assert all(publish < i for i in deploys) and (path == "layer") == (not deploys)
    if path == "ros":
        assert "DepsLayerArn=<DEPLOY_LAYER_ARN>" in done.stderr


@pytest.fixture
def project(tmp_path, bare_path):
    """scripts/deploy in a project of its own: a no-op scripts/package with a layer zip already built, the real
    scripts/deploy_lib, and a fake Serverless Devs `s` on PATH that logs its calls."""
    (tmp_path / "scripts").mkdir()
    for name in ("deploy", "deploy_lib.py", "__init__.py", "_venv.sh"):
        shutil.copy2(ROOT / "scripts" / name, tmp_path / "scripts" / name)
    package = tmp_path / "scripts" / "package"
    package.write_text("#!/usr/bin/env bash\necho packaged >&2\n")
    package.chmod(0o755)
    layer = tmp_path / deploy.LAYER_ZIP
    layer.parent.mkdir(parents=True)
    with zipfile.ZipFile(layer, "w") as archive:
        archive.writestr("python/somedep/__init__.py", "")
    fake = Path(bare_path) / "s"
    fake.write_text("""#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$FAKE_S_LOG"
case "$*" in
  "cli fc3 layer versions"*) [ -n "${FAKE_S_VERSIONS:-}" ] || { echo "layer not found" >&2; exit 1; }
                             printf '%s\\n' "$FAKE_S_VERSIONS" ;;
  "cli fc3 layer publish"*) printf 'uploading\\n{"fc3": {"layerName": "dwdiag-deps", "version": 7, "layerVersionArn": "acs:fc:cn-shanghai:42:layers/dwdiag-deps/versions/7"}}\\n' ;;
  "deploy -t s.yaml -y") printf 'deploy layers=%s\\n' "$DEPLOY_LAYER_ARN" >> "$FAKE_S_LOG" ;;
esac
""")
    fake.chmod(0o755)
    return tmp_path


S_ENVIRONMENT = {name: "x" for name in ("DEPLOY_ROLE_ARN", "DEPLOY_LOG_PROJECT", "DEPLOY_LOG_STORE",
                                         "DWDIAG_OSS_BUCKET", "DWDIAG_OSS_REGION", "DWDIAG_DINGTALK_WEBHOOK",
                                         "DWDIAG_DINGTALK_SECRET")}


def run_project(project: Path, args: list[str], path: str, **env) -> tuple[subprocess.CompletedProcess, list[str]]:
    log = project / "s.log"
    full = {"PATH": path, "HOME": os.environ.get("HOME", "/root"), "DWDIAG_VENV": sys.prefix,
            "FAKE_S_LOG": str(log), "DEPLOY_REGION": "cn-shanghai", **env}
    done = subprocess.run([str(project / "scripts" / "deploy"), *args], cwd=project, env=full,
                          capture_output=True, text=True, timeout=120)
    return done, (log.read_text().splitlines() if log.exists() else [])


@pytest.mark.slow
def test_s_publishes_the_layer_when_no_version_has_the_zip_and_deploys_on_it(project, bare_path):
    done, calls = run_project(project, ["s"], bare_path, **S_ENVIRONMENT)
    assert done.returncode == 0, done.stderr
    published = "acs:fc:cn-shanghai:42:layers/dwdiag-deps/versions/7"
    description = deploy.layer_description(project / deploy.LAYER_ZIP)
    assert calls[0].startswith("cli fc3 layer versions --region cn-shanghai --layer-name dwdiag-deps")
    assert calls[1] == (f"cli fc3 layer publish --region cn-shanghai --layer-name dwdiag-deps --code "
                        f"{deploy.LAYER_ZIP} --compatible-runtime python3.10 --description {description} -o json")
    assert calls[2:] == ["deploy -t s.yaml -y", f"deploy layers={published}"]
    assert f"export DEPLOY_LAYER_ARN={published}" in done.stderr


@pytest.mark.slow
def test_s_reuses_the_version_of_the_same_zip_and_uploads_nothing(project, bare_path):
    description = deploy.layer_description(project / deploy.LAYER_ZIP)
    reused = "acs:fc:cn-shanghai:42:layers/dwdiag-deps/versions/5"
    versions = json.dumps({"fc3": [
        {"layerVersionArn": reused.replace("/5", "/6"), "description": "dwdiag dependencies sha256:" + "0" * 64},
        {"layerVersionArn": reused, "description": description}]})
    done, calls = run_project(project, ["s"], bare_path, FAKE_S_VERSIONS=versions, **S_ENVIRONMENT)
    assert done.returncode == 0, done.stderr
    assert not [c for c in calls if "layer publish" in c], "the layer of this zip is published already"
    assert calls[-1] == f"deploy layers={reused}"


def test_s_uses_a_given_layer_arn_without_asking(project, bare_path):
    done, calls = run_project(project, ["s"], bare_path, DEPLOY_LAYER_ARN=EXAMPLE_ARN, **S_ENVIRONMENT)
    assert done.returncode == 0, done.stderr
    assert calls == ["deploy -t s.yaml -y", f"deploy layers={EXAMPLE_ARN}"]


@pytest.mark.slow
def test_layer_publishes_only_the_layer(project, bare_path):
    done, calls = run_project(project, ["layer"], bare_path)
    assert done.returncode == 0, done.stderr
    assert [c.split(" --")[0] for c in calls] == ["cli fc3 layer versions", "cli fc3 layer publish"]
    assert "export DEPLOY_LAYER_ARN=acs:fc:cn-shanghai:42:layers/dwdiag-deps/versions/7" in done.stderr


# --- the footprint report ----------------------------------------------------------------------------------

def write_zip(path: Path, files: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)


def test_package_sizes_reports_each_zip_the_layer_and_the_total(tmp_path):
    for name in deploy.functions():
        write_zip(tmp_path / f"{name}.zip", {"index.py": b"def handler(e, c): pass\n", "dwdiag/__init__.py": b""})
    write_zip(tmp_path / Path(deploy.LAYER_ZIP).name, {"python/dep/__init__.py": b"x" * 100_000})
    report = footprint.package_sizes(tmp_path)
    assert list(report["functions"]) == list(deploy.functions())
    sizes = [*report["functions"].values(), report["layer"]]
    assert report["total_zipped_bytes"] == sum((tmp_path / s["zip"]).stat().st_size for s in sizes)
    assert report["layer"]["unpacked_bytes"] == 100_000 and report["layer"]["files"] == 1
    assert report["functions"]["dwdiag-watch"]["files"] == 2
    assert report["under_target"] is True and report["target_mb"] == 25.0
    assert json.loads(json.dumps(report)) == report


@pytest.mark.slow
def test_footprint_prints_json_and_refuses_a_partial_build(tmp_path):
    done = subprocess.run([sys.executable, "-m", "scripts.bench_lib.footprint", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1 and "run scripts/package" in done.stderr
    for name in deploy.functions():
        write_zip(tmp_path / f"{name}.zip", {"index.py": b""})
    write_zip(tmp_path / Path(deploy.LAYER_ZIP).name, {"python/dep.py": b""})
    done = subprocess.run([sys.executable, "-m", "scripts.bench_lib.footprint", str(tmp_path)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) >= {"functions", "layer", "total_zipped_mb", "total_unpacked_mb"}
