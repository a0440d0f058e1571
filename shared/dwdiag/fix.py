"""`dwdiag fix`: the remediation plans of stored findings, and the few fixes dwdiag may apply itself.

    the findings of latest/ (or an evidence file)  ->  their plans (dwdiag.remediation)
    apply, per finding:  refuse (not found, not a fail, no automatable plan, stale, changed since the run)
      ->  dry run: the exact calls  |  --yes: the calls, with the remediation credentials
      ->  the object checked again (a sweep of it alone, with the scanner's read credentials)
      ->  an audit record under remediation/ in the store: who, when, what, the request ids, before and after

The writes go out only with DWDIAG_REMEDIATION_* credentials (the remediation policy, never the scanner's
role); reads use the scanner's credentials as a sweep does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Optional

from dwdiag.clients import ClientError, Credentials, Session
from dwdiag.errors import UserError
from dwdiag.evaluate import evaluate
from dwdiag.models.findings import Category, Finding, Status
from dwdiag.models.remediation import Remediation
from dwdiag.models.run import utcnow
from dwdiag.publish import layout
from dwdiag.publish.read import latest_places
from dwdiag.redact import redact_text
from dwdiag.remediation.plan import plan_for
from dwdiag.settings import Settings
from dwdiag.store import Store
from dwdiag.sweep import Sweep, collect

log = logging.getLogger(__name__)
AUDIT = "remediation"


@dataclass
class Stored:
    """A finding as the latest/ pointers hold it, with when it was judged and where."""

    finding: Finding
    place: str
    run_id: str
    evaluated_at: datetime


@dataclass
class Outcome:
    fingerprint: str
    status: str                 # refused, dry run, applied, failed
    why: str = ""
    calls: list[str] = field(default_factory=list)
    request_ids: list[str] = field(default_factory=list)
    before: Optional[str] = None
    after: Optional[str] = None
    record: Optional[str] = None

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if v not in (None, "", [])}


def stored_findings(store: Store, fingerprints: Optional[set[str]] = None) -> list[Stored]:
    """The findings of every latest/ pointer (only those `fingerprints`, if given)."""
    found: list[Stored] = []
    for where in latest_places(store):
        for category in Category:
            doc = store.read(layout.latest_key(where, category))
            if not doc:
                continue
            when = datetime.fromisoformat(doc["evaluated_at"])
            for raw in doc.get("findings", []):
                if fingerprints is None or raw.get("fingerprint") in fingerprints:
                    found.append(Stored(Finding.from_dict(raw), where, str(doc.get("run_id")), when))
    return found


def plans(findings: list[Finding], settings: Settings) -> list[tuple[Finding, Remediation]]:
    """The plan of each failed finding."""
    out = []
    for f in findings:
        plan = f.remediation or plan_for(f, settings)
        if plan is not None:
            out.append((f, plan))
    return out


def remediation_credentials(settings: Settings) -> Credentials:
    key, secret = settings.remediation_access_key_id, settings.remediation_access_key_secret
    if key is None or secret is None or not key.get_secret_value() or not secret.get_secret_value():
        raise UserError("dwdiag fix apply needs credentials of the remediation policy in "
                        "DWDIAG_REMEDIATION_ACCESS_KEY_ID and DWDIAG_REMEDIATION_ACCESS_KEY_SECRET "
                        "(`scripts/deploy policy --remediation` prints that policy); the scanner's read-only "
                        "credentials are never used to change anything")
    token = settings.remediation_security_token
    return Credentials(key.get_secret_value(), secret.get_secret_value(),
                       token.get_secret_value() if token else None)


def apply(settings: Settings, store: Store, fingerprints: list[str], *, yes: bool, reads: Sweep,
          endpoints: Optional[dict] = None, now: Optional[datetime] = None) -> list[Outcome]:
    """Apply the automatable plans of these findings (a dry run unless `yes`). `reads` is a sweep with the
    scanner's credentials, for checking each object before and after."""
    writer = remediation_credentials(settings)  # refused before anything is read or called
    now = now or utcnow()
    wanted = list(dict.fromkeys(fingerprints))
    found = {s.finding.fingerprint: s for s in stored_findings(store, set(wanted))}
    who = _caller(writer, settings, endpoints) if yes else None
    return [_one(settings, store, found.get(fp), fp, yes=yes, reads=reads, writer=writer, endpoints=endpoints,
                 now=now, who=who) for fp in wanted]


def _one(settings: Settings, store: Store, stored: Optional[Stored], fingerprint: str, *, yes: bool, reads: Sweep,
         writer: Credentials, endpoints: Optional[dict], now: datetime, who: Optional[str]) -> Outcome:
    if stored is None:
        return Outcome(fingerprint, "refused", f"no finding {fingerprint} in the latest run of "
                       f"{store.location('latest')}")
    f = stored.finding
    if f.status is not Status.fail:
        return Outcome(fingerprint, "refused", f"{f.item_id} on {f.object_name} is {f.status.value}, not a fail")
    plan = plan_for(f, settings)
    if plan is None or not plan.automatable:
        return Outcome(fingerprint, "refused", f"the plan for {f.item_id} on {f.object_name} is for a person, not "
                       f"for dwdiag to run: {plan.summary if plan else 'no plan'} (`dwdiag fix plan`)")
    age = now - stored.evaluated_at
    if age > timedelta(hours=settings.fix_max_evidence_age_hours):
        return Outcome(fingerprint, "refused", f"the evidence is from {stored.evaluated_at:%Y-%m-%d %H:%M} UTC, "
                       f"older than DWDIAG_FIX_MAX_EVIDENCE_AGE_HOURS ({settings.fix_max_evidence_age_hours:g} h); "
                       "run a sweep first")
    calls = [step.text for step in plan.steps]
    current = recheck(reads, f, now)
    if current is None or current.status is not Status.fail or current.evidence != f.evidence:
        state = current.status.value if current is not None else "gone"
        return Outcome(fingerprint, "refused", f"{f.object_name} changed since run {stored.run_id} (now {state}); "
                       "run a sweep and look again", calls=calls, before=state)
    if not yes:
        return Outcome(fingerprint, "dry run", "add --yes to make these calls", calls=calls, before="fail")
    session = Session(f.region, writer, endpoints if endpoints is not None else
                      {p: settings.endpoint(p) for p in ("maxcompute", "actiontrail", "ram", "sts")})
    request_ids: list[str] = []
    failure = None
    for step in plan.steps:
        call = step.call
        assert call is not None  # an automatable step always has its call (dwdiag.remediation)
        try:
            answer = getattr(session.client(call.product), _snake(call.action))(**dict(call.params))
            request_ids.append(str(answer.get("RequestId") or answer.get("requestId") or ""))
        except ClientError as err:
            failure = f"{err.code}: {err.message or 'no message'}"
            break
    after = recheck(reads, f, utcnow())
    outcome = Outcome(fingerprint, "failed" if failure else "applied", redact_text(failure or ""), calls=calls,
                      request_ids=request_ids, before="fail", after=after.status.value if after else "gone")
    outcome.record = _audit(store, f, stored, plan, outcome, who)
    return outcome


def recheck(reads: Sweep, f: Finding, now: datetime) -> Optional[Finding]:
    """The finding as a sweep of its object alone finds it now (None when the object is gone)."""
    settings = reads.settings.model_copy(update={
        "enabled_items": [f.item_id], "disabled_items": [],
        # Only the object's own lists: its workspace (or none), its MaxCompute project (or none).
        "workspaces": _workspaces_of(f), "maxcompute_projects": [f.object_id]
        if f.object_type == "maxcompute_project" else ["-"]})
    sweep = reads.in_account(reads.credentials, settings)
    swept = collect(sweep, regions=[f.region], categories=[f.category], now=now, account=f.account_id)
    if swept.snapshot is None:
        return None
    result = evaluate(swept.snapshot, settings, categories=[f.category], now=now)
    return next((g for g in result.findings if g.fingerprint == f.fingerprint), None)


def _workspaces_of(f: Finding) -> list[str]:
    if f.workspace_id:
        return [f.workspace_id]
    users = f.evidence.get("scheduling_for") if f.item_id == "schedule_identity_login" else None
    if users:  # "<workspace>/<compute resource>": the workspaces whose resources schedule as the user
        return sorted({str(u).split("/")[0] for u in users})
    return ["-"]  # no workspace's lists are needed (a project, a trail)


def _caller(credentials: Credentials, settings: Settings, endpoints: Optional[dict]) -> str:
    """Who applies: the remediation credentials' identity, for the audit record."""
    session = Session(settings.regions[0], credentials,
                      endpoints if endpoints is not None else {"sts": settings.endpoint("sts")})
    try:
        me = session.client("sts").get_caller_identity()
    except ClientError as err:
        raise UserError(f"the remediation credentials were refused by STS ({err.code}); check "
                        "DWDIAG_REMEDIATION_ACCESS_KEY_ID / _SECRET") from None
    return str(me.get("Arn") or me.get("AccountId") or "unknown")


def _audit(store: Store, f: Finding, stored: Stored, plan: Remediation, outcome: Outcome,
           who: Optional[str]) -> str:
    applied_at = utcnow()
    key = f"{AUDIT}/{applied_at:%Y-%m-%d}/{applied_at:%Y%m%dT%H%M%S%fZ}-{f.fingerprint}.json"
    store.write(key, {
        "applied_at": applied_at.isoformat(), "applied_by": who, "fingerprint": f.fingerprint,
        "item_id": f.item_id, "account_id": f.account_id, "region": f.region, "object_type": f.object_type,
        "object_id": f.object_id, "object_name": f.object_name, "run_id": stored.run_id,
        "evidence_of": stored.evaluated_at.isoformat(),
        "steps": [s.model_dump(mode="json", exclude_none=True) for s in plan.steps],
        "request_ids": outcome.request_ids, "result": outcome.status, "error": outcome.why or None,
        "before": outcome.before, "after": outcome.after})
    return store.location(key)


def _snake(action: str) -> str:
    import re

    return re.sub(r"(?<!^)(?=[A-Z])", "_", action).lower()
