"""The HTML report of a run, and the run history its trend is drawn from.

store layout:  history/index.json, runs/<date>/<run_id>/report.html, latest/report.html
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional

from dwdiag.report.history import HISTORY_KEY, update_history
from dwdiag.report.html import HTML_CONTENT_TYPE, build_report, iter_report_parts
from dwdiag.models.run import RunResult
from dwdiag.store import Store

log = logging.getLogger(__name__)
REPORT_NAME = "report.html"
LATEST_REPORT_KEY = "latest/report.html"

__all__ = ["HISTORY_KEY", "HTML_CONTENT_TYPE", "LATEST_REPORT_KEY", "REPORT_NAME", "Report", "build_report",
           "write_run_report"]


@dataclass
class Report:
    keys: list[str] = field(default_factory=list)
    # Makes the page again, a piece at a time: a large run's page is tens of MB, so it is rendered
    # once per key it is written to rather than kept. None when it could not be built.
    render: Optional[Callable[[], Iterator[str]]] = None

    def write(self, store: Store, key: str) -> bool:
        """False (and logged) if the page could not be rendered; a store failure is raised."""
        try:
            parts = self.render()
        except Exception:  # noqa: BLE001 - the report is a view; it must not keep latest/ from moving on
            log.exception("the HTML report could not be built")
            return False
        try:
            store.write_chunks(key, _encoded(parts), HTML_CONTENT_TYPE)
        except _RenderFailed as failed:
            log.error("the HTML report could not be built", exc_info=failed.__cause__)
            return False
        return True


class _RenderFailed(Exception):
    """Rendering broke while the page was being written (told apart from the store failing)."""


def _encoded(parts: Iterator[str]) -> Iterator[bytes]:
    while True:
        try:
            part = next(parts)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - the report is a view; it must not keep latest/ from moving on
            raise _RenderFailed() from exc
        yield part.encode("utf-8")


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
        history = [{k: v for k, v in r.items() if k != "parts"} for r in runs]
        extra = _other_shards(store, prefix, result, entry)
    except Exception:  # noqa: BLE001 - the report is a view; it must not keep latest/ from moving on
        log.exception("the HTML report of run %s could not be built", result.run_id)
        return out
    render = lambda: iter_report_parts(result, history, extra_findings=extra,  # noqa: E731
                                       regions=entry["regions"], categories=entry["categories"])
    key = f"{prefix}/{REPORT_NAME}"
    if Report(render=render).write(store, key):
        out.render = render
        out.keys.append(key)
    return out
