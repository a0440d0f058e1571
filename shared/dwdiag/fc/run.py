"""One FC invocation's work: sweep here, or hand each region to its own asynchronous invocation."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any, Optional

from dwdiag import organization, pipeline
from dwdiag.alert.deliver import robots_for
from dwdiag.clients import ClientError, Credentials
from dwdiag.collectors.accounts import Member, member_credentials, refused, resolve_accounts
from dwdiag.fc import fanout
from dwdiag.fc.events import Payload, Shard
from dwdiag.models.common import CallError
from dwdiag.models.findings import Category
from dwdiag.publish import layout, shards
from dwdiag.settings import Settings
from dwdiag.store import Store, store_from_settings
from dwdiag.sweep import Sweep
from dwdiag.waivers import load_waivers

log = logging.getLogger("dwdiag.fc")


def results_store(settings: Settings, credentials: Credentials) -> Optional[Store]:
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


def _myself(settings: Settings, context: Any, regions: list[str]) -> tuple[str, fanout.Target]:
    """The endpoint and names this very function is invoked by (for a fan-out or a continuation)."""
    from dwdiag.fc import environ

    target = fanout.target_of(context, environ())
    home = str(getattr(context, "region", "") or environ().get("FC_REGION") or settings.fc_region or regions[0])
    account = str(getattr(context, "account_id", "") or environ().get("FC_ACCOUNT_ID") or "")
    return fanout.fc_endpoint(account, home, settings.endpoint_fc), target


def fan_out(payload: Payload, settings: Settings, credentials: Credentials, context: Any, category: str,
            run_id: str, regions: list[str]) -> dict[str, Any]:
    """Queue one asynchronous invocation of this very function per region, then return."""
    endpoint, target = _myself(settings, context, regions)
    store = results_store(settings, credentials)
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


def fan_out_accounts(payload: Payload, settings: Settings, credentials: Credentials, context: Any, category: str,
                     run_id: str, regions: list[str]) -> dict[str, Any]:
    """An organization run: queue one asynchronous invocation of this very function per (account, region),
    the largest first (organization.plan), after recording them all as the run's expected places."""
    endpoint, target = _myself(settings, context, regions)
    store = results_store(settings, credentials)
    accounts = resolve_accounts(settings, Sweep(settings, credentials).session(regions[0]))
    pieces = organization.plan(store, accounts, regions, category)
    if store is not None:
        shards.expect(store, run_id, category, [p.place for p in pieces], accounts=organization.known(accounts))
    invocations: dict[str, str] = {}
    for index, piece in enumerate(pieces):
        shard = payload.model_copy(update={
            "regions": [piece.region], "run_id": run_id, "account": piece.member.account_id,
            "folder_id": piece.member.folder_for(settings.alert_routes) or None,  # its alert route's folder
            "shard": Shard(run_id=run_id, index=index, total=len(pieces))})
        try:
            invocations[piece.place] = "queued " + fanout.invoke_async(endpoint, credentials, target,
                                                                        shard.model_dump(mode="json"))
        except RuntimeError as exc:
            invocations[piece.place] = f"failed: {exc}"
            log.error("fan-out to %s failed: %s", piece.place, exc)
    ok = all(v.startswith("queued") for v in invocations.values())
    return {"ok": ok, "category": category, "run_id": run_id, "fanned_out": invocations,
            "order": [{"place": p.place, "estimate_s": p.estimate_s} for p in pieces],
            "left_out": accounts.left_out}


def _in_account(payload: Payload, settings: Settings, base: Sweep, run_id: str,
                regions: list[str]) -> tuple[Optional[str], Sweep, Optional[CallError]]:
    """The account this invocation sweeps and a sweep in it: the credentials' own, or (a piece of an
    organization run) the member's, through its role; a member that refuses it is `unreachable`."""
    me = base.whoami(regions[0])
    if payload.account is None or payload.account == me:
        return me, base, None
    member = Member(payload.account, folder_id=payload.folder_id or "")
    role = member_credentials(settings, base.session(regions[0]), member, run_id)
    try:
        role.check()
    except ClientError as err:
        return member.account_id, base, refused(settings, member, err)
    return member.account_id, base.in_account(role), None


def run_here(payload: Payload, settings: Settings, credentials: Credentials, category: str, run_id: str,
             regions: list[str], context: Any = None) -> dict[str, Any]:
    # The file is read before the sweep, so a bad one costs no API quota; the payload's were checked on parsing.
    waivers = (load_waivers(settings.waivers_file) if settings.waivers_file else []) + list(payload.waivers)
    account, sweep, unreachable = _in_account(payload, settings, Sweep(settings, credentials), run_id, regions)
    places = [layout.place(account if settings.accounts != "self" else None, r) for r in regions]
    store = results_store(settings, credentials)
    send = robots_for(settings, account, payload.folder_id, deadline=sweep.deadline,
                      organization=payload.account is not None) if payload.alert and store is not None else None
    resume, now = None, None
    if payload.account is not None:  # a piece of an organization run judges windows from the run's start
        now = run_started(run_id)
    if store is not None and sweep.deadline is not None:  # it may not fit one invocation: go on in the next
        request_id = str(getattr(context, "request_id", "") or "")
        other = _open_elsewhere(store, settings, category, places, run_id, payload, request_id)
        if other is not None and other.get("alive"):
            return {"ok": True, "category": category, "run_id": run_id, "skipped": True, "open_run": other["run_id"],
                    "problems": [f"run {other['run_id']} of these regions is still being collected (piece "
                                 f"{other['continuation']}); this run was not started beside it"]}
        if other is not None:  # its chain of invocations broke off: this invocation goes on with it
            log.warning("run %s was left open; continuing it instead of starting run %s", other["run_id"], run_id)
            run_id = other["run_id"]
            payload = payload.model_copy(update={"continuation": other["continuation"] + 1,
                                                 "shard": Shard(**other["shard"]) if other.get("shard") else None})
        resume, now = _resume(settings, sweep, run_id, payload.continuation), run_started(run_id)
        _mark_open(store, category, places, run_id, payload, request_id)
    mine = None
    if payload.account is not None:
        mine = {account: {"swept": "no: its role could not be assumed" if unreachable else "yes"}}
    result = pipeline.run(settings, source="fc", sweep=sweep, regions=regions, categories=[Category(category)],
                          run_id=run_id, waivers=waivers, store=store, send=send, shard=payload.shard is not None,
                          now=now, resume=resume, account=account, unreachable=unreachable, accounts=mine)
    if isinstance(result, pipeline.Unfinished):
        return _continue(payload, settings, credentials, context, category, result, regions)
    if resume is not None:
        store.delete(layout.open_run(category, places))
    problems = list(result.summary.problems)
    if store is None:
        problems.append("no DWDIAG_OSS_BUCKET is set: the findings were not stored and no alert was sent")
    s = result.summary
    where = store.location(layout.run_prefix(run_id)) if store else None
    return {"ok": True, "category": category, "run_id": run_id, "account": account, "regions": s.regions,
            "findings": s.findings,
            "by_status": s.totals.by_status, "open_by_risk": s.totals.open_by_risk, "waived": s.totals.waived,
            "changes": s.changes, "alerts": s.alerts, "calls": sum(s.calls.values()),
            "throttled": sum(s.throttled.values()), "continuations": payload.continuation, "problems": problems,
            "stored_at": where}


def run_started(run_id: str) -> datetime:
    """When a run began, from its id: every piece of a continued run judges its windows from that moment."""
    return datetime.strptime(run_id[:16], "%Y%m%dT%H%M%SZ").replace(tzinfo=timezone.utc)


def _resume(settings: Settings, sweep: Sweep, run_id: str, piece: int) -> pipeline.Resume:
    """Stop starting new work when the reserve is all that is left; past the run's limits, collect nothing
    more and let what is left be an error that names the limit."""
    stop_at = sweep.deadline - settings.deadline_seconds + settings.collecting_seconds()  # the sweep's start + ...
    age = (pipeline.utcnow() - run_started(run_id)).total_seconds()
    why = None
    if piece > settings.max_continuations:
        why = f"the run reached its limit of {settings.max_continuations} continuations (DWDIAG_MAX_CONTINUATIONS)"
    elif age > settings.max_run_age_seconds:
        why = (f"the run is {age / 3600:.1f} hours old, older than DWDIAG_MAX_RUN_AGE_SECONDS "
               f"({settings.max_run_age_seconds:.0f} s)")
    limit = CallError(product="dwdiag", operation="Continuation", code="RunLimitReached",
                      message=f"not collected: {why}") if why else None
    return pipeline.Resume(stop=lambda: time.monotonic() >= stop_at, limit=limit)


def _continue(payload: Payload, settings: Settings, credentials: Credentials, context: Any, category: str,
              unfinished: pipeline.Unfinished, regions: list[str]) -> dict[str, Any]:
    """Queue the next piece of the run (this function, asynchronously, the same run id), then return. If it
    cannot be queued, raise: Function Compute retries this invocation, which resumes from the checkpoint."""
    endpoint, target = _myself(settings, context, regions)
    following = payload.model_copy(update={"run_id": unfinished.run_id, "regions": regions,
                                           "continuation": payload.continuation + 1})
    request_id = fanout.invoke_async(endpoint, credentials, target, following.model_dump(mode="json"))
    plan = unfinished.plan
    log.info("run %s continues in piece %d (request %s); left: %s; plan: %s", unfinished.run_id,
             following.continuation, request_id, unfinished.left, plan)
    return {"ok": True, "category": category, "run_id": unfinished.run_id, "continued": True,
            "continuation": following.continuation, "left": unfinished.left, "plan": plan, "queued": request_id}


def _mark_open(store: Store, category: str, places: list[str], run_id: str, payload: Payload,
               request_id: str = "") -> None:
    """Say in the store that this run is being collected, and when its last piece started (a heartbeat), by
    which invocation (its request id, which FC's retries of it keep)."""
    store.write(layout.open_run(category, places), {
        "run_id": run_id, "continuation": payload.continuation, "regions": places,
        "shard": payload.shard.model_dump() if payload.shard else None,
        "heartbeat": pipeline.utcnow().isoformat(), "request_id": request_id})


def _open_elsewhere(store: Store, settings: Settings, category: str, places: list[str], run_id: str,
                    payload: Payload, request_id: str = "") -> Optional[dict[str, Any]]:
    """Another run of these places still open (its marker), with whether its pieces still run: a piece
    starts within a function's time of the last one, unless its chain broke off. A run this very invocation
    opened in an earlier attempt is not alive: FC retries an attempt once it has failed or been killed (an
    event without a run id gets a new one on each attempt, so the retry would otherwise wait on itself)."""
    if payload.continuation:
        return None  # a continuation is the open run itself
    marker = store.read(layout.open_run(category, places))
    if not marker or marker.get("run_id") == run_id:
        return None
    if request_id and marker.get("request_id") == request_id:
        return {**marker, "alive": False}
    beat = datetime.fromisoformat(marker["heartbeat"])
    silent = (pipeline.utcnow() - beat).total_seconds()
    from dwdiag.fc import DEADLINE_MARGIN_S

    window = 2 * ((settings.deadline_seconds or 0) + DEADLINE_MARGIN_S) + 600
    return {**marker, "alive": silent < window}
