"""Run-to-run diff: which fail findings are new, still open (since when), or resolved.

Keyed by fingerprint against the previous run's latest/ document. A finding that was open and
could not be re-checked this run (its object is covered by an `error` result) is neither new nor
resolved: it is carried, with its first_seen, so nothing is forgotten or re-announced.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from dwdiag.models.findings import Finding, Status

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
