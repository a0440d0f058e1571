"""One invocation of a category's function: its credentials, its event and settings, then the run (here, or
fanned out). dwdiag.fc.handle imports this module on the first invocation, so loading a handler does not.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from datetime import datetime, timezone
from typing import Any, Optional

from pydantic import ValidationError

from dwdiag.clients import Credentials
from dwdiag.errors import UserError, describe_validation
from dwdiag.fc import ALL_REGIONS, DEADLINE_MARGIN_S, logs
from dwdiag.fc.events import Payload, TimerEvent, parse_event
from dwdiag.models.run import new_run_id
from dwdiag.settings import SECRET_SETTINGS, Settings

log = logging.getLogger("dwdiag.fc")


def stable_run_id(timer: Optional[TimerEvent], request_id: str, category: str) -> str:
    """The same for FC's retries of one invocation, so a retry overwrites its own run."""
    if timer is not None:
        try:
            moment = datetime.fromisoformat(timer.triggerTime.replace("Z", "+00:00")).astimezone(timezone.utc)
        except ValueError:
            moment = datetime.now(timezone.utc)
        seed = f"{timer.triggerName}/{category}/{timer.triggerTime}"
        return f"{moment:%Y%m%dT%H%M%SZ}-{hashlib.sha256(seed.encode()).hexdigest()[:6]}"
    return new_run_id(datetime.now(timezone.utc))


def settings_for(payload: Payload, context: Any, started: Optional[float] = None) -> Settings:
    """The invocation's settings: the environment's, the payload's over them, and a deadline that ends inside
    FC's timeout. `started` (dwdiag.fc.invocation_started) is when the invocation began: the time it has
    already spent (a cold start's loading) comes off the deadline, leaving at least a quarter of it; time
    since loading longer than the whole timeout means an instance loaded before this invocation, which lost
    nothing."""
    overrides = dict(payload.settings)
    if payload.accounts is not None:
        overrides["accounts"] = payload.accounts
    if payload.workspaces:
        overrides["workspaces"] = payload.workspaces
    try:
        settings = Settings(**overrides)
    except ValidationError as exc:
        raise UserError(describe_validation(exc, what="a setting in the payload is invalid",
                                            secret_fields=SECRET_SETTINGS)) from None
    timeout = getattr(getattr(context, "function", None), "timeout", None)
    if isinstance(timeout, (int, float)) and timeout > DEADLINE_MARGIN_S:
        # FC kills the invocation at its timeout: a deadline set beyond it (DWDIAG_DEADLINE_SECONDS left over
        # from a longer timeout) would lose the whole invocation, so the timeout less the margin bounds it.
        latest = float(timeout - DEADLINE_MARGIN_S)
        if settings.deadline_seconds is None or settings.deadline_seconds > latest:
            settings.deadline_seconds = latest
    if started is not None and settings.deadline_seconds is not None:
        spent = max(time.monotonic() - started, 0.0)
        if isinstance(timeout, (int, float)) and spent >= timeout:
            spent = 0.0  # no cold start outlasts FC's timeout: the module was loaded before this invocation began
        spent = min(spent, settings.deadline_seconds * 3 / 4)
        if spent >= 0.001:
            log.info("%.3f s of the invocation went before the run (loading); the deadline is %.3f s from now",
                     spent, settings.deadline_seconds - spent)
        settings.deadline_seconds -= spent
    return settings


def regions_for(payload: Payload, settings: Settings) -> list[str]:
    if payload.regions == "all":
        return list(ALL_REGIONS)
    return list(payload.regions or settings.regions)


def handle_category(event: Any, context: Any, category: str, started: Optional[float] = None) -> str:
    """dwdiag.fc.handle: never raises for a bad event (FC would retry it into duplicate work). Returns a JSON
    summary. `started`: when the invocation began (dwdiag.fc.invocation_started); by default, now."""
    credentials = Credentials.from_fc_context(context) or Credentials.from_environment()
    request_id = str(getattr(context, "request_id", "") or "")
    logs.configure(request_id, credentials.secrets() if credentials else (), category=category)
    try:
        payload, timer = parse_event(event)
        settings = settings_for(payload, context, started)
    except UserError as exc:
        log.error("rejected event: %s", exc)
        return json.dumps({"ok": False, "category": category, "error": str(exc)})
    run_id = (payload.shard.run_id if payload.shard else None) or payload.run_id or \
        stable_run_id(timer, request_id, category)
    logs.bind(run_id=run_id)
    regions = regions_for(payload, settings)
    if credentials is None:
        return _failed(category, run_id, "no credentials: the function needs a role (context.credentials)")
    from dwdiag.fc.run import fan_out, fan_out_accounts, run_here

    try:
        if payload.shard is None and payload.account is None and settings.accounts != "self":
            summary = fan_out_accounts(payload, settings, credentials, context, category, run_id, regions)
        elif len(regions) > 1 and payload.shard is None:
            summary = fan_out(payload, settings, credentials, context, category, run_id, regions)
        else:
            summary = run_here(payload, settings, credentials, category, run_id, regions, context)
    except UserError as exc:
        return _failed(category, run_id, str(exc))
    log.info("finished: %s", json.dumps(summary, ensure_ascii=False)[:2000])
    return json.dumps(summary, ensure_ascii=False)


def _failed(category: str, run_id: str, error: str) -> str:
    log.error("run failed: %s", error)
    return json.dumps({"ok": False, "category": category, "run_id": run_id, "error": error})
