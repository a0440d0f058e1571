"""Run-to-run diff: which fail findings are new, still open (since when), or resolved.

Keyed by fingerprint against the previous run's latest/ document. A finding that was open and
could not be re-checked this run (its object is covered by an `error` result) is neither new nor
resolved: it is carried, with its first_seen, so nothing is forgotten or re-announced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from dwdiag.models.findings import Category, Finding, Status
from dwdiag.models.run import RunResult
from dwdiag.publish.layout import FINDINGS, category_key, latest_key, place
from dwdiag.publish import documents
from dwdiag.store import Store

NEW, EXISTING, RESOLVED = "new", "existing", "resolved"
CLEARED = (Status.passed, Status.not_applicable)


@dataclass
class Diff:
    new: list[Finding] = field(default_factory=list)
    regressed: set[str] = field(default_factory=set)          # fingerprints of new fails that passed before
    existing: list[Finding] = field(default_factory=list)
    resolved: list[dict[str, Any]] = field(default_factory=list)  # the previous run's findings, now fixed
    carried: list[dict[str, Any]] = field(default_factory=list)   # open before, unknown now
    previous_run_path: Optional[str] = None  # the run compared with (kept in latest/ for a repeated run)


def _covered(previous: dict[str, Any], errors: list[Finding]) -> bool:
    """An error this run on the same item and the object, its workspace, or the whole region."""
    for e in errors:
        if e.item_id != previous["item_id"] or e.region != previous["region"]:
            continue
        scope = e.object_id
        if scope in ("*", previous["object_id"]) or (scope.endswith("/*") and
                                                      previous["object_id"].startswith(scope[:-1])):
            return True
        if previous.get("workspace_id") and scope == previous["workspace_id"]:
            return True
    return False


def compare(current: list[Finding], previous_doc: Optional[dict[str, Any]], seen_at: str) -> Diff:
    """Set state, first_seen and regression on `current` (in place) and return what changed."""
    previous = {f["fingerprint"]: f for f in (previous_doc or {}).get("findings", [])}
    open_before = {fp: f for fp, f in previous.items() if f.get("status") == Status.fail.value}
    open_before.update({f["fingerprint"]: f for f in (previous_doc or {}).get("carried", [])})
    diff = Diff()
    now_fingerprints = {f.fingerprint for f in current}
    errors = [f for f in current if f.status is Status.error]
    for f in current:
        before = open_before.get(f.fingerprint)
        if f.status is Status.fail:
            if before is not None:
                f.state, f.first_seen = EXISTING, before.get("first_seen") or seen_at
                diff.existing.append(f)
            else:
                f.state, f.first_seen = NEW, seen_at
                last = previous.get(f.fingerprint)
                f.regression = bool(last and last.get("status") == Status.passed.value)
                if f.regression:
                    diff.regressed.add(f.fingerprint)
                diff.new.append(f)
        elif before is not None and f.status in CLEARED:
            f.state = RESOLVED
            diff.resolved.append(before)
        elif before is not None:
            diff.carried.append(before)  # error or manual now: still open as far as we know
    for fp, before in open_before.items():
        if fp not in now_fingerprints:
            (diff.carried if _covered(before, errors) else diff.resolved).append(before)
    return diff


Diffs = dict[tuple[str, Category], Diff]


def diff_run(store: Store, result: RunResult) -> Diffs:
    """Compare each (region, category) of the run with the latest/ document before it; counts the
    changes into the run summary."""
    seen_at = result.summary.started_at.isoformat()
    diffs: Diffs = {}
    for region in result.summary.regions:
        where = place(result.summary.account_id, region)
        for category in result.categories:
            mine = [f for f in result.findings if f.region == region and f.category is category]
            source = latest_key(where, category)
            previous = read_previous(store, source)
            back = previous.get("run_path") if previous else None
            if previous and previous.get("run_id") == result.run_id:
                # A repeat of this very run (FC retried it after latest/ moved): compare with the one before.
                back = previous.get("previous_run_path")
                source = category_key(back, where, category, FINDINGS) if back else ""
                previous = read_previous(store, source) if back else None
            diff = _reopen(compare(mine, previous, seen_at), previous)
            diffs[(region, category)] = _whole(store, source, diff) if previous else diff
            diffs[(region, category)].previous_run_path = back
    totals = {"new": 0, "existing": 0, "resolved": 0, "regressions": 0}
    for d in diffs.values():
        totals["new"] += len(d.new)
        totals["existing"] += len(d.existing)
        totals["resolved"] += len(d.resolved)
        totals["regressions"] += len(d.regressed)
    result.summary.changes = totals
    return diffs


def read_previous(store: Store, key: str) -> Optional[dict]:
    """A previous findings document as the diff needs it: each finding only as the fields the comparison
    reads (KEPT), the document read as a stream (publish/documents.py). A large region's 100,000 findings
    are never in memory as text or as full dicts; the few the diff reports whole (resolved, carried) are
    read again by `_whole`."""
    doc = documents.head(store, key)
    if doc is None:
        return None
    doc["findings"] = [_slim(f) for f in documents.findings(store, key) if isinstance(f, dict)]
    return doc


# What the comparison reads of a previous finding: its identity and state, and what `_covered` matches on.
KEPT = ("fingerprint", "status", "first_seen", "waived", "item_id", "region", "object_id", "workspace_id")


def _slim(obj: dict) -> dict:
    if obj.get("status") != Status.fail.value and not obj.get("waived"):
        return {"fingerprint": obj.get("fingerprint"), "status": obj.get("status")}
    return {k: obj[k] for k in KEPT if k in obj}


def _whole(store: Store, key: str, diff: Diff) -> Diff:
    """The resolved and carried findings of the diff as the previous document holds them: whole, for the
    alert and the next latest/ document. One more pass over the document, keeping only those."""
    wanted = {f["fingerprint"] for f in (*diff.resolved, *diff.carried) if set(f) <= set(KEPT)}
    if not wanted:
        return diff
    whole = {f["fingerprint"]: f for f in documents.findings(store, key)
             if isinstance(f, dict) and f.get("fingerprint") in wanted}
    diff.resolved = [whole.get(f["fingerprint"], f) for f in diff.resolved]
    diff.carried = [whole.get(f["fingerprint"], f) for f in diff.carried]
    return diff


def _reopen(diff: Diff, previous: Optional[dict]) -> Diff:
    """A fail that was waived last run and is not now (its waiver expired or was removed) is announced
    again like a new one, keeping its first_seen: that is how an expired waiver brings its alert back."""
    waived_before = {f["fingerprint"] for f in (previous or {}).get("findings", []) if f.get("waived")}
    back = [f for f in diff.existing if f.fingerprint in waived_before and not f.waived]
    for f in back:
        diff.existing.remove(f)
        f.state = "new"
        diff.new.append(f)
    return diff
