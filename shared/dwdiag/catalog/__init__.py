"""The catalog of the 17 diagnostic items: metadata loaded from items.yaml and validated on import."""

from __future__ import annotations

import functools
from importlib import resources
from typing import Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field

from dwdiag.models.findings import Category, RiskLevel

OBJECT_TYPES = frozenset(
    {
        "maxcompute_project", "dataworks_workspace", "dataworks_datasource",
        "dataworks_compute_resource", "dataworks_member", "dataworks_task", "ram_user", "actiontrail",
    }
)


class ItemMeta(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z][a-z0-9_]+$")
    category: Category
    title: str = Field(min_length=10, max_length=100)
    object_type: str
    default_risk: RiskLevel
    how_it_checks: str
    suggestion: str
    doc_url: str = Field(pattern=r"^https://")
    parameters: tuple[str, ...] = ()

    def suggestion_with_link(self) -> str:
        # One string per item, shared by all of its findings (a large tenant has tens of thousands).
        return _with_link(self.suggestion, self.doc_url)


@functools.lru_cache(maxsize=None)
def _with_link(suggestion: str, doc_url: str) -> str:
    return f"{suggestion} See {doc_url}"


def _load() -> tuple[ItemMeta, ...]:
    text = resources.files(__package__).joinpath("items.yaml").read_text(encoding="utf-8")
    items = tuple(ItemMeta.model_validate(raw) for raw in yaml.safe_load(text))
    ids = [item.id for item in items]
    if len(ids) != len(set(ids)):
        raise RuntimeError("items.yaml: duplicate item id")
    for item in items:
        if item.object_type not in OBJECT_TYPES:
            raise RuntimeError(f"items.yaml: {item.id}: unknown object_type {item.object_type}")
    return items


ITEMS: tuple[ItemMeta, ...] = _load()
ITEM_IDS: tuple[str, ...] = tuple(item.id for item in ITEMS)
_BY_ID = {item.id: item for item in ITEMS}


def get(item_id: str) -> ItemMeta:
    return _BY_ID[item_id]


def items_for(categories: Optional[list[Category]] = None) -> list[ItemMeta]:
    wanted = set(categories) if categories else set(Category)
    return [item for item in ITEMS if item.category in wanted]
