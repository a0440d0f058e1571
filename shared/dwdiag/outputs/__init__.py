"""Findings in other people's formats: OCSF Detection Finding JSON and CSV, printed or written beside a run."""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, Iterator

from dwdiag.models.findings import Finding
from dwdiag.outputs import csv as csv_output
from dwdiag.outputs import ocsf
from dwdiag.store import stream

OCSF_FILE = "findings.ocsf.json"
CSV_FILE = "findings.csv"
# Excel (and WPS) read a CSV without a byte-order mark in the local code page, which garbles Chinese names.
CSV_BOM = "\ufeff"


def write_run_outputs(store, prefix: str, findings: list[Finding], run_id: str, evaluated_at: datetime) -> list[str]:
    """Write findings.ocsf.json and findings.csv into a run folder; returns the keys written."""
    ocsf_key, csv_key = f"{prefix}/{OCSF_FILE}", f"{prefix}/{CSV_FILE}"
    store.write_chunks(ocsf_key, stream.array(ocsf.event(f, run_id=run_id, evaluated_at=evaluated_at)
                                              for f in findings))
    store.write_chunks(csv_key, _utf8(CSV_BOM, csv_output.lines(findings)), "text/csv; charset=utf-8")
    return [ocsf_key, csv_key]


def _utf8(first: str, lines: Iterable[str]) -> Iterator[bytes]:
    # CSV has no escapes: a lone surrogate from a tenant string becomes "?" rather than invalid UTF-8.
    yield first.encode("utf-8")
    for line in lines:
        yield line.encode("utf-8", "replace")


__all__ = ["CSV_FILE", "OCSF_FILE", "csv_output", "ocsf", "write_run_outputs"]
