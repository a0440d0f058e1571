"""One FC invocation's work: sweep here, or hand each region to its own asynchronous invocation."""

from __future__ import annotations

import logging
from typing import Any, Optional

from dwdiag import pipeline
from dwdiag.alert.deliver import dingtalk_sender
from dwdiag.clients import Credentials
from dwdiag.fc import fanout
from dwdiag.fc.events import Payload, Shard
from dwdiag.models.findings import Category
from dwdiag.publish import layout, shards
from dwdiag.settings import Settings
from dwdiag.store import Store, store_from_settings
from dwdiag.sweep import Sweep
from dwdiag.waivers import load_waivers

log = logging.getLogger("dwdiag.fc")


def _store(settings: Settings, credentials: Credentials) -> Optional[Store]:
    """In FC the results bucket is reached over the region's internal endpoint, in the function's region
    unless DWDIAG_OSS_REGION says otherwise."""
    from dwdiag.fc import environ

    fc_region = environ().get("FC_REGION")
    if settings.oss_bucket and fc_region:
        region = settings.oss_region or fc_region
        updates: dict[str, Any] = {"oss_region": region}
        if settings.endpoint_oss is None and region == fc_region:
            updates["endpoint_oss"] = f"https://oss-{region}-internal.aliyuncs.com"
        settings = settings.model_copy(update=updates)
    return store_from_settings(settings, None, credentials)


def fan_out(payload: Payload, settings: Settings, credentials: Credentials, context: Any, category: str,
            run_id: str, regions: list[str]) -> dict[str, Any]:
    """Queue one asynchronous invocation of this very function per region, then return."""
    from dwdiag.fc import environ

    target = fanout.target_of(context, environ())
    home = str(getattr(context, "region", "") or environ().get("FC_REGION") or settings.fc_region or regions[0])
    account = str(getattr(context, "account_id", "") or environ().get("FC_ACCOUNT_ID") or "")
    endpoint = fanout.fc_endpoint(account, home, settings.endpoint_fc)
    store = _store(settings, credentials)
    if store is not None:
        shards.expect(store, run_id, category, regions)
    invocations: dict[str, str] = {}
    for index, region in enumerate(regions):
        shard = payload.model_copy(update={"regions": [region], "run_id": run_id,
                                           "shard": Shard(run_id=run_id, index=index, total=len(regions))})
        try:
            invocations[region] = "queued " + fanout.invoke_async(endpoint, credentials, target,
                                                                   shard.model_dump(mode="json"))
        except RuntimeError as exc:
            invocations[region] = f"failed: {exc}"
            log.error("fan-out to %s failed: %s", region, exc)
    ok = all(v.startswith("queued") for v in invocations.values())
    return {"ok": ok, "category": category, "run_id": run_id, "fanned_out": invocations}


def run_here(payload: Payload, settings: Settings, credentials: Credentials, category: str, run_id: str,
             regions: list[str]) -> dict[str, Any]:
    # The file is read before the sweep, so a bad one costs no API quota; the payload's were checked on parsing.
    waivers = (load_waivers(settings.waivers_file) if settings.waivers_file else []) + list(payload.waivers)
    sweep = Sweep(settings, credentials)
    store = _store(settings, credentials)
    send = dingtalk_sender(settings, sweep.deadline) if payload.alert and store is not None else None
    result = pipeline.run(settings, source="fc", sweep=sweep, regions=regions, categories=[Category(category)],
                          run_id=run_id, waivers=waivers, store=store, send=send, shard=payload.shard is not None)
    problems = list(result.summary.problems)
    if store is None:
        problems.append("no DWDIAG_OSS_BUCKET is set: the findings were not stored and no alert was sent")
    s = result.summary
    where = store.location(layout.run_prefix(run_id)) if store else None
    return {"ok": True, "category": category, "run_id": run_id, "regions": s.regions, "findings": s.findings,
            "by_status": s.totals.by_status, "open_by_risk": s.totals.open_by_risk, "waived": s.totals.waived,
            "changes": s.changes, "alerts": s.alerts, "calls": sum(s.calls.values()),
            "throttled": sum(s.throttled.values()), "problems": problems, "stored_at": where}

