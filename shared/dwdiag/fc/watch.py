"""The watch on Function Compute: every 10 minutes on a timer, or once per event from an EventBridge trigger.

A timer invocation reads ActionTrail's write events since the cursor (dwdiag/watch/run.py). An EventBridge
invocation carries one ActionTrail record in a CloudEvents envelope (`data` is the record; EventBridge
carries the events of RAM and ActionTrail, not of DataWorks or MaxCompute, docs/watch.md): that record is
re-checked at once, and the next timer watch skips it by its id.

Loading the handler imports this module and nothing more; the watch's machinery (the settings, the models,
the sweep, the store, the alert) comes with its first invocation, each SDK with the first client of its service.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any, Optional

from dwdiag.fc import invocation_started, logs

if TYPE_CHECKING:
    from dwdiag.fc.events import Payload

log = logging.getLogger("dwdiag.fc")
CATEGORY = "watch"


def parse_watch_event(event: Any) -> tuple[Payload, Optional[datetime], Optional[list[dict[str, Any]]]]:
    """The payload, the timer's moment (None on demand), and the ActionTrail records an EventBridge event
    carries (None for a timer or on-demand invocation)."""
    from dwdiag.errors import UserError
    from dwdiag.fc.events import Payload, decode, parse_event  # pydantic: with the invocation, not at load

    data = decode(event)
    if isinstance(data, dict) and "specversion" in data:
        record = data.get("data")
        if not isinstance(record, dict) or not all(isinstance(record.get(k), str) and record.get(k)
                                                   for k in ("eventId", "serviceName", "eventName")):
            raise UserError("the EventBridge event's `data` is not an ActionTrail record (it needs eventId, "
                            "serviceName and eventName); the trigger's rule should pass the event unchanged")
        record = {**record, "acsRegion": record.get("acsRegion") or data.get("aliyunregionid")}
        return Payload(), None, [record]
    payload, timer = parse_event(data)
    moment = None
    if timer is not None:
        try:
            moment = datetime.fromisoformat(timer.triggerTime.replace("Z", "+00:00"))
        except ValueError:
            raise UserError(f"the timer's triggerTime {timer.triggerTime!r} is not an ISO-8601 time") from None
    return payload, moment, None


def handle_watch(event: Any, context: Any) -> str:
    """Never raises for a bad event (FC would retry it). Returns the watch's summary as JSON."""
    started = invocation_started()
    # The watch's machinery: imported by the first invocation, not when the handler loads.
    from dwdiag.alert.deliver import dingtalk_sender
    from dwdiag.clients import Credentials
    from dwdiag.errors import UserError
    from dwdiag.fc.invocation import regions_for, settings_for
    from dwdiag.fc.run import results_store
    from dwdiag.watch.run import watch, watch_sweep

    credentials = Credentials.from_fc_context(context) or Credentials.from_environment()
    logs.configure(str(getattr(context, "request_id", "") or ""), credentials.secrets() if credentials else (),
                   category=CATEGORY)
    try:
        payload, moment, records = parse_watch_event(event)
        settings = settings_for(payload, context, started)
        if credentials is None:
            raise UserError("no credentials: the function needs a role (context.credentials)")
        store = results_store(settings, credentials)
        if store is None:
            raise UserError("the watch keeps its cursor in the results bucket: set DWDIAG_OSS_BUCKET")
        sweep = watch_sweep(settings, credentials)
        send = dingtalk_sender(settings, sweep.deadline) if payload.alert else None
        done = watch(settings, sweep, store, send, now=moment, regions=regions_for(payload, settings),
                     given=records)
    except UserError as exc:
        log.error("watch failed: %s", exc)
        return json.dumps({"ok": False, "category": CATEGORY, "error": str(exc)})
    summary = {"ok": True, "category": CATEGORY, **done.summary.model_dump(mode="json")}
    log.info("watched: %s", json.dumps(summary, ensure_ascii=False)[:2000])
    return json.dumps(summary, ensure_ascii=False)
