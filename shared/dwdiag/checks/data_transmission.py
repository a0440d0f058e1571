"""Rules of `data_transmission`: data-source access control, Dev/Prod isolation, OSS access mode."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from dwdiag.checks import (
    ERROR, FAIL, MANUAL, NA, PASS, Outcome, error, errors_in, in_workspace, per_workspace, plural, rule,
    unreadable_entry, workspace_obj,
)
from dwdiag.models.common import get_ci, same
from dwdiag.models.data_transmission import (
    DataSourceEntry, DataSourceGroup, DataTransmissionEvidence, SecurityStrategy, WorkspaceDataSources,
)
from dwdiag.redact import is_secret_key

# Keys that say who connects rather than where to; `target` comparison ignores them.
IDENTITY_KEYS = frozenset(
    {"authtype", "authidentity", "username", "user", "accessid", "accesskeyid", "crossaccountownerid",
     "crossaccountrolename", "principal", "loginmode"}
)


def _covers(strategy: SecurityStrategy, workspace_id: str) -> bool:
    if strategy.enabled is not True or not same(strategy.control_module, "DataQuery"):
        return False
    return same(strategy.control_dw_scope, "Tenant") or workspace_id in strategy.workspaces


@rule
def datasource_access_control(ev: DataTransmissionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#datasource_access_control."""
    strict = settings.datasource_access_strict
    return per_workspace(ev, "dataworks_workspace", lambda ws: _access_control(ws, ev, strict),
                         list_error=lambda ws: ws.data_sources_error, listing="Data-source access control")


def _access_control(ws: WorkspaceDataSources, ev: DataTransmissionEvidence, strict: bool) -> Outcome:
    w, obj = ws.workspace, workspace_obj(ws.workspace)
    if not ws.data_sources:
        return Outcome(NA, obj, f"Workspace {w.label} has no data sources.", {"data_sources": 0})
    entries = [(g, e) for g in ws.data_sources for e in g.entries]
    sharing_errors = errors_in(*(e.shared_rules_error for _, e in entries))
    for err in [ev.security_strategies_error, *sharing_errors]:
        if err is not None:
            return error(obj, err, f"Data-source access control of workspace {w.label}")
    uncollected = sorted({g.name for g, e in entries if e.shared_rules is None})
    if uncollected:
        return Outcome(ERROR, obj, f"Data-source access control of workspace {w.label} could not be checked: the "
                       f"sharing rules of {', '.join(uncollected)} were not collected.",
                       {"data_sources_without_sharing_rules": uncollected})
    shared = [{"data_source": g.name, "env": e.env_type, "target_workspace": r.target_project_id,
               "shared_user": r.shared_user or None}
              for g, e in entries for r in (e.shared_rules or [])]
    whole = [s for s in shared if s["shared_user"] is None]
    covering = [{"id": s.id, "name": s.name, "scope": s.control_dw_scope}
                for s in ev.security_strategies if _covers(s, w.id)]
    evidence = {"data_sources": sorted({g.name for g, _ in entries}), "shared_rules": shared,
                "shared_with_whole_workspace": whole, "covering_dataquery_strategies": covering,
                "strict": strict}
    covered = plural(len(covering), "enabled DataQuery security strategy covers",
                     "enabled DataQuery security strategies cover")
    summary = (f"Workspace {w.label} has {plural(len(ws.data_sources), 'data source', 'data sources')}; "
               f"{plural(len(whole), 'sharing rule gives', 'sharing rules give')} a whole workspace access "
               f"({_targets(whole)}), and {covered} it.")
    if not strict:
        return Outcome(MANUAL, obj, summary + " No API says whether data-source permissions are managed: "
                       "confirm in the console (a waiver records the answer).", evidence)
    if whole or not covering:
        return Outcome(FAIL, obj, summary, evidence)
    return Outcome(PASS, obj, summary, evidence)


def _targets(rules: list[dict[str, Any]]) -> str:
    targets = sorted({str(r["target_workspace"]) for r in rules})
    return "targets " + ", ".join(targets) if targets else "none"


# --- Dev/Prod isolation -----------------------------------------------------------------------

def comparable(props: Optional[dict[str, Any]], target_only: bool) -> dict[str, Any]:
    """Connection properties without envType and secrets (and identities, for a target comparison)."""
    out = {}
    for key, value in (props or {}).items():
        norm = str(key).lower()
        if norm == "envtype" or is_secret_key(str(key)) or (target_only and norm in IDENTITY_KEYS):
            continue
        out[norm] = value.strip() if isinstance(value, str) else value
    return out


def _entries_by_env(group: DataSourceGroup) -> tuple[list[DataSourceEntry], list[DataSourceEntry]]:
    return [e for e in group.entries if e.is_dev], [e for e in group.entries if e.is_prod]


@rule
def datasource_env_isolation(ev: DataTransmissionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#datasource_env_isolation."""
    target_only = settings.datasource_isolation_compare == "target"

    def judge(ws: WorkspaceDataSources) -> list[Outcome]:
        return [_isolation(ws, g, target_only) for g in ws.data_sources]

    return per_workspace(ev, "dataworks_datasource", judge,
                         list_error=lambda ws: ws.data_sources_error, listing="Data sources")


def _isolation(ws: WorkspaceDataSources, group: DataSourceGroup, target_only: bool) -> Outcome:
    w = ws.workspace
    obj = in_workspace("dataworks_datasource", w, group.name)
    name = f"Data source {group.name} in workspace {w.label}"
    if not w.standard_mode:
        return Outcome(NA, obj, f"{name}: the workspace is in basic mode, which has no development "
                       "environment to isolate.", {"DevEnvironmentEnabled": w.dev_environment_enabled})
    unreadable = unreadable_entry(obj, name, group.entries)
    if unreadable:
        return unreadable
    dev, prod = _entries_by_env(group)
    if not dev or not prod:
        return _one_sided(obj, name, group, dev, prod)
    if not any(_comparable_pair(d, p, target_only) for d in dev for p in prod):
        return Outcome(MANUAL, obj, f"{name}: its Dev and Prod entries carry no QualifiedName or connection "
                       "properties to compare; check in the console where each points.",
                       _pair_evidence(dev[0], prod[0], target_only, None))
    for d in dev:
        for p in prod:
            same_target = _same_target(d, p, target_only)
            if same_target:
                return Outcome(FAIL, obj, f"{name} uses the same {same_target} in Dev (entry {d.id}) and "
                               f"Prod (entry {p.id}), so development work touches production data.",
                               _pair_evidence(d, p, target_only, same_target))
    return Outcome(PASS, obj, f"{name} has different Dev and Prod configurations.",
                   _pair_evidence(dev[0], prod[0], target_only, None))


def _one_sided(obj, name: str, group: DataSourceGroup, dev: list, prod: list) -> Outcome:
    """A data source of a standard-mode workspace has two sets of settings, one per environment. One entry
    means its other environment was never configured, or the API did not return it: never a pass."""
    envs = [e.env_type for e in group.entries]
    # What there is, as the evidence of the judgement (evaluate redacts passwords and keys in it).
    evidence = {"environments": envs, "entries": [
        {"id": e.id, "envType": e.env_type, "QualifiedName": e.qualified_name,
         "ConnectionProperties": e.connection_properties} for e in group.entries]}
    if prod or dev:
        which, other = ("Prod", "development") if prod else ("Dev", "production")
        return Outcome(MANUAL, obj, f"{name} has only a {which} entry, although a data source of a standard-mode "
                       f"workspace has settings for both environments: either its {other} settings were never "
                       "configured or the API did not return them; check in the console.", evidence)
    return Outcome(MANUAL, obj, f"{name} has entries whose envType is not Dev or Prod ({envs}); check in the "
                   "console which environment each one serves.", evidence)


def _comparable_pair(dev: DataSourceEntry, prod: DataSourceEntry, target_only: bool) -> bool:
    both_named = bool(dev.qualified_name and prod.qualified_name)
    both_described = bool(comparable(dev.connection_properties, target_only)
                          and comparable(prod.connection_properties, target_only))
    return both_named or both_described


def _same_target(dev: DataSourceEntry, prod: DataSourceEntry, target_only: bool) -> Optional[str]:
    if dev.qualified_name and prod.qualified_name and dev.qualified_name == prod.qualified_name:
        return "QualifiedName"
    a, b = comparable(dev.connection_properties, target_only), comparable(prod.connection_properties, target_only)
    if a and a == b:
        return "target" if target_only else "connection properties"
    return None


def _pair_evidence(dev: DataSourceEntry, prod: DataSourceEntry, target_only: bool,
                   matched: Optional[str]) -> dict[str, Any]:
    a, b = comparable(dev.connection_properties, target_only), comparable(prod.connection_properties, target_only)
    return {
        "matched_by": matched,
        "compare": "target" if target_only else "connection",
        "dev": {"id": dev.id, "QualifiedName": dev.qualified_name, "ConnectionProperties": dev.connection_properties},
        "prod": {"id": prod.id, "QualifiedName": prod.qualified_name,
                 "ConnectionProperties": prod.connection_properties},
        "differing_keys": sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)),
    }


# --- OSS access mode --------------------------------------------------------------------------

OSS_TYPES = ("oss", "oss_hdfs")


def _auth_mode(entry: DataSourceEntry) -> str:
    auth = get_ci(entry.connection_properties, "authType")
    if same(auth, "Ak") or (auth is None and get_ci(entry.connection_properties, "accessId")):
        return "Ak"
    if same(auth, "RamRole"):
        return "RamRole"
    return str(auth) if auth is not None else "not reported"


@rule
def datasource_oss_access_mode(ev: DataTransmissionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#datasource_oss_access_mode."""
    def judge(ws: WorkspaceDataSources) -> list[Outcome]:
        return [_oss_mode(ws, g) for g in ws.data_sources if g.type.strip().lower() in OSS_TYPES]

    return per_workspace(ev, "dataworks_datasource", judge,
                         list_error=lambda ws: ws.data_sources_error, listing="OSS data sources")


def _oss_mode(ws: WorkspaceDataSources, group: DataSourceGroup) -> Outcome:
    obj = in_workspace("dataworks_datasource", ws.workspace, group.name)
    name = f"OSS data source {group.name} in workspace {ws.workspace.label}"
    unreadable = unreadable_entry(obj, name, group.entries)
    if unreadable:
        return unreadable
    modes = [{"env": e.env_type, "entry_id": e.id, "authType": _auth_mode(e),
              "accessId": get_ci(e.connection_properties, "accessId")} for e in group.entries]
    evidence = {"entries": modes}
    ak = [m for m in modes if m["authType"] == "Ak"]
    if ak:
        envs = ", ".join(str(m["env"]) for m in ak)
        return Outcome(FAIL, obj, f"{name} stores an AccessKey pair (AccessKey mode in {envs}) instead of "
                       "using a RAM role.", evidence)
    if modes and all(m["authType"] == "RamRole" for m in modes):
        return Outcome(PASS, obj, f"{name} uses RAM role-based authorization.", evidence)
    seen = ", ".join(f"{m['env']}: {m['authType']}" for m in modes) or "no entries"
    return Outcome(MANUAL, obj, f"{name} uses an access mode the API does not document for OSS ({seen}); "
                   "check it in the console.", evidence)
