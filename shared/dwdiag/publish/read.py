"""Reading runs back from a store: the findings the `latest/` pointers hold (for the waiver lint and
the compliance report)."""

from __future__ import annotations

from typing import Optional

from dwdiag.errors import UserError
from dwdiag.models.findings import Category, Finding
from dwdiag.publish import documents
from dwdiag.publish.layout import latest_key, region_of
from dwdiag.store import Store


def latest_places(store: Store, regions: Optional[list[str]] = None) -> list[str]:
    """The places (`<account>/<region>`) that have a latest/ document, from the store's listing, only in
    `regions` if given. An older version's `latest/<region>/` counts only where no account has that region."""
    names = {c.value for c in Category}
    places = {key[len("latest/"):key.rfind("/")] for key in store.list("latest")
              if key.endswith(".json") and key.rpartition("/")[2][:-5] in names}
    places = {p for p in places if not regions or region_of(p) in regions}
    current = {region_of(p) for p in places if "/" in p}
    return sorted(p for p in places if "/" in p or p not in current)


def latest_findings(store: Store, regions: Optional[list[str]] = None) -> tuple[list[Finding], list[str]]:
    """Every finding the latest/ pointers hold (of every account), and the run ids they come from."""
    findings: list[Finding] = []
    runs: list[str] = []
    for where in latest_places(store, regions):
        for category in Category:
            key = latest_key(where, category)
            doc = documents.head(store, key)
            if not doc:
                continue
            findings += [Finding.from_dict(f) for f in documents.findings(store, key)]
            if doc.get("run_id") and doc["run_id"] not in runs:
                runs.append(doc["run_id"])
    if not runs:
        where = store.location("latest")
        raise UserError(f"no findings under {where} (write a run there first, or name its regions with --region)")
    return findings, runs
