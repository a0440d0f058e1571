"""Findings in other people's formats: OCSF Detection Finding JSON and CSV, printed or written beside a run."""

from __future__ import annotations

from datetime import datetime

from dwdiag.models.findings import Finding
from dwdiag.outputs import csv as csv_output
from dwdiag.outputs import ocsf

OCSF_FILE = "findings.ocsf.json"
CSV_FILE = "findings.csv"
# Excel (and WPS) read a CSV without a byte-order mark in the local code page, which garbles Chinese names.
CSV_BOM = "\ufeff"


def write_run_outputs(store, prefix: str, findings: list[Finding], run_id: str, evaluated_at: datetime) -> list[str]:
    """Write findings.ocsf.json and findings.csv into a run folder; returns the keys written."""
    ocsf_key, csv_key = f"{prefix}/{OCSF_FILE}", f"{prefix}/{CSV_FILE}"
    store.write(ocsf_key, ocsf.events(findings, run_id=run_id, evaluated_at=evaluated_at))
    store.write_text(csv_key, CSV_BOM + csv_output.render(findings), "text/csv; charset=utf-8")
    return [ocsf_key, csv_key]


__all__ = ["CSV_FILE", "OCSF_FILE", "csv_output", "ocsf", "write_run_outputs"]
