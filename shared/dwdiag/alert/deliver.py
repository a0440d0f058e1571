"""Delivering a run's alerts: one message per region about what changed, at most once per run.

Findings are stored before any alert is tried, so a failed alert never loses them; an alert is marked
as sent in the store after DingTalk accepted it, so a repeated run (FC retries a failed asynchronous
invocation up to 3 times) sends no second message; one that could not be sent waits in the store for
the next run, and is sent first then.

Each waiting message is an object of its own, `alerts/pending/<run_id>-<region>.json`, written by the run
that could not send it and deleted by the run that did: two runs failing at once each leave theirs, and
no run rewrites a queue another is reading.
"""

from __future__ import annotations

import logging
from typing import Callable, Optional

from dwdiag.alert.digest import AlertDigest
from dwdiag.alert.message import build_message
from dwdiag.models.findings import Finding, Status
from dwdiag.models.run import RunResult
from dwdiag.publish import Diffs, layout, prefix_of
from dwdiag.redact import redact_text
from dwdiag.settings import Settings
from dwdiag.store import Store, StoreError

log = logging.getLogger(__name__)
Send = Callable[[dict], None]


def dingtalk_sender(settings: Settings, deadline: Optional[float] = None) -> Optional[Send]:
    """The robot of DWDIAG_DINGTALK_WEBHOOK, or None; `deadline` (time.monotonic()) bounds waiting out
    DingTalk's rate limit."""
    if settings.dingtalk_webhook is None:
        return None
    from dwdiag.alert.dingtalk import DingTalk

    secret = settings.dingtalk_secret.get_secret_value() if settings.dingtalk_secret else None
    return DingTalk(settings.dingtalk_webhook.get_secret_value(), secret, deadline=deadline).send


def deliver(store: Store, result: RunResult, diffs: Diffs, settings: Settings, send: Send) -> dict[str, str]:
    """Send what earlier runs could not, then this run's message per region; returns what happened."""
    outcome = _send_pending(store, send)
    location = report_location(store, result, settings)
    for region in result.summary.regions:
        where = layout.place(result.account_id, region)
        marker = layout.alert_marker(prefix_of(result), where)
        if store.read(marker) is not None:
            outcome[where] = "sent before"  # a repeated run with the same run id
            continue
        digest = digest_for(result, region, diffs, settings, location)
        if not digest.has_changes() and not settings.alert_always:
            outcome[where] = "unchanged"
            continue
        body = build_message(digest)
        try:
            send(body)
        except Exception as exc:  # noqa: BLE001 - a failed alert is recorded and retried next run
            outcome[where] = f"failed: {redact_text(str(exc))}"
            _queue(store, {"run_id": result.run_id, "region": where, "marker": marker, "body": body})
            continue
        store.write(marker, {"run_id": result.run_id, "region": where, "sent": True})
        outcome[where] = "sent"
    return outcome


def digest_for(result: RunResult, region: str, diffs: Diffs, settings: Settings, location: str) -> AlertDigest:
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
    key = f"{prefix_of(result)}/{layout.REPORT}"
    try:
        url = store.presign(key, settings.report_url_expiry_seconds)
    except StoreError as exc:  # signing is local; should it fail, the alert still says where the report is
        log.warning("could not presign %s: %s", key, exc)
        url = None
    return url or store.location(key)


def _queue(store: Store, item: dict) -> None:
    store.write(layout.pending_alert(item["run_id"], item["region"]), item)


def _take_over_legacy_queue(store: Store) -> None:
    """alerts/pending.json, the one queue older versions rewrote: its messages become objects of their
    own, then it is deleted. Two runs taking it over at once write the same objects."""
    try:
        doc = store.read(layout.LEGACY_PENDING)
    except (ValueError, StoreError) as exc:
        if isinstance(exc, StoreError) and exc.code != "NotJSON":
            raise
        log.warning("%s is not readable JSON; its messages cannot be sent", layout.LEGACY_PENDING)
        return
    if doc is None:
        return
    for item in (doc.get("messages") if isinstance(doc, dict) else None) or []:
        if isinstance(item, dict) and all(isinstance(item.get(k), str) for k in ("run_id", "region", "marker")):
            _queue(store, item)
    store.delete(layout.LEGACY_PENDING)


def _send_pending(store: Store, send: Send) -> dict[str, str]:
    """Messages earlier runs could not send go first, oldest first (their keys begin with the run id,
    which begins with its start time); each is deleted once DingTalk accepted it, and those that fail
    again stay. One whose sent-marker is already there (another run sent it) is only deleted."""
    _take_over_legacy_queue(store)
    outcome: dict[str, str] = {}
    for key in sorted(store.list(layout.PENDING)):
        try:
            item = store.read(key)
        except (ValueError, StoreError) as exc:
            if isinstance(exc, StoreError) and exc.code != "NotJSON":
                raise
            log.warning("pending alert %s is not readable JSON; it stays", key)
            continue
        if not isinstance(item, dict) or not isinstance(item.get("marker"), str):
            continue
        if store.read(item["marker"]) is not None:
            store.delete(key)  # sent by another run since it was queued
            continue
        try:
            send(item["body"])
        except Exception as exc:  # noqa: BLE001
            log.warning("pending alert of run %s still not sent: %s", item.get("run_id"), type(exc).__name__)
            continue
        store.write(item["marker"], {"run_id": item["run_id"], "region": item["region"], "sent": True})
        store.delete(key)
        outcome[f"{item['region']} (run {item['run_id']})"] = "sent late"
    return outcome
