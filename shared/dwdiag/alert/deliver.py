"""Delivering a run's alerts: one message per region about what changed, at most once per run.

Findings are stored before any alert is tried, so a failed alert never loses them; an alert is marked
as sent in the store after DingTalk accepted it, so a repeated run (FC retries a failed asynchronous
invocation up to 3 times) sends no second message; one that could not be sent waits in the store for
the next run, and is sent first then.

Each waiting message is an object of its own, `alerts/pending/<run_id>-<account>-<region>.json`, written by
the run that could not send it and deleted by the run that did: two runs failing at once each leave theirs,
and no run rewrites a queue another is reading. A waiting message names its robot's route (the account or
folder of DWDIAG_ALERT_ROUTES, or "default"), and only a run that sends to that robot sends it: no robot
hears of another's accounts, not even late.

An organization run also sends, once its summary is derived, one digest of every account to the default
robot (DWDIAG_DINGTALK_WEBHOOK): counts per account, never one account's findings. A run in one process
sends it once all its parts are done; on Function Compute the part that derives the run sends it, and
two parts deriving in the same instant may both send it (at least once, like FC's retries).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
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
DEFAULT_ROUTE = "default"


@dataclass
class Robots:
    """Where one part's alerts go: its accounts' robot (`send`, by `route`) and, for an organization run,
    the default robot that gets the organization's digest."""

    send: Optional[Send]
    route: str = DEFAULT_ROUTE
    organization: Optional[Send] = None


def route_for(settings: Settings, account: Optional[str], folder: Optional[str] = None) -> str:
    """The route of an account's alerts: its own robot, else its folder's, else the default robot's."""
    for key in (account, folder):
        if key and key in settings.alert_routes:
            return key
    return DEFAULT_ROUTE


def robots_for(settings: Settings, account: Optional[str], folder: Optional[str] = None, *,
               deadline: Optional[float] = None, organization: bool = False,
               default: Optional[Send] = None) -> Robots:
    """The robots of one account's part (`default`: the default robot's sender, if already made)."""
    default = default or dingtalk_sender(settings, deadline)
    route = route_for(settings, account, folder)
    send = default if route == DEFAULT_ROUTE else dingtalk_sender(settings, deadline, route)
    return Robots(send, route, default if organization else None)


def dingtalk_sender(settings: Settings, deadline: Optional[float] = None,
                    route: str = DEFAULT_ROUTE) -> Optional[Send]:
    """The robot of DWDIAG_DINGTALK_WEBHOOK (or of a route of DWDIAG_ALERT_ROUTES), or None; `deadline`
    (time.monotonic()) bounds waiting out DingTalk's rate limit (20 a minute per robot)."""
    from dwdiag.alert.dingtalk import DingTalk

    if route != DEFAULT_ROUTE:
        robot = settings.alert_routes[route]
        secret = robot.secret.get_secret_value() if robot.secret else None
        return DingTalk(robot.webhook.get_secret_value(), secret, deadline=deadline).send
    if settings.dingtalk_webhook is None:
        return None
    secret = settings.dingtalk_secret.get_secret_value() if settings.dingtalk_secret else None
    return DingTalk(settings.dingtalk_webhook.get_secret_value(), secret, deadline=deadline).send


def deliver(store: Store, result: RunResult, diffs: Diffs, settings: Settings, send: Send,
            route: str = DEFAULT_ROUTE) -> dict[str, str]:
    """Send what earlier runs could not send to this robot (`route`), then this run's message per region;
    returns what happened."""
    outcome = send_pending(store, send, route)
    location = report_location(store, result, settings)
    for region in result.summary.regions:
        where = layout.place(result.summary.account_id, region)
        marker = layout.alert_marker(prefix_of(result), where)
        if store.read(marker) is not None:
            outcome[where] = "sent before"  # a repeated run with the same run id
            continue
        digest = digest_for(result, region, diffs, settings, location)
        if not digest.has_changes() and not settings.alert_always:
            outcome[where] = "unchanged"
            continue
        outcome[where] = send_once(store, send, build_message(digest), run_id=result.run_id, where=where,
                                   marker=marker, route=route)
    return outcome


def send_once(store: Store, send: Send, body: dict, *, run_id: str, where: str, marker: str,
              route: str = DEFAULT_ROUTE) -> str:
    """Send one message and mark it sent; one DingTalk did not accept waits in the store for the next run."""
    try:
        send(body)
    except Exception as exc:  # noqa: BLE001 - a failed alert is recorded and retried next run
        _queue(store, {"run_id": run_id, "region": where, "marker": marker, "body": body, "route": route})
        return f"failed: {redact_text(str(exc))}"
    store.write(marker, {"run_id": run_id, "region": where, "sent": True})
    return "sent"


def digest_for(result: RunResult, region: str, diffs: Diffs, settings: Settings, location: str) -> AlertDigest:
    current = [f for f in result.findings if f.region == region]
    open_by_risk: dict[str, int] = {}
    for f in current:
        if f.status is Status.fail and not f.waived:
            open_by_risk[f.risk_level.value] = open_by_risk.get(f.risk_level.value, 0) + 1
    return digest_of(result.run_id, region, diffs, settings, location, categories=[c.value for c in result.categories],
                     open_by_risk=open_by_risk, errors=sum(1 for f in current if f.status is Status.error),
                     account_id=result.account_id)


def digest_of(run_id: str, region: str, diffs: Diffs, settings: Settings, location: str, *, categories: list[str],
              open_by_risk: dict[str, int], errors: int, account_id: Optional[str] = None) -> AlertDigest:
    """The alert about one region's diffs: new fails at or above the alert threshold, and resolved ones."""
    mine = [d for (r, _), d in diffs.items() if r == region]
    floor = settings.alert_min_risk.rank
    # A waived risk was accepted by a person until its expiry: neither announced nor counted as open.
    new = [f for d in mine for f in d.new if f.risk_level.rank >= floor and not f.waived]
    return AlertDigest(
        run_id=run_id, region=region, categories=categories,
        open_by_risk=open_by_risk, new=new, regressed={fp for d in mine for fp in d.regressed},
        resolved=[Finding.from_dict(f) for d in mine for f in d.resolved],
        errors=errors, report_location=location, at_mobiles=list(settings.alert_at_mobiles),
        account_id=account_id if settings.accounts != "self" else None)


def report_location(store: Store, result: RunResult, settings: Settings) -> str:
    """Where the alert's reader finds the run's HTML report: a presigned URL when the store can make one
    (OSS), else the report's location in the store (a local path)."""
    return _location(store, f"{prefix_of(result)}/{layout.REPORT}", settings)


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


def send_pending(store: Store, send: Send, route: str = DEFAULT_ROUTE) -> dict[str, str]:
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
        if item.get("route", DEFAULT_ROUTE) != route:
            continue  # another robot's message: only a run that sends to that robot sends it
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


def deliver_organization(store: Store, prefix: str, settings: Settings, send: Send) -> Optional[str]:
    """The organization's digest to the default robot, once the run's summary is derived: each account's
    open fails by risk, errors and whether it was swept. At most once per run (its marker); one that fails
    waits like any other message. Returns what happened, or None when there is nothing to send."""
    from dwdiag.alert.message import organization_message

    marker = f"{prefix}/alerts/organization.json"
    summary = store.read(f"{prefix}/{layout.SUMMARY}")
    if not isinstance(summary, dict) or not summary.get("accounts") or not summary.get("shards") \
            or summary["shards"].get("missing"):
        return None
    if store.read(marker) is not None:
        return "sent before"
    location = _location(store, f"{prefix}/{layout.REPORT}", settings)
    body = organization_message(summary, location)
    try:
        send(body)
    except Exception as exc:  # noqa: BLE001 - it waits for the next run, like any message
        _queue(store, {"run_id": summary["run_id"], "region": "organization", "marker": marker, "body": body,
                       "route": DEFAULT_ROUTE})
        return f"failed: {redact_text(str(exc))}"
    store.write(marker, {"run_id": summary["run_id"], "region": "organization", "sent": True})
    return "sent"


def _location(store: Store, key: str, settings: Settings) -> str:
    try:
        url = store.presign(key, settings.report_url_expiry_seconds)
    except StoreError as exc:
        log.warning("could not presign %s: %s", key, exc)
        url = None
    return url or store.location(key)

