"""Where a run lives in the store, the one place that names its keys (the store layout of the README).

runs/<YYYY-MM-DD>/<run_id>/<region>/<category>/{findings.json,evidence.json}
runs/<YYYY-MM-DD>/<run_id>/{findings.ocsf.json,findings.csv}
runs/<YYYY-MM-DD>/<run_id>/summary.json
runs/<YYYY-MM-DD>/<run_id>/report.html
runs/<YYYY-MM-DD>/<run_id>/alerts/<region>.json        an alert DingTalk accepted
runs/<YYYY-MM-DD>/<run_id>/shards/...                  a fanned-out run's shards
history/index.json                                     the counts of the last runs, for the report's trend
alerts/pending.json                                    alerts that wait for the next run
latest/<region>/<category>.json                        written last, so it never points at a half-written run
latest/report.html                                     the very last
open/<category>/<regions>.json                         a run still being collected (continuations)
runs/<YYYY-MM-DD>/<run_id>/checkpoint/...              its progress (collectors/checkpoint.py)
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
HISTORY = "history/index.json"
PENDING_ALERTS = "alerts/pending.json"


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


def category_key(prefix: str, region: str, category: Category, name: str) -> str:
    return f"{prefix}/{region}/{category.value}/{name}"


def latest_key(region: str, category: Category) -> str:
    return f"latest/{region}/{category.value}.json"


def alert_marker(prefix: str, region: str) -> str:
    return f"{prefix}/alerts/{region}.json"


def open_run(category: str, regions: list[str]) -> str:
    """The marker of a run of this function and these regions that is still being collected."""
    return f"open/{category}/{'+'.join(sorted(regions))}.json"


def shard_manifest(prefix: str, category: str) -> str:
    return f"{prefix}/shards/{category}.json"


def shard_record(prefix: str, category: str, region: str) -> str:
    return f"{prefix}/shards/{category}/{region}.json"
