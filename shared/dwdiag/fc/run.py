"""One FC invocation's work: sweep here, or hand each region to its own asynchronous invocation."""

from __future__ import annotations

import logging
from typing import Any, Optional

from dwdiag.clients import Credentials
from dwdiag.fc import fanout
from dwdiag.fc.events import Payload, Shard
from dwdiag.models.findings import Category, Finding
from dwdiag.outputs import write_run_outputs
from dwdiag.publisher import publish_run
from dwdiag.models.run import RunResult
from dwdiag.scan import Sweep, scan
from dwdiag.settings import Settings
from dwdiag.store import Store, store_from_settings
from dwdiag.store.layout import run_prefix
from dwdiag.waivers import apply_waivers, load_waivers

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


def _date_prefix(run_id: str) -> str:
    return f"runs/{run_id[0:4]}-{run_id[4:6]}-{run_id[6:8]}/{run_id}"


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
        store.write(f"{_date_prefix(run_id)}/shards/{category}.json",
                    {"run_id": run_id, "category": category, "expected": regions})
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
    result = scan(settings, regions=regions, categories=[Category(category)], sweep=sweep, run_id=run_id,
                  cache_store=store)
    apply_waivers(result, waivers)
    problems = list(result.summary.problems)
    if store is None:
        problems.append("no DWDIAG_OSS_BUCKET is set: the findings were not stored and no alert was sent")
    else:
        publish_run(store, result, settings, alerts=payload.alert, deadline=sweep.deadline)
        if payload.shard is not None:
            _mark_shard(store, result, category, regions)
    s = result.summary
    return {"ok": True, "category": category, "run_id": run_id, "regions": s.regions, "findings": s.findings,
            "by_status": s.totals.by_status, "open_by_risk": s.totals.open_by_risk, "waived": s.totals.waived,
            "changes": s.changes,
            "alerts": s.alerts, "calls": sum(s.calls.values()), "throttled": sum(s.throttled.values()),
            "problems": problems, "stored_at": store.location(run_prefix(result)) if store else None}


def _mark_shard(store: Store, result: RunResult, category: str, regions: list[str]) -> None:
    """Each shard records that it finished, then rebuilds the run summary from every shard's record,
    so summary.json says which shards finished (a retried shard overwrites its own record)."""
    s = result.summary
    for region in regions:
        store.write(f"{run_prefix(result)}/shards/{category}/{region}.json",
                    {"run_id": result.run_id, "region": region, "category": category, "finished": True,
                     "summary": s.model_dump(mode="json")})
    status = shard_status(store, result.run_id, category)
    if status is None:
        return
    parts = [store.read(f"{run_prefix(result)}/shards/{category}/{r}.json") for r in status["finished"]]
    totals: dict[str, dict[str, int]] = {"by_status": {}, "open_by_risk": {}, "changes": {}}
    for part in parts:
        ps = part["summary"]
        for key, source in (("by_status", ps["totals"]["by_status"]), ("open_by_risk", ps["totals"]["open_by_risk"]),
                            ("changes", ps.get("changes", {}))):
            for k, v in source.items():
                totals[key][k] = totals[key].get(k, 0) + v
    store.write(f"{run_prefix(result)}/summary.json", {
        "run_id": result.run_id, "source": "fc", "categories": [category], "shards": status,
        "findings": sum(p["summary"]["findings"] for p in parts), **totals,
        "waived": sum(p["summary"]["totals"].get("waived", 0) for p in parts),
        "parts": {p["region"]: p["summary"] for p in parts}})
    # Every shard wrote the run-level OCSF and CSV files with its own region only: merge the finished ones.
    merged: list[Finding] = []
    for region in status["finished"]:
        doc = store.read(f"{run_prefix(result)}/{region}/{category}/findings.json") or {}
        merged += [Finding.from_dict(f) for f in doc.get("findings", [])]
    write_run_outputs(store, run_prefix(result), merged, result.run_id, s.evaluated_at)


def shard_status(store: Store, run_id: str, category: str) -> Optional[dict[str, Any]]:
    """Which shards of a fanned-out run have finished (for `dwdiag invoke` and the reader of a run)."""
    manifest = store.read(f"{_date_prefix(run_id)}/shards/{category}.json")
    if manifest is None:
        return None
    finished = [r for r in manifest["expected"]
                if store.read(f"{_date_prefix(run_id)}/shards/{category}/{r}.json") is not None]
    return {"expected": manifest["expected"], "finished": finished,
            "missing": [r for r in manifest["expected"] if r not in finished]}
