"""The deployment files, parsed once, and what each says about the four functions."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts import deploy_lib as deploy
from dwdiag.models.findings import Category

ROOT = Path(__file__).resolve().parents[2]
TEMPLATE = ROOT / "template.yml"
S_YAML = ROOT / "s.yaml"


def handler_file(category: str) -> Path:
    return ROOT / "functions" / category / "index.py"


def missing_handlers() -> list[str]:
    return [str(handler_file(c.value).relative_to(ROOT)) for c in Category if not handler_file(c.value).is_file()]


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


def resolve_sub(value: Any) -> Any:
    """template.yml's `!Sub "...${X}..."` as its text, so it compares with policy_document("${X}", ...)."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return value["Fn::Sub"]
        return {k: resolve_sub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_sub(v) for v in value]
    return value
