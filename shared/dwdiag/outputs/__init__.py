"""Findings in other people's formats: OCSF Detection Finding JSON and CSV (formatting only;
dwdiag.publish writes them beside a run)."""

from __future__ import annotations

from dwdiag.outputs import csv as csv_output
from dwdiag.outputs import ocsf

__all__ = ["csv_output", "ocsf"]
