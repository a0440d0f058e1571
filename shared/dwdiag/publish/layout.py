"""Where a run lives in the store, the one place that names its keys (the store layout of the README).

Every object has one writer (or writers that write the same bytes), so no writer reads, changes and
writes back what another may be writing at the same moment:

Each region of a run is a place: `<region>` for a run of the credentials' own account (spec/architecture.md's
layout), `<account>/<region>` in an organization run (DWDIAG_ACCOUNTS), whose accounts are kept apart:

runs/<YYYY-MM-DD>/<run_id>/<place>/<category>/{findings.json,evidence.json}   the part that swept them
runs/<YYYY-MM-DD>/<run_id>/parts/<category>.json            the places expected (the fan-out, or the run itself)
runs/<YYYY-MM-DD>/<run_id>/parts/<category>/<place>.json    a part's record (by its first place, category)
runs/<YYYY-MM-DD>/<run_id>/{findings.ocsf.json,findings.csv}  derived from the parts once every one finished
runs/<YYYY-MM-DD>/<run_id>/summary.json                     derived: one RunSummary for the whole run
runs/<YYYY-MM-DD>/<run_id>/report.html                      derived
runs/<YYYY-MM-DD>/<run_id>/alerts/<place>.json              an alert DingTalk accepted
history/runs/<run_id>.json                                  derived: the run's counts, for the report's trend
history/index.json                                          older versions' history, read, never written
alerts/pending/<run_id>-<account>-<region>.json             an alert that waits for the next run
alerts/pending.json                                         older versions' queue, taken over once
latest/<place>/<category>.json                              written last by each part
latest/report.html                                          the very last, by whoever derived the report
open/<category>/<places>.json                               a run still being collected (continuations)
runs/<YYYY-MM-DD>/<run_id>/checkpoint/...                   its progress (collectors/checkpoint.py)
watch/cursor/<place>.json                                   the watch's cursor: until when it read events
watch/runs/<YYYY-MM-DD>/<watch_id>.json                     a watch's summary
watch/runs/<YYYY-MM-DD>/<watch_id>/alerts/<place>.json      a watch's alert DingTalk accepted
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Optional

from dwdiag.models.findings import Category

SUMMARY = "summary.json"
FINDINGS = "findings.json"
EVIDENCE = "evidence.json"
OCSF = "findings.ocsf.json"
CSV = "findings.csv"
REPORT = "report.html"
LATEST_REPORT = "latest/report.html"
HISTORY_RUNS = "history/runs"
LEGACY_HISTORY = "history/index.json"  # one index all runs rewrote (older versions): read, never written
PENDING = "alerts/pending"
LEGACY_PENDING = "alerts/pending.json"  # one queue all runs rewrote (older versions): taken over once
PARTS = "parts"


def run_prefix(run_id: str, started_at: Optional[datetime] = None) -> str:
    """The run's folder. The date comes from the run id when it has one, so every shard of a
    fanned-out run (started at different moments, maybe across midnight) writes to one folder."""
    stamp = re.match(r"^(\d{4})(\d{2})(\d{2})T", run_id)
    if stamp:
        date = "-".join(stamp.groups())
    elif started_at is not None:
        date = f"{started_at:%Y-%m-%d}"
    else:
        raise ValueError(f"run id {run_id!r} carries no date and none was given")
    return f"runs/{date}/{run_id}"


def place(account: Optional[str], region: str) -> str:
    """Where one account's region lives in the store: `<account>/<region>`, or `<region>` for a run that
    does not know its account."""
    return f"{account}/{region}" if account else region


def region_of(where: str) -> str:
    return where.rpartition("/")[2]


def account_of(where: str) -> Optional[str]:
    return where.rpartition("/")[0] or None


def category_key(prefix: str, where: str, category: Category, name: str) -> str:
    return f"{prefix}/{where}/{category.value}/{name}"


def latest_key(where: str, category: Category) -> str:
    return f"latest/{where}/{category.value}.json"


def watch_cursor(where: str) -> str:
    return f"watch/cursor/{where}.json"


def watch_prefix(watch_id: str) -> str:
    return "watch/" + run_prefix(watch_id)


def alert_marker(prefix: str, where: str) -> str:
    return f"{prefix}/alerts/{where}.json"


def open_run(category: str, places: list[str]) -> str:
    """The marker of a run of this function and these places that is still being collected."""
    accounts = sorted({account_of(p) for p in places if account_of(p)})
    regions = "+".join(sorted({region_of(p) for p in places}))
    return f"open/{category}/{'+'.join(accounts)}/{regions}.json" if accounts else f"open/{category}/{regions}.json"


def expectation_key(prefix: str, category: str) -> str:
    """The regions of one category that make up the run."""
    return f"{prefix}/{PARTS}/{category}.json"


def part_record(prefix: str, category: str, where: str) -> str:
    """The record of the part whose first (place, category) is (`where`, `category`)."""
    return f"{prefix}/{PARTS}/{category}/{where}.json"


def history_entry(run_id: str) -> str:
    return f"{HISTORY_RUNS}/{run_id}.json"


def pending_alert(run_id: str, where: str) -> str:
    return f"{PENDING}/{run_id}-{where.replace('/', '-')}.json"
