"""Reading runs back from a store: the findings the `latest/` pointers hold (for the waiver lint and
the compliance report)."""

from __future__ import annotations

from typing import Optional

from dwdiag.errors import UserError
from dwdiag.models.findings import Category, Finding
from dwdiag.publish.layout import latest_key
from dwdiag.store import Store


def latest_regions(store: Store) -> list[str]:
    """The regions that have a latest/ document, from the store's listing."""
    return sorted({key.split("/")[1] for key in store.list("latest") if key.count("/") == 2 and key.endswith(".json")})


def latest_findings(store: Store, regions: Optional[list[str]] = None) -> tuple[list[Finding], list[str]]:
    """Every finding the latest/ pointers hold, and the run ids they come from."""
    findings: list[Finding] = []
    runs: list[str] = []
    for region in regions or latest_regions(store):
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
