"""Rules of `computing_storage`: MaxCompute project security properties and EMR access modes."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Callable, Optional

from dwdiag.checks import (
    ERROR, FAIL, MANUAL, PASS, Obj, Outcome, error, everything, everything_in, failed, in_workspace, per_workspace,
    rule,
)
from dwdiag.models.common import get_ci, same
from dwdiag.models.computing_storage import (
    EMR, NOT_EMR_TYPES, UNKNOWN_TYPE, CalcEngine, ComputeResourceGroup, ComputingStorageEvidence,
    MaxComputeProject, WorkspaceComputeResources,
)
from dwdiag.settings import Settings


def _project_obj(p: MaxComputeProject) -> Obj:
    return Obj("maxcompute_project", p.name, p.name, None)


def _per_project(ev: ComputingStorageEvidence, judge: Callable[[MaxComputeProject], Outcome]) -> list[Outcome]:
    """One outcome per project: `error` where its evidence did not load, else what `judge` decides."""
    if ev.maxcompute_projects_error:
        return [error(everything("maxcompute_project"), ev.maxcompute_projects_error, "MaxCompute projects")]
    return [error(_project_obj(p), p.error, f"MaxCompute project {p.name}") if p.error else judge(p)
            for p in ev.maxcompute_projects]


def _security(p: MaxComputeProject) -> Optional[dict[str, Any]]:
    if p.security_properties is None:
        return None
    return p.security_properties.model_dump(by_alias=True)


def _missing_security(p: MaxComputeProject) -> Outcome:
    return Outcome(ERROR, _project_obj(p),
                   f"GetProject for {p.name} returned no securityProperties, so its security settings "
                   "are unknown (the call must send verbose=true).", {"securityProperties": None})


def _permission_model(security: dict[str, Any], settings: Settings) -> tuple[str, Any]:
    field = settings.permission_model_field
    return f"securityProperties.{field}", get_ci(security, field)


@rule
def maxcompute_permission_model(ev: ComputingStorageEvidence, settings: Settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#maxcompute_permission_model."""
    def judge(p: MaxComputeProject) -> Outcome:
        security = _security(p)
        if security is None:
            return _missing_security(p)
        field, value = _permission_model(security, settings)
        if value is True:
            return Outcome(PASS, _project_obj(p), f"Project {p.name} has the V2.0 permission model on "
                           f"({field} = true).", {field: value})
        return Outcome(FAIL, _project_obj(p), f"Project {p.name} has the V2.0 permission model "
                       f"(column-level access control) off: {field} is {_shown(value)}.", {field: value})

    return _per_project(ev, judge)


@rule
def maxcompute_download_control(ev: ComputingStorageEvidence, settings: Settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#maxcompute_download_control."""
    def judge(p: MaxComputeProject) -> Outcome:
        security = _security(p)
        if security is None:
            return _missing_security(p)
        field, model = _permission_model(security, settings)
        download = security.get("enableDownloadPrivilege")
        evidence = {field: model, "securityProperties.enableDownloadPrivilege": download}
        obj = _project_obj(p)
        if model is not True:
            return Outcome(FAIL, obj, f"Project {p.name} cannot control downloads: the V2.0 permission "
                           f"model is off ({field} is {_shown(model)}).", evidence)
        if download is not True:
            return Outcome(FAIL, obj, f"Project {p.name} has the permission model on but download permission "
                           f"management off (enableDownloadPrivilege is {_shown(download)}).", evidence)
        return Outcome(PASS, obj, f"Project {p.name} controls Tunnel downloads (permission model on, "
                       "enableDownloadPrivilege = true).", evidence)

    return _per_project(ev, judge)


@rule
def maxcompute_data_protection(ev: ComputingStorageEvidence, settings: Settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#maxcompute_data_protection."""
    def judge(p: MaxComputeProject) -> Outcome:
        if p.security_properties is None:
            return _missing_security(p)
        protection = p.security_properties.project_protection
        protected = protection.protected if protection else None
        policy = (protection.exception_policy or "") if protection else ""
        evidence = {"projectProtection.protected": protected, "projectProtection.exceptionPolicy": policy or None}
        if protected is True:
            note = " with an exception policy (see evidence)" if policy.strip() else ""
            return Outcome(PASS, _project_obj(p), f"Project {p.name} has data protection on{note}.", evidence)
        return Outcome(FAIL, _project_obj(p), f"Project {p.name} has data protection off "
                       f"(projectProtection.protected is {_shown(protected)}), so data can be copied "
                       "out of the project.", evidence)

    return _per_project(ev, judge)


@rule
def maxcompute_storage_encryption(ev: ComputingStorageEvidence, settings: Settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#maxcompute_storage_encryption."""
    def judge(p: MaxComputeProject) -> Outcome:
        if p.properties is None:
            return Outcome(ERROR, _project_obj(p), f"GetProject for {p.name} returned no properties, so its "
                           "storage encryption is unknown.", {"properties": None})
        enc = p.properties.encryption
        enabled = enc.enable if enc else None
        evidence = {"encryption.enable": enabled, "encryption.algorithm": enc.algorithm if enc else None}
        if enabled is True:
            return Outcome(PASS, _project_obj(p), f"Project {p.name} encrypts its storage "
                           f"({enc.algorithm or 'algorithm not reported'}).", evidence)
        return Outcome(FAIL, _project_obj(p), f"Project {p.name} does not encrypt its storage "
                       f"(encryption.enable is {_shown(enabled)}).", evidence)

    return _per_project(ev, judge)


@rule
def maxcompute_backup(ev: ComputingStorageEvidence, settings: Settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#maxcompute_backup."""
    minimum = settings.min_retention_days

    def judge(p: MaxComputeProject) -> Outcome:
        days = p.properties.retention_days if p.properties else None
        evidence = {"retentionDays": days, "min_retention_days": minimum}
        obj = _project_obj(p)
        if days is None:
            return Outcome(ERROR, obj, f"GetProject for {p.name} did not report retentionDays, so its backup "
                           "setting is unknown.", evidence)
        if days == 0:
            return Outcome(FAIL, obj, f"Project {p.name} has backup off (retentionDays = 0).", evidence)
        if days < minimum:
            return Outcome(FAIL, obj, f"Project {p.name} keeps backups for {days} day(s), less than the "
                           f"required {minimum}.", evidence)
        return Outcome(PASS, obj, f"Project {p.name} keeps backups for {days} day(s).", evidence)

    return _per_project(ev, judge)


def _shown(value: Any) -> str:
    return "not reported" if value is None else json.dumps(value)


# --- EMR access mode --------------------------------------------------------------------------

SHORTCUT, SECURITY, UNKNOWN = "shortcut", "security", "unknown"


def _classify(value: Any) -> str:
    text = str(value).strip().lower() if value is not None else ""
    if text == "simple":
        return SHORTCUT
    if text in ("security", "safe"):
        return SECURITY
    return UNKNOWN


def _engine_mode(engine: CalcEngine) -> Any:
    info = engine.engine_info or {}
    mode = get_ci(info, "emrAccessMode")
    specs = get_ci(info, "specs")
    if mode is None and isinstance(specs, str):
        try:
            mode = get_ci(json.loads(specs), "emrAccessMode")
        except ValueError:
            mode = None
    elif mode is None and isinstance(specs, dict):
        mode = get_ci(specs, "emrAccessMode")
    return mode


def _env_of_engine(engine: CalcEngine) -> str:
    return "Prod" if same(engine.env_type, "PRD") or same(engine.env_type, "Prod") else "Dev"


def _emr_resources(ws: WorkspaceComputeResources, keys: list[str]) -> dict[str, list[dict[str, Any]]]:
    """Name -> the access-mode readings of each environment entry, from both API versions."""
    engines = [e for e in ws.emr_calc_engines if e.is_emr]
    resources: dict[str, list[dict[str, Any]]] = {}
    for group in _emr_groups(ws, engines):
        readings = resources.setdefault(group.name, [])
        for entry in group.entries:
            reading: dict[str, Any] = {"env": entry.env_type, "entry_id": entry.id}
            if entry.connection_properties_error:
                reading.update(source="error", error=entry.connection_properties_error)
                readings.append(reading)
                continue
            reading.update(source="ListComputeResources", value=None)
            for key in keys:
                value = get_ci(entry.connection_properties, key)
                if value is not None:
                    reading.update(key=key, value=value)
                    break
            readings.append(reading)
    for engine in engines:
        env = _env_of_engine(engine)
        readings = resources.setdefault(engine.name, [])
        same_env = [r for r in readings if same(r["env"], env)]
        if any(r.get("value") is not None or r["source"] == "error" for r in same_env):
            continue  # the 2024 answer already decided this environment
        reading = same_env[0] if same_env else {"env": env}
        reading.update(source="ListCalcEngines", engine_id=engine.engine_id, key="emrAccessMode",
                       value=_engine_mode(engine))
        if not same_env:
            readings.append(reading)
    return resources


def _emr_groups(ws: WorkspaceComputeResources, engines: list[CalcEngine]) -> list[ComputeResourceGroup]:
    """2024 groups of EMR type, or of an undocumented type that ListCalcEngines names as EMR."""
    emr_names = {e.name for e in engines}
    return [g for g in ws.compute_resources
            if g.emr_kind == EMR or (g.emr_kind == UNKNOWN_TYPE and g.name in emr_names)]


def _unknown_types(ws: WorkspaceComputeResources) -> list[ComputeResourceGroup]:
    emr_names = {e.name for e in ws.emr_calc_engines if e.is_emr}
    return [g for g in ws.compute_resources if g.emr_kind == UNKNOWN_TYPE and g.name not in emr_names]


@rule
def emr_security_mode(ev: ComputingStorageEvidence, settings: Settings, now: datetime) -> list[Outcome]:
    """Evidence and decisions: docs/evidence.md#emr_security_mode."""
    return per_workspace(ev, "dataworks_compute_resource", lambda ws: _emr_workspace(ws, settings.emr_access_mode_keys))


def _emr_workspace(ws: WorkspaceComputeResources, keys: list[str]) -> list[Outcome]:
    w = ws.workspace
    if ws.compute_resources_error and ws.emr_calc_engines_error:
        return [error(everything_in("dataworks_compute_resource", w), ws.compute_resources_error,
                      "EMR compute resources (both ListComputeResources and ListCalcEngines failed)",
                      second_error=ws.emr_calc_engines_error.model_dump(exclude_none=True))]
    out = []
    resources = _emr_resources(ws, keys)
    if ws.compute_resources_error and not resources:
        out.append(error(everything_in("dataworks_compute_resource", w), ws.compute_resources_error,
                         "EMR compute resources"))
    for name, readings in sorted(resources.items()):
        out.append(_emr_verdict(ws, name, readings))
    out.extend(_unknown_type(ws, g) for g in _unknown_types(ws))
    return out


def _unknown_type(ws: WorkspaceComputeResources, group: ComputeResourceGroup) -> Outcome:
    obj = in_workspace("dataworks_compute_resource", ws.workspace, group.name)
    evidence = {"Type": group.type, "entries": [{"id": e.id, "env": e.env_type} for e in group.entries],
                "documented_non_emr_types": sorted(NOT_EMR_TYPES)}
    return Outcome(MANUAL, obj, f"Compute resource {group.name} in workspace {ws.workspace.label} has type "
                   f"{group.type!r}, which is not a documented compute resource type; if it is an EMR cluster, "
                   "check in the console that it is registered in Security mode.", evidence)


def _emr_verdict(ws: WorkspaceComputeResources, name: str, readings: list[dict[str, Any]]) -> Outcome:
    obj = in_workspace("dataworks_compute_resource", ws.workspace, name)
    modes = [_classify(r.get("value")) for r in readings]
    evidence = {"access_modes": readings}
    where = f"EMR compute resource {name} in workspace {ws.workspace.label}"
    if SHORTCUT in modes:
        envs = ", ".join(str(r["env"]) for r, m in zip(readings, modes) if m == SHORTCUT)
        return Outcome(FAIL, obj, f"{where} is registered in Shortcut mode (access mode 'simple' in {envs}); "
                       "jobs run as the cluster's hadoop user.", evidence)
    if modes and all(m == SECURITY for m in modes):
        return Outcome(PASS, obj, f"{where} is registered in Security mode in every environment.", evidence)
    missing_2020 = ws.emr_calc_engines_error is not None
    if any(r["source"] == "error" for r in readings) or missing_2020:
        cause = ws.emr_calc_engines_error if missing_2020 else None
        text = failed(cause, f"The access mode of {where}") if cause else (
            f"The access mode of {where} could not be read: its ConnectionProperties are unreadable.")
        if cause:
            evidence["error"] = cause.model_dump(exclude_none=True)
        return Outcome(ERROR, obj, text, evidence)
    seen = ", ".join(f"{r['env']}: {_shown(r.get('value'))}" for r in readings) or "no entries"
    return Outcome(MANUAL, obj, f"The access mode of {where} is not one the API documents ({seen}); "
                   "check in the console whether it is Security mode.", evidence)
