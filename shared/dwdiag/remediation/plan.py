"""The remediation plan of a failed finding: exact steps, filled in from the finding and its evidence.

The wording of each step (who may run it, whether it can be undone, what it may break, the page that
documents it) is data: shared/dwdiag/catalog/remediation.yaml. This module chooses the steps an item's
evidence calls for and fills them in; docs/remediation.md explains the choices.

Rules every plan keeps:

- Every step names the real object (project, workspace, data source, member, RAM user, region/trail).
- A command is complete or it is not given: where the evidence lacks a value a command needs (a rule id,
  a development target, a trail destination), the step is a console step that says so in words.
- SQL is given only for a MaxCompute project name of the documented form (a letter, then letters, digits
  and underscores, 3 to 28 characters); any other name gets a console step, so a name can never break
  out of a statement.
- Exactly three kinds of step are `automatable`: UpdateProjectBasicMeta of retentionDays
  (maxcompute_backup), StartLogging of an existing stopped trail that then qualifies (actiontrail_audit),
  and DeleteLoginProfile of a scheduling identity (schedule_identity_login).

Pure: no network, no store; imports only dwdiag.models, dwdiag.catalog and dwdiag.settings.
"""

from __future__ import annotations

import functools
import json
import re
import string
from collections.abc import Mapping
from importlib import resources
from typing import Any, Optional

import yaml

from dwdiag import catalog
from dwdiag.models.findings import Finding, Status
from dwdiag.models.remediation import ApiCall, Remediation, Step
from dwdiag.settings import Settings

# A MaxCompute project name as the documentation gives it: starts with a letter; letters, digits and
# underscores; 3 to 28 characters. Only such a name is written into a statement (it needs no quoting).
PROJECT_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]{2,27}")
# An ActionTrail trail name: 6 to 36 characters, a lowercase letter first, then lowercase letters, digits,
# hyphens and underscores (CreateTrail / StartLogging pages).
TRAIL_NAME = re.compile(r"[a-z][a-z0-9_-]{5,35}")
# A placeholder of the templates: {name}; never left in a plan.
PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
# The name proposed for a trail dwdiag suggests creating (a real, valid name, not a placeholder).
NEW_TRAIL = "dwdiag-audit-trail"

PRODUCTS = {"maxcompute": "MaxCompute", "dataworks": "DataWorks", "actiontrail": "ActionTrail", "ram": "RAM"}
VERSIONS = {"maxcompute": "2022-01-04", "dataworks": "2024-05-18", "actiontrail": "2020-07-06", "ram": "2015-05-01"}
OWNER_ROLE = "role_project_owner"
ADMIN_ROLE = "role_project_admin"


@functools.lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    text = resources.files("dwdiag.catalog").joinpath("remediation.yaml").read_text(encoding="utf-8")
    data = yaml.safe_load(text)
    for item, block in data.items():
        for name, step in block["steps"].items():
            if step["reversible"] not in ("yes", "no", "partly"):
                raise RuntimeError(f"remediation.yaml: {item}.{name}: reversible must be a quoted yes, no or partly")
    return data


class _Values(dict):
    def __missing__(self, key: str) -> str:
        raise KeyError(f"remediation template placeholder {{{key}}} has no value")


def _fill(template: Optional[str], values: Mapping[str, Any]) -> Optional[str]:
    if template is None:
        return None
    return string.Formatter().vformat(template, (), _Values({k: _text(v) for k, v in values.items()}))


def _text(value: Any) -> str:
    if value is None:
        return "not reported"
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value) if value else "none"
    return str(value)


def shown(name: Any) -> str:
    """A name as a plan shows it: itself when plain, else JSON-quoted, so a newline or a quote is visible."""
    text = "" if name is None else str(name)
    return text if text and text.isprintable() and not any(c in text for c in "\"'`;\\") else json.dumps(text)


def render_call(call: ApiCall) -> str:
    params = json.dumps(call.params, ensure_ascii=False, sort_keys=False)
    return f"{PRODUCTS.get(call.product, call.product)} {call.version} {call.action} {params}"


def _call(product: str, action: str, params: dict[str, Any]) -> ApiCall:
    return ApiCall(product=product, version=VERSIONS[product], action=action, params=params)


class _Plan:
    """The filling-in of one item's templates for one finding."""

    def __init__(self, finding: Finding, values: dict[str, Any]):
        self.finding = finding
        self.block = templates()[finding.item_id]
        self.values = values
        self.steps: list[Step] = []

    def step(self, name: str, call: Optional[ApiCall] = None, automatable: bool = False, **extra: Any) -> None:
        tpl = self.block["steps"][name]
        values = {**self.values, **extra}
        text = _fill(tpl["text"], values)
        if call is not None:
            text = f"{text}\n{render_call(call)}"
        self.steps.append(Step(
            kind=tpl["kind"], text=text, call=call, who=_fill(tpl["who"], values),
            reversible=tpl["reversible"], undo=_fill(tpl.get("undo"), values), breaks=_fill(tpl["breaks"], values),
            doc=_fill(tpl["doc"], values), automatable=automatable,
        ))

    def done(self, **extra: Any) -> Remediation:
        values = {**self.values, **extra}
        return Remediation(summary=_fill(self.block["summary"], values), steps=self.steps,
                           note=_fill(self.block.get("note"), values))


def _fallback(finding: Finding, missing: str) -> Remediation:
    meta = catalog.get(finding.item_id) if finding.item_id in catalog.ITEM_IDS else None
    block = templates()["fallback"]
    values = {
        "item_id": finding.item_id, "object_type": finding.object_type, "object_shown": shown(finding.object_id),
        "region": finding.region, "missing": missing,
        "suggestion": meta.suggestion if meta else "See the documentation.",
        "item_doc": meta.doc_url if meta else "https://www.alibabacloud.com/help/en/dataworks/",
    }
    tpl = block["steps"]["console"]
    step = Step(kind="console", text=_fill(tpl["text"], values), who=_fill(tpl["who"], values),
                reversible=tpl["reversible"], breaks=_fill(tpl["breaks"], values), doc=_fill(tpl["doc"], values))
    return Remediation(summary=_fill(block["summary"], values), steps=[step])


def _workspace_id(finding: Finding) -> Optional[int]:
    ws = finding.workspace_id or finding.object_id.split("/", 1)[0]
    return int(ws) if ws and ws.isdigit() else None


# --- computing_storage ---------------------------------------------------------------------------------

def _project_values(f: Finding, settings: Settings) -> dict[str, Any]:
    return {"project_shown": shown(f.object_id), "project_sql": f.object_id, "region": f.region,
            "account": f.account_id or "*", "model_field": settings.permission_model_field}


def _sql_ok(f: Finding) -> bool:
    return bool(PROJECT_NAME.fullmatch(f.object_id))


def _unsafe_name(f: Finding) -> Remediation:
    return _fallback(f, f"the project name {shown(f.object_id)} is not of the documented form (a letter, then "
                        "letters, digits and underscores, 3 to 28 characters), so no MaxCompute statement is given "
                        "for it; make the change in the MaxCompute console.")


def _permission_model(f: Finding, ev: dict, settings: Settings) -> Remediation:
    if not _sql_ok(f):
        return _unsafe_name(f)
    plan = _Plan(f, _project_values(f, settings))
    plan.step("enable")
    return plan.done()


def _download_control(f: Finding, ev: dict, settings: Settings) -> Remediation:
    if not _sql_ok(f):
        return _unsafe_name(f)
    plan = _Plan(f, _project_values(f, settings))
    model = next((v for k, v in ev.items() if k.startswith("securityProperties.")
                  and k != "securityProperties.enableDownloadPrivilege"), None)
    if model is not True:
        plan.step("model")
    plan.step("download")
    return plan.done(with_model="" if model is True else " (after turning on LabelSecurity)")


def _data_protection(f: Finding, ev: dict, settings: Settings) -> Remediation:
    if not _sql_ok(f):
        return _unsafe_name(f)
    plan = _Plan(f, _project_values(f, settings))
    plan.step("protect")
    return plan.done()


def _storage_encryption(f: Finding, ev: dict, settings: Settings) -> Remediation:
    plan = _Plan(f, _project_values(f, settings))
    plan.step("console")
    return plan.done()


def _backup(f: Finding, ev: dict, settings: Settings, min_days: Optional[int]) -> Remediation:
    wanted = min_days if min_days is not None else ev.get("min_retention_days", settings.min_retention_days)
    days = max(1, min(30, int(wanted if isinstance(wanted, int) else settings.min_retention_days)))
    current = ev.get("retentionDays")
    values = {**_project_values(f, settings), "days": days, "current": current}
    plan = _Plan(f, values)
    call = _call("maxcompute", "UpdateProjectBasicMeta",
                 {"projectName": f.object_id, "properties": {"retentionDays": days}})
    plan.step("retention", call=call, automatable=True)
    return plan.done()


def _emr(f: Finding, ev: dict, settings: Settings) -> Remediation:
    modes = ev.get("access_modes") or []
    entries = "; ".join(f"{m.get('env') or 'env not reported'} entry {m.get('entry_id') or '?'} is "
                        f"{m.get('value')}" for m in modes if isinstance(m, Mapping)) or "access mode Shortcut"
    plan = _Plan(f, {"resource": shown(f.object_name), "workspace": f.workspace_id, "region": f.region,
                     "entries": entries})
    plan.step("mode")
    plan.step("mapping")
    return plan.done()


# --- data_transmission ---------------------------------------------------------------------------------

def _access_control(f: Finding, ev: dict, settings: Settings) -> Remediation:
    values = {"workspace": f.object_id, "workspace_name": shown(f.object_name), "region": f.region,
              "data_sources": [shown(d) for d in ev.get("data_sources") or []]}
    plan = _Plan(f, values)
    for share in ev.get("shared_with_whole_workspace") or []:
        if isinstance(share, Mapping) and share.get("data_source") and share.get("target_workspace"):
            plan.step("unshare", data_source=shown(share["data_source"]), env=share.get("env") or "env not reported",
                      target=shown(share["target_workspace"]))
    if not ev.get("covering_dataquery_strategies"):
        plan.step("strategy")
    if not plan.steps:
        return _fallback(f, "the evidence names neither a whole-workspace share nor a missing strategy.")
    return plan.done()


_TARGET_KEYS = ("instanceId", "address", "endpoint", "database", "bucket", "project", "regionId")


def _target(entry: Mapping) -> str:
    if entry.get("QualifiedName"):
        return f"QualifiedName {entry['QualifiedName']}"
    props = entry.get("ConnectionProperties") or {}
    parts = [f"{k} {json.dumps(props[k], ensure_ascii=False)}" for k in _TARGET_KEYS if props.get(k) not in (None, "")]
    return ", ".join(parts) or "the same connection properties"


def _env_isolation(f: Finding, ev: dict, settings: Settings) -> Remediation:
    dev, prod = ev.get("dev") or {}, ev.get("prod") or {}
    if not dev.get("id"):
        return _fallback(f, f"the evidence does not name the Dev entry of data source {shown(f.object_name)}.")
    plan = _Plan(f, {"data_source": shown(f.object_name), "workspace": f.workspace_id, "region": f.region,
                     "dev_id": dev["id"], "prod_id": prod.get("id") or "not reported", "target": _target(prod or dev)})
    plan.step("isolate")
    return plan.done()


def _oss_access(f: Finding, ev: dict, settings: Settings) -> Remediation:
    plan = _Plan(f, {"data_source": shown(f.object_name), "workspace": f.workspace_id, "region": f.region})
    for e in ev.get("entries") or []:
        if not isinstance(e, Mapping):
            continue
        auth = e.get("authType")
        if (auth is not None and str(auth).lower() == "ak") or (auth is None and e.get("accessId")):
            plan.step("role", env=e.get("env") or "environment not reported",
                      entry_id=e.get("entry_id") or "not reported",
                      auth_type=auth or "absent", access_id=e.get("accessId") or "not reported")
    if not plan.steps:
        return _fallback(f, "the evidence names no entry that uses an AccessKey.")
    return plan.done()


# --- data_production -----------------------------------------------------------------------------------

def _standard_mode(f: Finding, ev: dict, settings: Settings) -> Remediation:
    plan = _Plan(f, {"workspace": f.object_id, "workspace_name": shown(f.object_name), "region": f.region})
    ws = _workspace_id(f)
    if ws is None:
        plan.step("console")
    else:
        plan.step("standard", call=_call("dataworks", "UpdateProject", {"Id": ws, "DevEnvironmentEnabled": True}))
    return plan.done()


def _compute_isolation(f: Finding, ev: dict, settings: Settings) -> Remediation:
    dev = [e for e in ev.get("dev") or [] if isinstance(e, Mapping)]
    prod = [e for e in ev.get("prod") or [] if isinstance(e, Mapping)]
    others = [shown(o) for o in ev.get("dev_target_of") or []]
    same = sorted({e.get("target") for e in dev} & {e.get("target") for e in prod} - {None})
    values = {"resource": shown(f.object_name), "workspace": f.workspace_id, "region": f.region}
    plan = _Plan(f, values)
    if same and dev:
        dev_ids = ", ".join(str(e.get("id")) for e in dev if e.get("id")) or "not reported"
        plan.step("isolate", dev_id=dev_ids, problem=f"The Dev and Prod entries of {shown(f.object_name)} point at "
                                                    f"the same target ({', '.join(same)}).")
    if others:
        prod_targets = ", ".join(sorted({str(e.get("target")) for e in prod})) or "its production target"
        plan.step("shared_target", others=others, prod_target=prod_targets)
    if not plan.steps:
        return _fallback(f, f"the evidence does not say which entry of {shown(f.object_name)} to change.")
    return plan.done()


def _admin_count(f: Finding, ev: dict, settings: Settings) -> Remediation:
    admins = [a for a in ev.get("admins") or [] if isinstance(a, Mapping) and a.get("UserId")]
    ws = _workspace_id(f)
    limit = ev.get("max_admins", settings.max_admins)
    count = ev.get("count_with_owner") if ev.get("count_owner_as_admin") else ev.get("count")
    count = count if isinstance(count, int) else len(admins)
    if not admins or ws is None:
        return _fallback(f, "the evidence does not list the administrators of the workspace.")
    names = [f"{shown(a.get('UserName') or a['UserId'])} ({a['UserId']})" for a in admins]
    plan = _Plan(f, {"workspace": f.object_id, "workspace_name": shown(f.object_name), "region": f.region,
                     "max_admins": limit, "count": count, "remove": max(count - int(limit), 1),
                     "admin_names": names})
    for a in admins:
        call = _call("dataworks", "RevokeMemberProjectRoles",
                     {"ProjectId": ws, "UserId": str(a["UserId"]), "RoleCodes": [ADMIN_ROLE]})
        plan.step("revoke", call=call, user_name=shown(a.get("UserName") or a["UserId"]), user_id=a["UserId"])
    return plan.done()


def _single_role(f: Finding, ev: dict, settings: Settings) -> Remediation:
    ws = _workspace_id(f)
    user_id = f.object_id.split("/", 1)[1] if "/" in f.object_id else ""
    roles = [r for r in ev.get("roles") or [] if isinstance(r, str)]
    revocable = [r for r in roles if r != OWNER_ROLE]
    if ws is None or not user_id or not revocable:
        return _fallback(f, "the evidence does not name the member's roles.")
    plan = _Plan(f, {"workspace": f.workspace_id, "region": f.region, "user_name": shown(f.object_name),
                     "user_id": user_id, "roles": roles})
    for role in revocable:
        call = _call("dataworks", "RevokeMemberProjectRoles", {"ProjectId": ws, "UserId": user_id, "RoleCodes": [role]})
        plan.step("revoke", call=call, role=role)
    return plan.done()


def _schedule_login(f: Finding, ev: dict, settings: Settings) -> Remediation:
    name = ev.get("UserName")
    if not isinstance(name, str) or not name:
        return _fallback(f, f"the evidence does not hold the user name of RAM user {f.object_id}, which "
                            "DeleteLoginProfile needs: RAM console > Users > the user > disable console logon.")
    plan = _Plan(f, {"user_name": shown(name), "user_id": ev.get("UserId") or f.object_id,
                     "account": f.account_id or "*", "scheduling_for": ev.get("scheduling_for") or [],
                     "region": f.region})
    plan.step("logon", call=_call("ram", "DeleteLoginProfile", {"UserName": name}), automatable=True)
    return plan.done()


def _code_review(f: Finding, ev: dict, settings: Settings) -> Remediation:
    plan = _Plan(f, {"workspace": f.object_id, "workspace_name": shown(f.object_name), "region": f.region})
    plan.step("mandatory")
    if ev.get("legacy_not_verifiable"):
        plan.step("legacy")
    unreviewed = [f"task {shown(t)}" for t in ev.get("unreviewed") or []]
    if unreviewed:
        plan.step("review", unreviewed=unreviewed)
    return plan.done()


def _deploy_separation(f: Finding, ev: dict, settings: Settings) -> Remediation:
    deps = [d for d in ev.get("deployments") or [] if isinstance(d, Mapping)]
    same = [d for d in deps if d.get("deployer") and d.get("deployer") == d.get("developer")]
    if not same:
        return _fallback(f, "the evidence does not name the deployer and the developer.")
    developers = sorted({str(d["developer"]) for d in same})
    described = [f"{d.get('source') or 'a deployment'} at {d.get('time') or 'an unreported time'} by {d['deployer']}"
                 for d in same]
    plan = _Plan(f, {"workspace": f.workspace_id, "region": f.region, "task": shown(f.object_name),
                     "object_id": f.object_id, "deployments": described, "developers": developers})
    plan.step("roles")
    plan.step("review")
    return plan.done()


# --- platform_config -----------------------------------------------------------------------------------

def _same(value: Any, wanted: str) -> bool:
    return isinstance(value, str) and value.lower() == wanted.lower()


def _trail_gaps(t: Mapping, reading: str) -> dict[str, Any]:
    gaps: dict[str, Any] = {}
    if reading in ("strict", "intact"):
        if not _same(t.get("EventRW"), "All"):
            gaps["EventRW"] = t.get("EventRW")
        if not _same(t.get("TrailRegion"), "All"):
            gaps["TrailRegion"] = t.get("TrailRegion")
    if reading == "strict" and not t.get("destinations"):
        gaps["destination"] = None
    return gaps


def _stopped(t: Mapping) -> bool:
    return not _same(t.get("Status"), "Enable") or t.get("IsLogging") is not True


def _foreign(t: Mapping, account: Optional[str]) -> bool:
    """A multi-account trail of another account (the management account): this account cannot change it."""
    if not t.get("IsOrganizationTrail"):
        return False
    owner = t.get("owner_account")
    return owner is None or owner != account


def _actiontrail(f: Finding, ev: dict, settings: Settings) -> Remediation:
    reading = ev.get("reading") or settings.trail_reading
    trails = [t for t in ev.get("trails") or [] if isinstance(t, Mapping) and t.get("Name")]
    region = f.region
    base = {"region": region}
    own = [t for t in trails if not _foreign(t, f.account_id)]
    # 1. An own trail that only needs starting: the one automatable fix (in its home region, the finding's).
    ready = [t for t in own if _stopped(t) and not _trail_gaps(t, reading)]
    if ready:
        t = sorted(ready, key=lambda t: (t.get("HomeRegion") != region, str(t["Name"])))[0]
        plan = _Plan(f, {**base, "trail": shown(t["Name"]), "home_region": t.get("HomeRegion") or region})
        automatable = (t.get("HomeRegion") or region) == region and bool(TRAIL_NAME.fullmatch(str(t["Name"])))
        plan.step("start", call=_call("actiontrail", "StartLogging", {"Name": t["Name"]}), automatable=automatable)
        return plan.done(summary=f"Start logging of the stopped trail {shown(t['Name'])} so that ActionTrail in "
                                 f"{region} audits DataWorks operations (reading {reading}).")
    # 2. An own trail that needs changing (and maybe starting): the closest one.
    if own:
        t = min(own, key=lambda t: (len(_trail_gaps(t, reading)) + _stopped(t), str(t["Name"])))
        gaps = _trail_gaps(t, reading)
        plan = _Plan(f, {**base, "trail": shown(t["Name"]), "home_region": t.get("HomeRegion") or region})
        settable = {k: "All" for k in ("EventRW", "TrailRegion") if k in gaps}
        if settable:
            what = " and ".join({"EventRW": "all events (EventRW All)", "TrailRegion": "all regions (TrailRegion All)"}[k]
                                for k in settable)
            earlier = ", ".join(f"{k} {_text(gaps[k])}" for k in settable)
            plan.step("update", call=_call("actiontrail", "UpdateTrail", {"Name": t["Name"], **settable}),
                      what=what, earlier=earlier)
        if "destination" in gaps:
            plan.step("destination")
        if _stopped(t):
            plan.step("start", call=_call("actiontrail", "StartLogging", {"Name": t["Name"]}))
        return plan.done(summary=f"Make trail {shown(t['Name'])} audit DataWorks operations of {region} "
                                 f"(reading {reading}).")
    # 3. Only other accounts' multi-account trails: ask their owner, or create one of this account.
    foreign = [t for t in trails if _foreign(t, f.account_id)]
    plan = _Plan(f, {**base, "trail": NEW_TRAIL, "home_region": region})
    for t in foreign[:1]:
        gaps = _trail_gaps(t, reading)
        wants = [w for w, on in (("start logging", _stopped(t)), ("record all events in all regions",
                 "EventRW" in gaps or "TrailRegion" in gaps), ("deliver to a destination", "destination" in gaps)) if on]
        plan.step("organization", trail=shown(t["Name"]), home_region=t.get("HomeRegion") or "not reported",
                  owner=t.get("owner_account") or "the management account (not reported)",
                  what=" and ".join(wants) or "make it qualify")
    plan.step("create")
    plan.step("start_new", call=_call("actiontrail", "StartLogging", {"Name": NEW_TRAIL}))
    return plan.done(summary=f"Give {region} an ActionTrail trail that audits DataWorks operations "
                             f"(reading {reading}): create {NEW_TRAIL}, then start it.")


_PLANS = {
    "maxcompute_permission_model": _permission_model,
    "maxcompute_download_control": _download_control,
    "maxcompute_data_protection": _data_protection,
    "maxcompute_storage_encryption": _storage_encryption,
    "emr_security_mode": _emr,
    "datasource_access_control": _access_control,
    "datasource_env_isolation": _env_isolation,
    "datasource_oss_access_mode": _oss_access,
    "workspace_standard_mode": _standard_mode,
    "compute_env_isolation": _compute_isolation,
    "workspace_admin_count": _admin_count,
    "member_single_role": _single_role,
    "schedule_identity_login": _schedule_login,
    "code_review_enabled": _code_review,
    "deploy_separation": _deploy_separation,
    "actiontrail_audit": _actiontrail,
}


@functools.lru_cache(maxsize=1)
def _default_settings() -> Settings:
    """Read once: a run writes a plan for each of its fails, and reading the environment is not free."""
    return Settings()


def public(finding: Finding) -> dict:
    """The finding as written out, with its plan when it is a `fail` (made as it is written, never kept:
    a large run has tens of thousands of fails)."""
    doc = finding.public()
    plan = plan_for(finding) if finding.remediation is None else None
    if plan is not None:
        doc["remediation"] = plan.model_dump(mode="json", exclude_none=True)
    return doc


def plan_for(finding: Finding, settings: Optional[Settings] = None, *,
             min_retention_days: Optional[int] = None) -> Optional[Remediation]:
    """The remediation plan of a `fail` finding; None for any other status.

    `min_retention_days` is the backup retention the maxcompute_backup plan sets; by default the minimum the
    finding was judged against (its evidence's `min_retention_days`), else `Settings().min_retention_days`.
    """
    if finding.status is not Status.fail:
        return None
    settings = settings or _default_settings()
    ev = finding.evidence.to_dict() if hasattr(finding.evidence, "to_dict") else dict(finding.evidence)
    if finding.item_id == "maxcompute_backup":
        return _backup(finding, ev, settings, min_retention_days)
    build = _PLANS.get(finding.item_id)
    if build is None:
        return _fallback(finding, "dwdiag has no step-by-step plan for this item.")
    return build(finding, ev, settings)
