"""Rules: one pure function per item, (evidence, settings, now) -> outcomes. No network, no clock.

A rule decides the status and writes the result sentence; evaluation (dwdiag.evaluate) adds what the
catalog and the settings know (risk level, suggestion, fingerprint) to make a Finding.

A rule is a function named after its item and registered with a bare `@rule`; what most rules share
(one result per workspace, an unreadable Dev/Prod entry) is in the helpers below, so that a rule states
only its judgement. The category modules: `computing_storage`, `data_transmission`, `data_production/`
(a package, one module per part of the category) and `platform_config`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from dwdiag.catalog import ITEM_IDS
from dwdiag.models.common import CallError, EnvEntry, Workspace
from dwdiag.models.findings import Status

RuleFn = Callable[..., list["Outcome"]]
RULES: dict[str, RuleFn] = {}

PASS, FAIL, ERROR, MANUAL, NA = Status.passed, Status.fail, Status.error, Status.manual, Status.not_applicable

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


def rule(fn: RuleFn) -> RuleFn:
    """Register `fn` as the rule of the item it is named after (`def code_review_enabled(...)`).

    The name must be a catalog item id and each item has one rule: either mistake fails at import."""
    if not callable(fn):
        raise TypeError(f"@rule takes no item id ({fn!r}): name the rule function after its item")
    item_id = fn.__name__
    if item_id not in ITEM_IDS:
        raise RuntimeError(f"rule {fn.__module__}.{item_id}: no catalog item has this id")
    if item_id in RULES:
        raise RuntimeError(f"two rules for {item_id}")
    RULES[item_id] = fn
    return fn


# --- objects ----------------------------------------------------------------------------------

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


# --- errors -----------------------------------------------------------------------------------

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


def unreadable_entry(obj: Obj, name: str, entries: Iterable[EnvEntry]) -> Optional[Outcome]:
    """`error` for a data source or compute resource with an entry whose ConnectionProperties did not
    parse (the first such entry is named); None when every entry is readable. `name` starts the sentence."""
    broken = next((e for e in entries if e.connection_properties_error), None)
    if broken is None:
        return None
    return Outcome(ERROR, obj, f"{name} could not be checked: entry {broken.id} has "
                   f"{broken.connection_properties_error}.", {"entry_id": broken.id})


# --- workspaces -------------------------------------------------------------------------------

def available(workspaces: Iterable[Any]) -> Iterator[Any]:
    """Workspace-scoped evidence for Available workspaces only (others are being created or deleted).
    One at a time: a packed list (models/packed.py) unpacks each workspace only while it is read."""
    return (w for w in workspaces if w.workspace.available)


def workspaces_unlisted(ev: Any, object_type: str) -> list[Outcome]:
    """The one `error` standing for every object of the type when the workspaces themselves could not
    be listed; empty when they were. `return workspaces_unlisted(ev, t) or ...` guards a rule."""
    if ev.workspaces_error:
        return [error(everything(object_type), ev.workspaces_error, "DataWorks workspaces")]
    return []


Judgement = Union[Outcome, Iterable[Outcome]]


def per_workspace(ev: Any, object_type: str, judge: Callable[[Any], Judgement], *,
                  list_error: Optional[Callable[[Any], Optional[CallError]]] = None, listing: str = "",
                  include_unavailable: bool = False) -> list[Outcome]:
    """The outcomes of a rule judged workspace by workspace, in the order of the evidence.

    `ev` has `workspaces` (workspace-scoped evidence, each with `.workspace`) and `workspaces_error`.
    If the workspaces could not be listed: one `error` for all objects of `object_type`. Else, for each
    Available workspace (every workspace with `include_unavailable`): if `list_error(ws)` gives the error
    of the list the rule reads, one `error` "<listing> of workspace <label> could not be checked: ...",
    about all objects of the type in the workspace (the workspace itself for `dataworks_workspace`);
    otherwise what `judge(ws)` decides, one outcome or several."""
    if (list_error is None) != (not listing):
        raise TypeError("per_workspace: give list_error and listing together")
    unlisted = workspaces_unlisted(ev, object_type)
    if unlisted:
        return unlisted
    out: list[Outcome] = []
    for ws in ev.workspaces if include_unavailable else available(ev.workspaces):
        err = list_error(ws) if list_error is not None else None
        if err is not None:
            out.append(error(_all_in(object_type, ws.workspace), err, f"{listing} of workspace {ws.workspace.label}"))
            continue
        judged = judge(ws)
        if isinstance(judged, Outcome):
            out.append(judged)
        else:
            out.extend(judged)
    return out


def _all_in(object_type: str, ws: Workspace) -> Obj:
    return workspace_obj(ws) if object_type == "dataworks_workspace" else everything_in(object_type, ws)


def load_all() -> dict[str, RuleFn]:
    """Import every category module so its rules register; returns the registry."""
    from dwdiag.checks import (  # noqa: F401
        computing_storage, data_production, data_transmission, platform_config,
    )

    return RULES
