"""Findings read back from dwdiag's CSV: what proves that writing a CSV loses nothing."""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Optional

from dwdiag.models.findings import Finding
from dwdiag.outputs.csv import BOOL_COLUMNS, JSON_COLUMNS, RUN_COLUMNS

OPTIONAL_COLUMNS = ("workspace_id", "account_id") + RUN_COLUMNS  # an empty cell is null only here; elsewhere it is ""


def restore(cell: str) -> str:
    """Undo the apostrophe the writer puts before a cell a spreadsheet would run as a formula."""
    return cell[1:] if cell.startswith("'") else cell


def _value(key: str, cell: str) -> Optional[Any]:
    if cell == "" and key in OPTIONAL_COLUMNS:
        return None
    if key in JSON_COLUMNS:
        return json.loads(cell)
    if key in BOOL_COLUMNS:
        return cell == "true"
    return restore(cell)


def read(text: str) -> list[Finding]:
    """The findings back from `render`'s text (a leading byte-order mark is allowed)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    return [Finding.from_dict({k: _value(k, v) for k, v in r.items()}) for r in reader]
