"""The documentation keeps in step with the code: operations, items, rules and settings."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

from dwdiag.catalog import ITEMS
from dwdiag.checks import load_all
from dwdiag.clients.operations import OPERATIONS, SERVICES
from dwdiag.settings import Settings

DOCS = Path(__file__).resolve().parents[1] / "docs"
EVIDENCE = DOCS / "evidence.md"
CONTRACT = DOCS / "diagnostic-items.md"
VERSION = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _section(text: str, heading: str) -> list[str]:
    """The lines under a `## heading`, up to the next `## ` heading."""
    lines = text.splitlines()
    start = lines.index(f"## {heading}") + 1
    end = next((i for i in range(start, len(lines)) if lines[i].startswith("## ")), len(lines))
    return lines[start:end]


def documented_operations() -> set[tuple[str, str]]:
    """(version, action) of each row of the Operations table of docs/evidence.md."""
    found = set()
    for line in _section(EVIDENCE.read_text(encoding="utf-8"), "Operations"):
        cells = [c.strip() for c in line.strip().strip("|").split("|")] if line.startswith("|") else []
        if len(cells) >= 3 and VERSION.match(cells[1]):
            found.add((cells[1], cells[2].strip("`")))
    return found


def test_every_operation_is_in_the_operations_table():
    called = {(SERVICES[op.service].version, op.action) for op in OPERATIONS}
    missing = sorted(called - documented_operations())
    assert not missing, f"operations.py calls these, docs/evidence.md does not list them: {missing}"


def test_the_operations_table_lists_only_operations_that_are_called():
    called = {(SERVICES[op.service].version, op.action) for op in OPERATIONS}
    stale = sorted(documented_operations() - called)
    assert not stale, f"docs/evidence.md lists operations that operations.py does not call: {stale}"


def test_every_item_has_its_evidence_section():
    sections = set(re.findall(r"^### `(\w+)`\s*$", EVIDENCE.read_text(encoding="utf-8"), re.MULTILINE))
    missing = sorted({item.id for item in ITEMS} - sections)
    assert not missing, f"docs/evidence.md has no `### `id`` section for {missing}"


def test_every_rule_names_its_evidence_section():
    unnamed = sorted(item_id for item_id, fn in load_all().items()
                     if f"docs/evidence.md#{item_id}" not in (inspect.getdoc(fn) or ""))
    assert not unnamed, f"these rules' docstrings do not name docs/evidence.md#<item id>: {unnamed}"


def test_every_setting_the_contract_names_exists():
    named = set(re.findall(r"\bDWDIAG_([A-Z0-9_]*[A-Z0-9])\b", CONTRACT.read_text(encoding="utf-8")))
    assert named, "docs/diagnostic-items.md names no DWDIAG_ setting"
    unknown = sorted(f"DWDIAG_{n}" for n in named if n.lower() not in Settings.model_fields)
    assert not unknown, f"docs/diagnostic-items.md names settings that dwdiag.settings.Settings lacks: {unknown}"
