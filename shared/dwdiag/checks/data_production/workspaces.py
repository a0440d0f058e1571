"""Rules of `data_production` about the workspace itself: its mode (`workspace_standard_mode`) and whether
its compute engines keep development apart from production (`compute_env_isolation`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional

from dwdiag.checks import (
    ERROR, FAIL, MANUAL, NA, PASS, Outcome, in_workspace, per_workspace, rule, unreadable_entry, workspace_obj,
)
from dwdiag.models.common import EnvEntry, get_ci
from dwdiag.models.computing_storage import ComputeResourceGroup
from dwdiag.models.data_production import DataProductionEvidence, WorkspaceProduction
from dwdiag.redact import is_secret_key


@rule
def workspace_standard_mode(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#workspace_standard_mode."""
    return per_workspace(ev, "dataworks_workspace", _mode, include_unavailable=True)


def _mode(ws: WorkspaceProduction) -> Outcome:
    w, obj = ws.workspace, workspace_obj(ws.workspace)
    evidence = {"Status": w.status, "DevEnvironmentEnabled": w.dev_environment_enabled}
    if not w.available:
        return Outcome(NA, obj, f"Workspace {w.label} is {w.status}; only Available workspaces are checked.",
                       evidence)
    if w.dev_environment_enabled is None:
        return Outcome(ERROR, obj, f"ListProjects did not report DevEnvironmentEnabled for workspace {w.label}, "
                       "so its mode is unknown.", evidence)
    if w.dev_environment_enabled:
        return Outcome(PASS, obj, f"Workspace {w.label} is in standard mode.", evidence)
    return Outcome(FAIL, obj, f"Workspace {w.label} is in basic mode: development and production are not "
                   "separated.", evidence)


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


@rule
def compute_env_isolation(ev: DataProductionEvidence, settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#compute_env_isolation."""
    return per_workspace(ev, "dataworks_compute_resource", _engine_isolations,
                         list_error=lambda ws: ws.compute_resources_error, listing="Compute resources")


def _engine_isolations(ws: WorkspaceProduction) -> list[Outcome]:
    dev_targets = _dev_targets(ws.compute_resources)
    return [_engine_isolation(ws, g, dev_targets) for g in ws.compute_resources]


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
    unreadable = unreadable_entry(obj, name, g.entries)
    if unreadable:
        return unreadable
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
