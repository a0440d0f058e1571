"""Rule of `data_production` about scheduling identities (`schedule_identity_login`): a RAM user that
production jobs run as should never sign in."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from dwdiag.checks import (
    ERROR, FAIL, MANUAL, PASS, Obj, Outcome, available, error, everything_in, failed, rule, workspaces_unlisted,
)
from dwdiag.models.data_production import DataProductionEvidence, IdentityEvidence, SigninEvent, scheduling_identities

EVENT_HISTORY_DAYS = 90  # ActionTrail keeps 90 days of events


@rule
def schedule_identity_login(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#schedule_identity_login."""
    return workspaces_unlisted(ev, "ram_user") or _identities(ev, settings, now)


def _identities(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """One result per scheduling identity of the region's workspaces (an identity serves several), after
    an `error` for each workspace whose identities could not be read."""
    out = [error(everything_in("ram_user", ws.workspace), ws.compute_resources_error,
                 f"Scheduling identities of workspace {ws.workspace.label}")
           for ws in available(ev.workspaces) if ws.compute_resources_error]
    out += [_unreadable(ws, names) for ws, names in _unreadable_resources(ev)]
    known = {i.user_id: i for i in ev.identities}
    start = now - timedelta(days=settings.login_lookback_days)
    for uid, used_by in sorted(scheduling_identities(ev.workspaces).items()):
        out.append(_identity(uid, used_by, known.get(uid), ev, settings, start))
    return out


def _unreadable_resources(ev: DataProductionEvidence) -> list[tuple[Any, list[str]]]:
    """Workspaces with compute resources whose identity could not be read (they may hide one)."""
    found = []
    for ws in ev.workspaces:
        names = sorted({g.name for g in ws.compute_resources for e in g.entries if e.connection_properties_error})
        if ws.workspace.available and names and not ws.compute_resources_error:
            found.append((ws, names))
    return found


def _unreadable(ws, names: list[str]) -> Outcome:
    return Outcome(ERROR, everything_in("ram_user", ws.workspace),
                   f"The connection properties of {', '.join(names)} in workspace {ws.workspace.label} are "
                   "unreadable, so a RAM user they schedule as could not be checked.", {"compute_resources": names})


def _identity(uid: str, used_by: list[str], ident, ev: DataProductionEvidence, settings, start: datetime) -> Outcome:
    user = ident.user if ident else None
    obj = Obj("ram_user", uid, user.user_name if user else uid, None)
    evidence: dict[str, Any] = {"UserId": uid, "scheduling_for": used_by}
    if ident is None:
        return Outcome(ERROR, obj, f"RAM user {uid} schedules {', '.join(used_by)}, but no evidence about it "
                       "was collected.", evidence)
    if user is None:
        if ev.ram_users_error:
            return error(obj, ev.ram_users_error, f"Logons of RAM user {uid}", **evidence)
        return Outcome(MANUAL, obj, f"RAM user id {uid} schedules {', '.join(used_by)} but is not a RAM user of "
                       "this account (another account's, or deleted); check its logons there.", evidence)
    logins = _signins(ident, user.user_name, start)
    last = user.last_login_date
    evidence.update(UserName=user.user_name, LastLoginDate=last.isoformat() if last else None,
                    signin_events=[e.model_dump(mode="json") for e in logins[:5]],
                    signin_regions_queried=ident.signin_regions, lookback_days=settings.login_lookback_days,
                    console_password=ident.login_profile)
    name = f"RAM user {user.user_name} ({uid}), the scheduling identity of {', '.join(used_by)},"
    if ident.login_profile is False:
        # No login profile: the user cannot log on to the console at all, whatever it did before.
        before = " It logged on within the window before its console logon was removed." \
            if logins or (last and last >= start) else ""
        return Outcome(PASS, obj, f"{name} has no console password (no RAM login profile), so it cannot log on "
                       f"interactively.{before}", evidence)
    if logins or (last and last >= start):
        seen = (f"{len(logins)} console sign-in(s), the latest on {logins[0].event_time:%Y-%m-%d}" if logins
                else f"a console logon on {last:%Y-%m-%d} (RAM LastLoginDate)")
        unread = (f" Whether it can still log on could not be read ({ident.login_profile_error.operation} "
                  f"failed: {ident.login_profile_error.code})." if ident.login_profile_error else "")
        return Outcome(FAIL, obj, f"{name} logged on interactively within {settings.login_lookback_days} days: "
                       f"{seen}.{unread}", evidence)
    problem = _missing(ident, settings.signin_regions)
    if problem:
        return Outcome(ERROR, obj, f"Logons of {name} could not be ruled out: {problem}.", evidence)
    note = ""
    if settings.login_lookback_days > EVENT_HISTORY_DAYS:
        note = f" (ActionTrail keeps {EVENT_HISTORY_DAYS} days; older logons rest on LastLoginDate)"
    return Outcome(PASS, obj, f"{name} has no console logon within {settings.login_lookback_days} days{note}.",
                   evidence)


def _signins(ident: IdentityEvidence, user_name: str, start: datetime) -> list[SigninEvent]:
    unique: dict[str, SigninEvent] = {}
    for event in ident.signin_events:
        if event.is_console_signin_of(user_name) and event.event_time >= start:
            unique.setdefault(event.event_id or event.event_time.isoformat(), event)
    return sorted(unique.values(), key=lambda e: e.event_time, reverse=True)


def _missing(ident: IdentityEvidence, regions: list[str]) -> str:
    problems = [failed(e, "ConsoleSignin events").rstrip(".") for e in ident.signin_errors]
    if ident.get_user_error:
        problems.append(failed(ident.get_user_error, "LastLoginDate").rstrip("."))
    not_queried = [r for r in regions if r not in ident.signin_regions]
    if not_queried and not ident.signin_errors:
        problems.append(f"ActionTrail was not queried in {', '.join(not_queried)}")
    return "; ".join(problems)
