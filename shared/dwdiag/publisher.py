"""Publish a run: compare with the last one, store everything, then alert about what changed.

Order matters: findings are stored before any alert is tried, so a failed alert never loses them;
an alert is marked as sent in the store after DingTalk accepted it, so a repeated run (FC retries
a failed async invocation up to 3 times) sends no second message; an alert that could not be
sent waits in the store for the next run.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from dwdiag.diff import Diff, compare
from dwdiag.models.findings import Category, Finding, Status
from dwdiag.redact import redact_text
from dwdiag.models.run import RunResult
from dwdiag.settings import Settings
from dwdiag.store import Store, StoreError
from dwdiag.store.layout import latest_key, publish, report_key, run_prefix

log = logging.getLogger(__name__)
PENDING_KEY = "alerts/pending.json"


@dataclass
class Published:
    keys: list[str] = field(default_factory=list)
    diffs: dict[tuple[str, Category], Diff] = field(default_factory=dict)
    alerts: dict[str, str] = field(default_factory=dict)


def diff_run(store: Store, result: RunResult) -> dict[tuple[str, Category], Diff]:
    seen_at = result.summary.started_at.isoformat()
    diffs = {}
    for region in result.summary.regions:
        for category in result.categories:
            mine = [f for f in result.findings if f.region == region and f.category is category]
            previous = read_previous(store, latest_key(region, category))
            back = previous.get("run_path") if previous else None
            if previous and previous.get("run_id") == result.run_id:
                # A repeat of this very run (FC retried it after latest/ moved): compare with the one before.
                back = previous.get("previous_run_path")
                previous = read_previous(store, f"{back}/{region}/{category.value}/findings.json") if back else None
            diffs[(region, category)] = _reopen(compare(mine, previous, seen_at), previous)
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
    """A previous findings document as the diff needs it: open (fail) and waived findings whole, every
    other finding only as its fingerprint and status. A large region's passes would otherwise be read
    back as 100,000 full dicts just to learn that they passed."""
    body = store.read_bytes(key)
    if body is None:
        return None
    try:
        return json.loads(body, object_hook=_slim)
    except ValueError as exc:
        raise StoreError(f"{store.location(key)} is not JSON: {exc}", key=key, code="NotJSON") from None


def _slim(obj: dict) -> dict:
    if "fingerprint" in obj and "status" in obj and obj["status"] != Status.fail.value and not obj.get("waived"):
        return {"fingerprint": obj["fingerprint"], "status": obj["status"]}
    return obj


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


def publish_run(store: Store, result: RunResult, settings: Settings, *, alerts: bool = True,
                sender: Optional[Callable[[dict], None]] = None, deadline: Optional[float] = None) -> Published:
    """`deadline` is a time.monotonic() value: waiting out DingTalk's rate limit stops there."""
    out = Published(diffs=diff_run(store, result))
    out.keys = publish(store, result, out.diffs)
    if alerts and (sender is not None or settings.dingtalk_webhook is not None):
        send = sender or _dingtalk(settings, deadline)
        out.alerts = _alert(store, result, settings, out.diffs, send)
        result.summary.alerts = out.alerts
        store.write(f"{run_prefix(result)}/summary.json", result.summary.model_dump(mode="json"))
    return out


def _dingtalk(settings: Settings, deadline: Optional[float]) -> Callable[[dict], None]:
    from dwdiag.alert.dingtalk import DingTalk

    secret = settings.dingtalk_secret.get_secret_value() if settings.dingtalk_secret else None
    return DingTalk(settings.dingtalk_webhook.get_secret_value(), secret, deadline=deadline).send


def digest_for(result: RunResult, region: str, diffs: dict, settings: Settings, location: str) -> Any:
    from dwdiag.alert.digest import AlertDigest

    mine = [d for (r, _), d in diffs.items() if r == region]
    floor = settings.alert_min_risk.rank
    # A waived risk was accepted by a person until its expiry: neither announced nor counted as open.
    new = [f for d in mine for f in d.new if f.risk_level.rank >= floor and not f.waived]
    current = [f for f in result.findings if f.region == region]
    open_by_risk: dict[str, int] = {}
    for f in current:
        if f.status is Status.fail and not f.waived:
            open_by_risk[f.risk_level.value] = open_by_risk.get(f.risk_level.value, 0) + 1
    return AlertDigest(
        run_id=result.run_id, region=region, categories=[c.value for c in result.categories],
        open_by_risk=open_by_risk, new=new, regressed={fp for d in mine for fp in d.regressed},
        resolved=[Finding.from_dict(f) for d in mine for f in d.resolved],
        errors=sum(1 for f in current if f.status is Status.error), report_location=location,
        at_mobiles=list(settings.alert_at_mobiles))


def report_location(store: Store, result: RunResult, settings: Settings) -> str:
    """Where the alert's reader finds the run's HTML report: a presigned URL when the store can make one
    (OSS), else the report's location in the store (a local path)."""
    key = report_key(result)
    presign = getattr(store, "presign", None)
    try:
        url = presign(key, settings.report_url_expiry_seconds) if presign else None
    except StoreError as exc:  # signing is local; should it fail, the alert still says where the report is
        log.warning("could not presign %s: %s", key, exc)
        url = None
    return url or store.location(key)


def _alert(store: Store, result: RunResult, settings: Settings, diffs: dict,
           send: Callable[[dict], None]) -> dict[str, str]:
    from dwdiag.alert.message import build_message

    outcome = _send_pending(store, send)
    location = report_location(store, result, settings)
    for region in result.summary.regions:
        marker = f"{run_prefix(result)}/alerts/{region}.json"
        if store.read(marker) is not None:
            outcome[region] = "sent before"  # a repeated run with the same run id
            continue
        digest = digest_for(result, region, diffs, settings, location)
        if not digest.has_changes() and not settings.alert_always:
            outcome[region] = "unchanged"
            continue
        body = build_message(digest)
        try:
            send(body)
        except Exception as exc:  # noqa: BLE001 - a failed alert is recorded and retried next run
            outcome[region] = f"failed: {redact_text(str(exc))}"
            _queue(store, {"run_id": result.run_id, "region": region, "marker": marker, "body": body})
            continue
        store.write(marker, {"run_id": result.run_id, "region": region, "sent": True})
        outcome[region] = "sent"
    return outcome


def _queue(store: Store, item: dict) -> None:
    pending = (store.read(PENDING_KEY) or {}).get("messages", [])
    pending = [p for p in pending if p.get("marker") != item["marker"]] + [item]
    store.write(PENDING_KEY, {"messages": pending})


def _send_pending(store: Store, send: Callable[[dict], None]) -> dict[str, str]:
    """Messages earlier runs could not send go first, oldest first; those that fail again stay."""
    pending = (store.read(PENDING_KEY) or {}).get("messages", [])
    if not pending:
        return {}
    left, outcome = [], {}
    for item in pending:
        try:
            send(item["body"])
        except Exception as exc:  # noqa: BLE001
            log.warning("pending alert of run %s still not sent: %s", item.get("run_id"), type(exc).__name__)
            left.append(item)
            continue
        store.write(item["marker"], {"run_id": item["run_id"], "region": item["region"], "sent": True})
        outcome[f"{item['region']} (run {item['run_id']})"] = "sent late"
    store.write(PENDING_KEY, {"messages": left})
    return outcome
