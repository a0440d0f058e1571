"""Rules: one pure function per item, (evidence, settings, now) -> outcomes. No network, no clock.

A rule decides the status and writes the result sentence; evaluation (dwdiag.evaluate) adds what the
catalog and the settings know (risk level, suggestion, fingerprint) to make a Finding.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional

from dwdiag.models.common import CallError, Workspace
from dwdiag.models.findings import Status

RuleFn = Callable[..., list["Outcome"]]
RULES: dict[str, RuleFn] = {}

# DataWorks roles an API needs, named in `error` results when the call was denied.
ROLE_HINTS = {
    "ListSecurityStrategies": "the DataWorks tenant administrator or security administrator role",
    "ListDataSourceSharedRules": "the tenant owner, tenant administrator or workspace administrator role",
    "ListDataSources": "a workspace role such as Workspace Administrator, Develop, Deploy or Visitor",
    "ListProjectMembers": "a workspace role in the workspace, or the tenant administrator role",
    "ListCodeReviews": "a workspace role in the workspace (for example Workspace Administrator)",
}


@dataclass(frozen=True)
class Obj:
    """What a result is about (spec: object conventions)."""

    type: str
    id: str
    name: str
    workspace_id: Optional[str] = None


@dataclass(frozen=True)
class Outcome:
    status: Status
    obj: Obj
    result: str
    evidence: dict[str, Any] = field(default_factory=dict)


def rule(item_id: str) -> Callable[[RuleFn], RuleFn]:
    def register(fn: RuleFn) -> RuleFn:
        if item_id in RULES:
            raise RuntimeError(f"two rules for {item_id}")
        RULES[item_id] = fn
        return fn

    return register


def workspace_obj(ws: Workspace) -> Obj:
    return Obj("dataworks_workspace", ws.id, ws.label, ws.id)


def in_workspace(object_type: str, ws: Workspace, local_id: str, name: Optional[str] = None) -> Obj:
    return Obj(object_type, f"{ws.id}/{local_id}", name or local_id, ws.id)


def everything_in(object_type: str, ws: Workspace) -> Obj:
    """Stands for all objects of a type in a workspace, when they could not be listed."""
    return Obj(object_type, f"{ws.id}/*", f"all {_plural(object_type)} of workspace {ws.label}", ws.id)


def everything(object_type: str, region: str = "") -> Obj:
    """Stands for all objects of a type in the region, when they could not be listed."""
    where = f" in {region}" if region else ""
    return Obj(object_type, "*", f"all {_plural(object_type)}{where}", None)


_PLURALS = {
    "maxcompute_project": "MaxCompute projects", "dataworks_workspace": "workspaces",
    "dataworks_datasource": "data sources", "dataworks_compute_resource": "compute resources",
    "dataworks_member": "members", "dataworks_task": "tasks", "ram_user": "scheduling identities",
    "actiontrail": "trails",
}


def _plural(object_type: str) -> str:
    return _PLURALS.get(object_type, object_type + "s")


def plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def failed(err: CallError, what: str) -> str:
    """The sentence of an `error` result: which API failed, why, and the role it needs if denied."""
    text = f"{what} could not be checked: {err.describe()}."
    hint = ROLE_HINTS.get(err.operation)
    if err.denied and hint:
        text += f" The caller needs {hint}."
    return text


def error(obj: Obj, err: CallError, what: str, **evidence: Any) -> Outcome:
    return Outcome(Status.error, obj, failed(err, what), {"error": err.model_dump(exclude_none=True), **evidence})


def errors_in(*errors: Optional[CallError]) -> list[CallError]:
    return [e for e in errors if e is not None]


def available(workspaces: Iterable[Any]) -> Iterator[Any]:
    """Workspace-scoped evidence for Available workspaces only (others are being created or deleted).
    One at a time: a packed list (models/packed.py) unpacks each workspace only while it is read."""
    return (w for w in workspaces if w.workspace.available)


def load_all() -> dict[str, RuleFn]:
    """Import every category module so its rules register; returns the registry."""
    from dwdiag.checks import (  # noqa: F401
        computing_storage, data_production, data_transmission, identities, platform_config, production_flow,
    )

    return RULES
