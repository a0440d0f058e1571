"""Findings as CSV: one row per finding, a fixed column order, safe to open in a spreadsheet.

Columns are the spec's fields in the spec's order, then what a run adds (state, first_seen,
regression, waived, waiver). `evidence` and `waiver` are compact JSON. A cell that a spreadsheet
would run as a formula (starting with = + - @, tab or carriage return) gets a leading apostrophe,
as OWASP's CSV-injection advice says; so that a reader can give back exactly what was written
(tests/support/csv_reader.py does), a cell that itself starts with an apostrophe gets one too.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any, Iterable, Iterator

from dwdiag.models.findings import Finding

SPEC_COLUMNS = ("item_id", "category", "status", "risk_level", "region", "object_type", "object_id",
                "object_name", "workspace_id", "result", "suggestion", "evidence", "fingerprint", "account_id")
RUN_COLUMNS = ("state", "first_seen", "regression", "waived", "waiver", "remediation")
COLUMNS = SPEC_COLUMNS + RUN_COLUMNS
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
JSON_COLUMNS = ("evidence", "waiver", "remediation")
BOOL_COLUMNS = ("regression", "waived")


def neutralise(cell: str) -> str:
    return "'" + cell if cell.startswith(FORMULA_STARTS + ("'",)) else cell


def _cell(key: str, value: Any) -> str:
    if value is None:
        return ""
    if key in JSON_COLUMNS:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    if isinstance(value, bool):
        return "true" if value else "false"
    return neutralise(str(value))


def row(f: Finding) -> dict[str, str]:
    data = f.to_dict()
    return {key: _cell(key, data.get(key)) for key in COLUMNS}


def render(findings: Iterable[Finding]) -> str:
    return "".join(lines(findings))


def lines(findings: Iterable[Finding]) -> Iterator[str]:
    """The header, then one CSV record per finding (a record may span lines: a cell can hold a newline)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(COLUMNS), quoting=csv.QUOTE_MINIMAL, lineterminator="\r\n")
    writer.writeheader()
    for f in findings:
        yield _take(out)
        writer.writerow(row(f))
    yield _take(out)


def _take(out: io.StringIO) -> str:
    text = out.getvalue()
    out.seek(0)
    out.truncate()
    return text
