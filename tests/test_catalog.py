"""The catalog: the 17 ids of the spec, each with metadata that holds together and a rule."""

from __future__ import annotations

import re
from pathlib import Path

from dwdiag import catalog
from dwdiag.checks import load_all
from dwdiag.models.findings import Category
from dwdiag.settings import Settings

# The project's own copy of the item contract, inside the checkout.
SPEC = Path(__file__).resolve().parents[1] / "docs" / "diagnostic-items.md"


def spec_items() -> dict[str, tuple[str, str]]:
    """item id -> (category, default risk), read from the contract's tables."""
    found, category = {}, None
    for line in SPEC.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"## Category `(\w+)`", line)
        if heading:
            category = heading.group(1)
        row = re.match(r"\| `(\w+)` \| [^|]+\| (low|medium|high) \|", line)
        if row and category:
            found[row.group(1)] = (category, row.group(2))
    return found


def test_exactly_the_seventeen_items_of_the_spec_with_their_category_and_risk():
    expected = spec_items()
    assert len(expected) == 17
    assert {i.id: (i.category.value, i.default_risk.value) for i in catalog.ITEMS} == expected


def test_every_item_has_a_rule_and_every_rule_an_item():
    assert set(load_all()) == set(catalog.ITEM_IDS)


def test_parameters_name_real_settings_and_links_are_https():
    fields = set(Settings.model_fields)
    for item in catalog.ITEMS:
        assert set(item.parameters) <= fields, item.id
        assert item.doc_url.startswith("https://")
        assert item.doc_url in item.suggestion_with_link()


def test_items_for_filters_by_category():
    assert {i.category for i in catalog.items_for([Category.platform_config])} == {Category.platform_config}
    assert len(catalog.items_for()) == 17
