"""The findings of the latest run in a store (the `latest/` pointers), for the lint and the reports."""

from __future__ import annotations

from typing import Optional

from dwdiag.errors import UserError
from dwdiag.models.findings import Category, Finding
from dwdiag.store import LocalStore, Store
from dwdiag.store.layout import latest_key


def _regions_in(store: Store) -> list[str]:
    # A folder can be listed; the Store interface has no listing, so elsewhere the regions must be named.
    if isinstance(store, LocalStore):
        folder = store.root / "latest"
        return sorted(p.name for p in folder.iterdir() if p.is_dir()) if folder.is_dir() else []
    return []


def latest_findings(store: Store, regions: Optional[list[str]] = None) -> tuple[list[Finding], list[str]]:
    """Every finding the latest/ pointers hold, and the run ids they come from."""
    findings: list[Finding] = []
    runs: list[str] = []
    for region in regions or _regions_in(store):
        for category in Category:
            doc = store.read(latest_key(region, category))
            if not doc:
                continue
            findings += [Finding.from_dict(f) for f in doc.get("findings", [])]
            if doc.get("run_id") and doc["run_id"] not in runs:
                runs.append(doc["run_id"])
    if not runs:
        where = store.location("latest")
        raise UserError(f"no findings under {where} (write a run there first, or name its regions with --region)")
    return findings, runs
