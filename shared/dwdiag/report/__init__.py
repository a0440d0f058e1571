"""The HTML report of a run, and the run history its trend is drawn from.

store layout:  history/index.json, runs/<date>/<run_id>/report.html, latest/report.html
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Optional

from dwdiag.report.history import HISTORY_KEY, update_history
from dwdiag.report.html import HTML_CONTENT_TYPE, build_report, build_report_parts
from dwdiag.runner import RunResult
from dwdiag.store import Store

log = logging.getLogger(__name__)
REPORT_NAME = "report.html"
LATEST_REPORT_KEY = "latest/report.html"

__all__ = ["HISTORY_KEY", "HTML_CONTENT_TYPE", "LATEST_REPORT_KEY", "REPORT_NAME", "Report", "build_report",
           "write_run_report"]


@dataclass
class Report:
    keys: list[str] = field(default_factory=list)
    # The page in pieces (a large run's page is tens of MB; it is written, never joined), or None when
    # it could not be built (the run's other files still stand).
    html: Optional[list[str]] = None

    def write(self, store: Store, key: str) -> None:
        store.write_chunks(key, (part.encode("utf-8") for part in self.html or ()), HTML_CONTENT_TYPE)


def _other_shards(store: Store, prefix: str, result: RunResult, entry: dict[str, Any]) -> list[dict]:
    """Findings the other shards of this run id stored (a fanned-out run: one region per shard)."""
    mine = {f"{r}/{c.value}" for r in result.summary.regions for c in result.categories}
    found: list[dict] = []
    for part in sorted(set(entry.get("parts", {})) - mine):
        doc = store.read(f"{prefix}/{part}/findings.json")
        found += (doc or {}).get("findings", [])
    return found


def write_run_report(store: Store, result: RunResult, prefix: str) -> Report:
    """Appends the run to history/index.json, then writes `<prefix>/report.html`."""
    runs, entry = update_history(store, result)
    out = Report(keys=[HISTORY_KEY])
    try:
        out.html = build_report_parts(
            result, [{k: v for k, v in r.items() if k != "parts"} for r in runs],
            extra_findings=_other_shards(store, prefix, result, entry),
            regions=entry["regions"], categories=entry["categories"])
    except Exception:  # noqa: BLE001 - the report is a view; it must not keep latest/ from moving on
        log.exception("the HTML report of run %s could not be built", result.run_id)
        return out
    key = f"{prefix}/{REPORT_NAME}"
    out.write(store, key)
    out.keys.append(key)
    return out
