"""Scheduling identities: RAM users that Prod compute resources run as, and their console sign-ins."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Optional

from pydantic import ValidationError

from dwdiag.collectors.base import RegionContext, invalid, parse_list, parse_one
from dwdiag.models.common import CallError
from dwdiag.models.data_production import (
    EVENT_HISTORY_DAYS, IdentityEvidence, RamUser, SigninEvent, WorkspaceProduction, scheduling_identities,
)

ISO = "%Y-%m-%dT%H:%M:%SZ"
DELIVERY_DELAY = timedelta(minutes=30)
# A RAM user's console logon is recorded under this service (the documented ConsoleSignin record).
# ServiceName with User is a pair of conditions the LookupEvents FAQ lists; EventName with User is not.
SIGNIN_SERVICE = "AasSub"


def _trim(event: dict) -> dict:
    """What the evidence needs of an event: kept in the cache instead of the whole record."""
    identity = event.get("userIdentity") if isinstance(event.get("userIdentity"), dict) else {}
    return {"eventId": event.get("eventId"), "eventTime": event.get("eventTime"), "eventName": event.get("eventName"),
            "sourceIpAddress": event.get("sourceIpAddress"),
            "userIdentity": {"userName": identity.get("userName"), "type": identity.get("type")}}


def users(ctx: RegionContext) -> tuple[dict[str, RamUser], Optional[CallError]]:
    """The account's RAM users by id (ListUsers, every page)."""
    f = ctx.collect("ram", "list_users")
    found, err = ([], f.error) if f.error else parse_list(RamUser, f.data, "ram", "ListUsers", ctx.region)
    return {u.user_id: u for u in found}, err


def collect(ctx: RegionContext, workspaces: list[WorkspaceProduction],
            pool: ThreadPoolExecutor) -> tuple[Optional[CallError], list[IdentityEvidence]]:
    ids = sorted(scheduling_identities(workspaces))
    if not ids:
        return None, []
    by_id, err = users(ctx)
    if err:
        return err, [IdentityEvidence(user_id=uid) for uid in ids]
    futures = [pool.submit(identity, ctx, uid, by_id.get(uid)) for uid in ids]
    return None, [f.result() for f in futures]


def identity(ctx: RegionContext, uid: str, user: Optional[RamUser]) -> IdentityEvidence:
    ident = IdentityEvidence(user_id=uid, user=user)
    if user is None:
        return ident  # not a RAM user of this account: nothing to look up
    f = ctx.call("ram", "get_user", UserName=user.user_name)
    if f.error:
        ident.get_user_error = f.error
    else:
        full, ident.get_user_error = parse_one(RamUser, (f.data or {}).get("User"), "ram", "GetUser", ctx.region)
        if full is not None:
            ident.user = full
    _login_profile(ctx, ident, user.user_name)
    days = min(ctx.settings.login_lookback_days, EVENT_HISTORY_DAYS)
    start, end = ctx.now - timedelta(days=days), ctx.now
    for region in ctx.settings.signin_regions:
        _signins(ctx, ident, region, start.strftime(ISO), end.strftime(ISO))
    return ident


def _login_profile(ctx: RegionContext, ident: IdentityEvidence, name: str) -> None:
    """Whether the user can log on to the console with a password at all: RAM answers
    EntityNotExist.User.LoginProfile for a user without one (GetLoginProfile, docs/evidence.md)."""
    f = ctx.call("ram", "get_login_profile", UserName=name)
    if f.error is None:
        ident.login_profile = isinstance((f.data or {}).get("LoginProfile"), dict)
        if not ident.login_profile:
            ident.login_profile_error = CallError(product="ram", operation="GetLoginProfile", code="MalformedResponse",
                                                  message="no LoginProfile in the answer", region=ctx.region)
            ident.login_profile = None
    elif f.error.code == "EntityNotExist.User.LoginProfile":
        ident.login_profile = False
    else:
        ident.login_profile_error = f.error


def _signins(ctx: RegionContext, ident: IdentityEvidence, region: str, start: str, end: str) -> None:
    session = ctx.session_for(region)
    name = ident.user.user_name
    # Events already looked up by an earlier run are kept; only the time since is asked for again,
    # with an overlap for ActionTrail's delivery delay (5 to 10 minutes).
    key = f"{region}/{name}"
    cached = ctx.cache.get("signins", key) or {}
    since = start
    if cached.get("until"):
        overlap = datetime.strptime(cached["until"], ISO).replace(tzinfo=timezone.utc) - DELIVERY_DELAY
        since = max(start, overlap.strftime(ISO))
    # The user's events of the sign-in service; the rule keeps the ConsoleSignin events of this user.
    attributes = [{"Key": "ServiceName", "Value": SIGNIN_SERVICE}, {"Key": "User", "Value": name}]
    f = ctx.fetch(lambda: session.client("actiontrail").collect(
        "lookup_events", LookupAttribute=attributes, StartTime=since, EndTime=end))
    if f.error:
        ident.signin_errors.append(f.error.model_copy(update={"region": region}))
        return
    if any(not isinstance(e, dict) for e in f.data or []):
        ident.signin_errors.append(CallError(product="actiontrail", operation="LookupEvents", code="MalformedResponse",
                                             message="an event is not an object", region=region))
        return
    merged = {e.get("eventId") or f"{e.get('eventTime')}/{name}": e
              for e in [*cached.get("events", []), *(f.data or [])] if isinstance(e, dict)}
    kept = [_trim(e) for e in merged.values() if str(e.get("eventTime", "")) >= start]
    ctx.cache.put("signins", key, {"until": end, "events": kept})
    try:
        ident.signin_events.extend(SigninEvent.from_event(e, region) for e in kept)
    except (ValidationError, AttributeError, TypeError) as exc:
        err = invalid("actiontrail", "LookupEvents", exc, region) if isinstance(exc, ValidationError) else \
            CallError(product="actiontrail", operation="LookupEvents", code="MalformedResponse",
                      message=f"an event is not an object ({type(exc).__name__})", region=region)
        ident.signin_errors.append(err)
        return
    ident.signin_regions.append(region)
