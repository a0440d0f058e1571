"""The deployment files, parsed once, and what each says about the five functions (four categories, the watch)."""

from __future__ import annotations

import shutil
from typing import Any

import pytest

from scripts import deploy_lib as deploy
from tests.support.deploy import S_YAML, TEMPLATE


@pytest.fixture(scope="session")
def template() -> dict[str, Any]:
    return deploy.load_yaml(TEMPLATE)


@pytest.fixture(scope="session")
def s_yaml() -> dict[str, Any]:
    return deploy.load_yaml(S_YAML)


@pytest.fixture(scope="session")
def service(template) -> dict[str, Any]:
    return template["Resources"][deploy.SERVICE_NAME]


@pytest.fixture(scope="session")
def fc2_functions(service) -> dict[str, dict[str, Any]]:
    """Function name -> its resource (Properties, Events), from template.yml."""
    return {k: v for k, v in service.items()
            if isinstance(v, dict) and v.get("Type") == "Aliyun::Serverless::Function"}


@pytest.fixture(scope="session")
def fc3_functions(s_yaml) -> dict[str, dict[str, Any]]:
    """Function name -> props, from s.yaml."""
    return {r["props"]["functionName"]: r["props"] for r in s_yaml["resources"].values()}


@pytest.fixture
def bare_path(tmp_path) -> str:
    """A PATH with bash and the few tools scripts/deploy uses, and none of fun, s, aliyun."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("bash", "dirname", "sed", "tr", "env"):
        found = shutil.which(tool)
        assert found, tool
        (bin_dir / tool).symlink_to(found)
    return str(bin_dir)
