"""Rules of `data_production` about who holds which workspace roles: how many administrators a workspace
has (`workspace_admin_count`) and whether a member holds more than one role (`member_single_role`)."""

from __future__ import annotations

from datetime import datetime
from typing import Optional

from dwdiag.checks import FAIL, MANUAL, PASS, Outcome, in_workspace, per_workspace, rule, workspace_obj
from dwdiag.models.common import same
from dwdiag.models.data_production import DataProductionEvidence, Member, WorkspaceProduction

ADMIN, OWNER, DEV = "role_project_admin", "role_project_owner", "role_project_dev"
CONFLICTS_WITH_DEV = frozenset({"role_project_deploy", "role_project_pe", ADMIN})


def _role_codes(member: Member) -> list[str]:
    return sorted({r.code.strip().lower() for r in member.roles if r.code})


def _owner_reading(setting: Optional[bool]) -> str:
    return {True: "counting the owner", False: "not counting the owner"}.get(setting, "with or without the owner")


@rule
def workspace_admin_count(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#workspace_admin_count."""
    limit, owner_counts = settings.max_admins, settings.count_owner_as_admin
    return per_workspace(ev, "dataworks_workspace", lambda ws: _admin_count(ws, limit, owner_counts),
                         list_error=lambda ws: ws.members_error, listing="Administrators")


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


@rule
def member_single_role(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#member_single_role."""
    sod, owner_counts = settings.member_roles_mode == "separation_of_duties", settings.count_owner_role

    def judge(ws: WorkspaceProduction) -> list[Outcome]:
        return [_member_roles(ws, m, sod, owner_counts) for m in ws.members]

    return per_workspace(ev, "dataworks_member", judge, list_error=lambda ws: ws.members_error, listing="Members")


def _member_roles(ws: WorkspaceProduction, m: Member, sod: bool, owner_counts: Optional[bool]) -> Outcome:
    obj = in_workspace("dataworks_member", ws.workspace, m.user_id, m.user_name)
    codes = _role_codes(m)
    counted = codes if owner_counts else [c for c in codes if c != OWNER]
    evidence = {"roles": codes, "Status": m.status, "mode": "separation_of_duties" if sod else "any",
                "count_owner_role": owner_counts}
    who = f"Member {m.user_name or m.user_id} of workspace {ws.workspace.label}"
    clash = sod and DEV in codes and bool(CONFLICTS_WITH_DEV & set(codes))
    # Where the owner role is among them, the result says how it was taken (DWDIAG_COUNT_OWNER_ROLE).
    owner = f" ({_owner_reading(owner_counts)} role, DWDIAG_COUNT_OWNER_ROLE)" if OWNER in codes and not sod else ""
    if (not sod and len(counted) >= 2) or clash:
        return Outcome(FAIL, obj, f"{who} holds {len(codes)} roles: {', '.join(codes)}{owner}.", evidence)
    if not sod and owner_counts is None and len(codes) >= 2:
        return Outcome(MANUAL, obj, f"{who} holds {', '.join(codes)}: two roles only if the workspace owner role "
                       "counts, which the documentation does not say; decide with DWDIAG_COUNT_OWNER_ROLE.",
                       evidence)
    return Outcome(PASS, obj, f"{who} holds {len(codes)} role(s){': ' + ', '.join(codes) if codes else ''}{owner}.",
                   evidence)
