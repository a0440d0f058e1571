"""The run-level documents, derived from the parts' records by whoever finds every expected part settled.

`summary.json`, `findings.ocsf.json`, `findings.csv`, `report.html`, the run's history entry and
`latest/report.html` belong to the whole run, and a fanned-out run's parts finish in any order, maybe in
the same instant. None of them is read, changed and written back: each is a function of what the parts
recorded (publish/shards.py) and of the findings documents they wrote, so any writer that derives them
writes the same bytes:

- the parts in the order of their first region and category, each part's (region, category) pairs in
  the order it recorded them (the order it swept and evaluated), each pair's findings as its document holds
  them;
- times from the records (a part's start, finish and evaluation times), never the clock of the deriver;
- the report's trend from the run's own entry and the history entries its parts saw before it (each part
  lists history/runs/ once, when it records itself), so a run finishing elsewhere in the meantime changes
  nothing.

Two parts finishing in the same instant may both derive; the result is the same. A part that finds some
expected part not recorded yet writes nothing run-level; the last one to record itself derives. When every
part recorded itself but one failed, only the summary is derived (it says what failed); the rest waits for
the failed part's retry. After writing, the deriver reads the records again: if a part recorded itself anew
meanwhile (a retried part), it derives again, so the last documents written are those of the last records.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Callable, Iterable, Iterator, Optional

from dwdiag import report
from dwdiag.models.findings import Category, Finding, Status
from dwdiag.models.run import RunResult
from dwdiag.models.summary import RunSummary
from dwdiag.outputs import csv as csv_output
from dwdiag.outputs import ocsf
from dwdiag.publish import documents, history, layout, shards
from dwdiag.remediation.plan import plan_for
from dwdiag.store import Store, stream

log = logging.getLogger(__name__)
ROUNDS = 3  # derive again at most this often when the records change under the deriver
# Excel (and WPS) read a CSV without a byte-order mark in the local code page, which garbles Chinese names.
CSV_BOM = "\ufeff"
Cells = list[tuple[str, Category]]


def derive(store: Store, prefix: str, own: Optional[RunResult] = None) -> list[str]:
    """Derive the run-level documents of the run under `prefix` if every expected part has recorded
    itself; returns the keys written (none when the run is not complete). `own` is the deriver's own
    part, whose findings it has in memory and need not read back. The caller copies the report to
    latest/report.html after its own latest/ pointers (publish/writer.py, finish_part)."""
    written: list[str] = []
    state = shards.read_state(store, prefix)
    for _ in range(ROUNDS):
        if not state.settled:
            return written
        written = _write(store, prefix, state, own)
        again = shards.read_state(store, prefix)
        if again.raw == state.raw:
            return written
        log.info("the parts of %s changed while it was derived; deriving again", prefix)
        state = again
    return written


def summary_of(state: shards.State) -> RunSummary:
    """One RunSummary for the run: a run of one part is that part's summary; the summaries of a
    fanned-out run's parts add up, with which regions finished."""
    if len(state.parts) == 1 and not state.missing and not state.accounts:
        return state.parts[0].summary
    summary = RunSummary.combine([p.summary for p in state.parts], state.progress(), organization=bool(state.accounts))
    for account, about in state.accounts.items():  # what the fan-out knew: accounts left out, names, folders
        summary.accounts[account] = {**about, **summary.accounts.get(account, {})}
    summary.accounts = dict(sorted(summary.accounts.items()))
    return summary


def _write(store: Store, prefix: str, state: shards.State, own: Optional[RunResult]) -> list[str]:
    summary = summary_of(state)
    summary_key = f"{prefix}/{layout.SUMMARY}"
    if not state.finished:
        store.write(summary_key, summary.model_dump(mode="json"))
        return [summary_key]
    cells = _cells(state)
    written = write_outputs(store, prefix, lambda: _findings(store, prefix, cells, own), summary.run_id,
                            _evaluated_at(state))
    store.write(summary_key, summary.model_dump(mode="json"))
    written.append(summary_key)
    entry = history.entry_of(summary)
    store.write(layout.history_entry(summary.run_id), entry)
    written.append(layout.history_entry(summary.run_id))
    trend = history.trend(entry, (p.history for p in state.parts))
    page = _write_report(store, prefix, summary, cells, own, trend)
    if page is not None:
        written.append(page)
    return written


def _cells(state: shards.State) -> Cells:
    return [(region, Category(category)) for part in state.parts for region, category in part.cells]


def _evaluated_at(state: shards.State) -> Callable[[Finding], datetime]:
    """When the rules were run for each (region, category): its part's evaluation time."""
    times = {cell: part.summary.evaluated_at for part in state.parts for cell in part.cells}
    # An organization's places are <account>/<region>; a single account's are its regions.
    return lambda f: times.get((layout.place(f.account_id, f.region), f.category.value)) or \
        times[(f.region, f.category.value)]


def write_outputs(store: Store, prefix: str, findings: Callable[[], Iterable[Finding]], run_id: str,
                  evaluated_at: Callable[[Finding], datetime]) -> list[str]:
    """findings.ocsf.json and findings.csv in a run folder, each written a finding at a time from a
    fresh pass over `findings`; returns the keys written."""
    ocsf_key, csv_key = f"{prefix}/{layout.OCSF}", f"{prefix}/{layout.CSV}"
    store.write_chunks(ocsf_key, stream.array(ocsf.event(f, run_id=run_id, evaluated_at=evaluated_at(f))
                                              for f in findings()))
    store.write_chunks(csv_key, _utf8(CSV_BOM, csv_output.lines(findings())), "text/csv; charset=utf-8")
    return [ocsf_key, csv_key]


def _utf8(first: str, lines: Iterable[str]) -> Iterator[bytes]:
    # CSV has no escapes: a lone surrogate from a tenant string becomes "?" rather than invalid UTF-8.
    yield first.encode("utf-8")
    for line in lines:
        yield line.encode("utf-8", "replace")


def _findings(store: Store, prefix: str, cells: Cells, own: Optional[RunResult]) -> Iterator[Finding]:
    """Every finding of the run, one (region, category) document at a time; the deriver's own part from
    memory (its documents hold exactly these findings)."""
    mine = set(shards.own_cells(own)) if own is not None else set()
    for where, category in cells:
        if (where, category.value) in mine:
            region = layout.region_of(where)
            yield from (planned(f) for f in own.findings if f.region == region and f.category is category)
            continue
        key = layout.category_key(prefix, where, category, layout.FINDINGS)
        missing = "is missing although its part finished"
        yield from (Finding.from_dict(f) for f in documents.findings(store, key, missing=missing))  # one at a time


def planned(f: Finding) -> Finding:
    """A finding as its document holds it: a fail with its remediation plan (made now, not kept)."""
    if f.status is not Status.fail or f.remediation is not None:
        return f
    return f.replace(remediation=plan_for(f))


def _public(findings: Iterable[Finding]) -> Iterator[dict]:
    return (f.public() for f in findings)


def _write_report(store: Store, prefix: str, summary: RunSummary, cells: Cells, own: Optional[RunResult],
                  trend: list[dict]) -> Optional[str]:
    """The run's report.html; None when it could not be built (the report is a view: the run is
    published without it)."""
    key = f"{prefix}/{layout.REPORT}"
    try:
        parts = report.iter_run_report_parts(summary, _public(_findings(store, prefix, cells, own)), trend,
                                             regions=sorted(summary.regions))
    except Exception:  # noqa: BLE001 - the report is a view; it must not keep latest/ from moving on
        log.exception("the HTML report could not be built (run %s)", summary.run_id)
        return None
    try:
        store.write_chunks(key, _encoded(parts), report.HTML_CONTENT_TYPE)
    except _RenderFailed as failed:
        log.error("the HTML report could not be built", exc_info=failed.__cause__)
        return None
    return key


class _RenderFailed(Exception):
    """Rendering broke while the page was being written (told apart from the store failing)."""


def _encoded(parts: Iterator[str]) -> Iterator[bytes]:
    while True:
        try:
            part = next(parts)
        except StopIteration:
            return
        except OSError:  # reading another part's findings failed (a StoreError): the store's trouble, not the page's
            raise
        except Exception as exc:  # noqa: BLE001 - the report is a view; it must not keep latest/ from moving on
            raise _RenderFailed() from exc
        yield part.encode("utf-8")
