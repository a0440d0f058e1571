"""The deployment files (template.yml, s.yaml, the handlers under functions/) and readers of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dwdiag.models.findings import Category
from tests.support.paths import ROOT

TEMPLATE = ROOT / "template.yml"
S_YAML = ROOT / "s.yaml"


def handler_file(category: str) -> Path:
    return ROOT / "functions" / category / "index.py"


def missing_handlers() -> list[str]:
    return [str(handler_file(c.value).relative_to(ROOT)) for c in Category if not handler_file(c.value).is_file()]


def resolve_sub(value: Any) -> Any:
    """template.yml's `!Sub "...${X}..."` as its text, so it compares with policy_document("${X}", ...)."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return value["Fn::Sub"]
        return {k: resolve_sub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_sub(v) for v in value]
    return value
