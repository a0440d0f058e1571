"""Rules of `data_production`: workspace mode, engine isolation, members, identities, review, deployment."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from dwdiag.checks import (
    Outcome, available, error, everything, everything_in, in_workspace, rule, workspace_obj,
)
from dwdiag.models.common import EnvEntry, get_ci, same
from dwdiag.models.computing_storage import ComputeResourceGroup
from dwdiag.models.data_production import DataProductionEvidence, Member, WorkspaceProduction
from dwdiag.models.findings import Status
from dwdiag.redact import is_secret_key

PASS, FAIL, ERROR, MANUAL, NA = Status.passed, Status.fail, Status.error, Status.manual, Status.not_applicable

ADMIN, OWNER, DEV = "role_project_admin", "role_project_owner", "role_project_dev"
CONFLICTS_WITH_DEV = frozenset({"role_project_deploy", "role_project_pe", ADMIN})


def _workspaces_failed(ev: DataProductionEvidence, object_type: str) -> Optional[list[Outcome]]:
    if ev.workspaces_error:
        return [error(everything(object_type), ev.workspaces_error, "DataWorks workspaces")]
    return None


@rule("workspace_standard_mode")
def workspace_standard_mode(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#workspace_standard_mode."""
    failed_list = _workspaces_failed(ev, "dataworks_workspace")
    if failed_list:
        return failed_list
    out = []
    for ws in ev.workspaces:
        w, obj = ws.workspace, workspace_obj(ws.workspace)
        evidence = {"Status": w.status, "DevEnvironmentEnabled": w.dev_environment_enabled}
        if not w.available:
            out.append(Outcome(NA, obj, f"Workspace {w.label} is {w.status}; only Available workspaces are "
                               "checked.", evidence))
        elif w.dev_environment_enabled is None:
            out.append(Outcome(ERROR, obj, f"ListProjects did not report DevEnvironmentEnabled for workspace "
                               f"{w.label}, so its mode is unknown.", evidence))
        elif w.dev_environment_enabled:
            out.append(Outcome(PASS, obj, f"Workspace {w.label} is in standard mode.", evidence))
        else:
            out.append(Outcome(FAIL, obj, f"Workspace {w.label} is in basic mode: development and production "
                               "are not separated.", evidence))
    return out


# --- compute engine isolation -----------------------------------------------------------------

ENGINE_IDENTITY = frozenset(
    {"envtype", "authtype", "authidentity", "crossaccountownerid", "crossaccountrolename", "accessid",
     "accesskeyid", "username", "password"}
)


def engine_target(resource_type: str, props: Optional[dict[str, Any]]) -> Optional[tuple]:
    """What a compute resource entry points at; None when the answer does not say."""
    kind = resource_type.strip().lower()
    if kind == "maxcompute":
        keys = ("project",)
    elif kind == "hologres":
        keys = ("instanceId", "database")
    elif kind.startswith("emr"):
        cluster = get_ci(props, "clusterId", "emrClusterId", "clusterIdentifier")
        return (kind, str(cluster)) if cluster else None
    else:
        rest = {str(k).lower(): v for k, v in (props or {}).items()
                if str(k).lower() not in ENGINE_IDENTITY and not is_secret_key(str(k))}
        return (kind, tuple(sorted((k, str(v)) for k, v in rest.items()))) if rest else None
    values = [get_ci(props, k) for k in keys]
    if any(v in (None, "") for v in values):
        return None
    return (kind, *(str(v) for v in values))


@rule("compute_env_isolation")
def compute_env_isolation(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#compute_env_isolation."""
    failed_list = _workspaces_failed(ev, "dataworks_compute_resource")
    if failed_list:
        return failed_list
    out: list[Outcome] = []
    for ws in available(ev.workspaces):
        if ws.compute_resources_error:
            out.append(error(everything_in("dataworks_compute_resource", ws.workspace),
                             ws.compute_resources_error, f"Compute resources of workspace {ws.workspace.label}"))
            continue
        dev_targets = _dev_targets(ws.compute_resources)
        out.extend(_engine_isolation(ws, g, dev_targets) for g in ws.compute_resources)
    return out


def _dev_targets(groups: list[ComputeResourceGroup]) -> dict[tuple, list[str]]:
    index: dict[tuple, list[str]] = {}
    for g in groups:
        for e in g.entries:
            target = engine_target(g.type, e.connection_properties) if e.is_dev else None
            if target:
                index.setdefault(target, []).append(g.name)
    return index


def _engine_isolation(ws: WorkspaceProduction, g: ComputeResourceGroup, dev_targets: dict) -> Outcome:
    w = ws.workspace
    obj = in_workspace("dataworks_compute_resource", w, g.name)
    name = f"Compute resource {g.name} ({g.type}) in workspace {w.label}"
    if not w.standard_mode:
        return Outcome(NA, obj, f"{name}: the workspace is in basic mode, with no development environment.",
                       {"DevEnvironmentEnabled": w.dev_environment_enabled})
    broken = [e for e in g.entries if e.connection_properties_error]
    if broken:
        return Outcome(ERROR, obj, f"{name} could not be checked: entry {broken[0].id} has "
                       f"{broken[0].connection_properties_error}.", {"entry_id": broken[0].id})
    prod = [(e, engine_target(g.type, e.connection_properties)) for e in g.entries if e.is_prod]
    dev = [(e, engine_target(g.type, e.connection_properties)) for e in g.entries if e.is_dev]
    evidence = {"dev": [_shown(e, t) for e, t in dev], "prod": [_shown(e, t) for e, t in prod]}
    own_dev = {t for _, t in dev if t}
    for _, target in prod:
        if target and target in own_dev:
            return Outcome(FAIL, obj, f"{name} uses the same engine target in Dev and Prod "
                           f"({_describe(target)}).", evidence)
        others = [n for n in dev_targets.get(target, []) if n != g.name] if target else []
        if others:
            evidence["dev_target_of"] = others
            return Outcome(FAIL, obj, f"{name} runs production on {_describe(target)}, which is the Dev target "
                           f"of {', '.join(others)}.", evidence)
    if prod and all(t for _, t in prod) and (not dev or all(t for _, t in dev)):
        return Outcome(PASS, obj, f"{name} has separate Dev and Prod engine targets.", evidence)
    if not prod:
        return Outcome(PASS, obj, f"{name} has no Prod entry, so production cannot share its engine.", evidence)
    return Outcome(MANUAL, obj, f"{name}: the engine target is not in its connection properties, so whether "
                   "Dev and Prod share it must be checked in the console.", evidence)


def _shown(entry: EnvEntry, target: Optional[tuple]) -> dict[str, Any]:
    return {"id": entry.id, "env": entry.env_type, "target": _describe(target) if target else None}


def _describe(target: tuple) -> str:
    kind, *rest = target
    if rest and isinstance(rest[0], tuple):
        return f"{kind} " + ", ".join(f"{k}={v}" for k, v in rest[0])
    return f"{kind} " + "/".join(str(r) for r in rest)


# --- members ----------------------------------------------------------------------------------

def _role_codes(member: Member) -> list[str]:
    return sorted({r.code.strip().lower() for r in member.roles if r.code})


def _owner_reading(setting: Optional[bool]) -> str:
    return {True: "counting the owner", False: "not counting the owner"}.get(setting, "with or without the owner")


@rule("workspace_admin_count")
def workspace_admin_count(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#workspace_admin_count."""
    failed_list = _workspaces_failed(ev, "dataworks_workspace")
    if failed_list:
        return failed_list
    out = []
    for ws in available(ev.workspaces):
        w, obj = ws.workspace, workspace_obj(ws.workspace)
        if ws.members_error:
            out.append(error(obj, ws.members_error, f"Administrators of workspace {w.label}"))
            continue
        out.append(_admin_count(ws, settings.max_admins, settings.count_owner_as_admin))
    return out


def _holders(ws: WorkspaceProduction, roles: set[str]) -> list[tuple[str, str]]:
    return sorted({m.user_id: m.user_name or m.user_id for m in ws.members
                   if same(m.status, "Normal") and roles & set(_role_codes(m))}.items())


def _admin_count(ws: WorkspaceProduction, limit: int, owner_counts: Optional[bool]) -> Outcome:
    w, obj = ws.workspace, workspace_obj(ws.workspace)
    admins, with_owner = _holders(ws, {ADMIN}), _holders(ws, {ADMIN, OWNER})
    counted = with_owner if owner_counts else admins
    evidence = {"admins": [{"UserId": uid, "UserName": name} for uid, name in counted],
                "count": len(counted), "count_with_owner": len(with_owner), "max_admins": limit,
                "count_owner_as_admin": owner_counts}
    names = ", ".join(n for _, n in counted)
    if len(counted) > limit:
        return Outcome(FAIL, obj, f"Workspace {w.label} has {len(counted)} administrators, more than {limit} "
                       f"({_owner_reading(owner_counts)}): {names}.", evidence)
    if owner_counts is None and len(with_owner) > limit:
        return Outcome(MANUAL, obj, f"Workspace {w.label} has {len(admins)} administrator(s), within the limit of "
                       f"{limit}, but {len(with_owner)} with its owner; whether the owner counts is not documented: "
                       "decide with DWDIAG_COUNT_OWNER_AS_ADMIN.", evidence)
    note = f", {_owner_reading(owner_counts)}" if len(with_owner) != len(admins) else ""
    return Outcome(PASS, obj, f"Workspace {w.label} has {len(counted)} administrator(s), within the limit of "
                   f"{limit}{note}.", evidence)


@rule("member_single_role")
def member_single_role(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#member_single_role."""
    failed_list = _workspaces_failed(ev, "dataworks_member")
    if failed_list:
        return failed_list
    sod = settings.member_roles_mode == "separation_of_duties"
    out = []
    for ws in available(ev.workspaces):
        if ws.members_error:
            out.append(error(everything_in("dataworks_member", ws.workspace), ws.members_error,
                             f"Members of workspace {ws.workspace.label}"))
            continue
        for m in ws.members:
            out.append(_member_roles(ws, m, sod, settings.count_owner_role))
    return out


def _member_roles(ws: WorkspaceProduction, m: Member, sod: bool, owner_counts: Optional[bool]) -> Outcome:
    obj = in_workspace("dataworks_member", ws.workspace, m.user_id, m.user_name)
    codes = _role_codes(m)
    counted = codes if owner_counts else [c for c in codes if c != OWNER]
    evidence = {"roles": codes, "Status": m.status, "mode": "separation_of_duties" if sod else "any",
                "count_owner_role": owner_counts}
    who = f"Member {m.user_name or m.user_id} of workspace {ws.workspace.label}"
    clash = sod and DEV in codes and bool(CONFLICTS_WITH_DEV & set(codes))
    if (not sod and len(counted) >= 2) or clash:
        return Outcome(FAIL, obj, f"{who} holds {len(codes)} roles: {', '.join(codes)}.", evidence)
    if not sod and owner_counts is None and len(codes) >= 2:
        return Outcome(MANUAL, obj, f"{who} holds {', '.join(codes)}: two roles only if the workspace owner role "
                       "counts, which the documentation does not say; decide with DWDIAG_COUNT_OWNER_ROLE.",
                       evidence)
    return Outcome(PASS, obj, f"{who} holds {len(codes)} role(s){': ' + ', '.join(codes) if codes else ''}.",
                   evidence)
