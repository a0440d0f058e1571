"""Rules of computing_storage over hand-made evidence: every branch of the spec."""

from __future__ import annotations

import json
from datetime import datetime, timezone

import pytest

from dwdiag.checks import load_all
from dwdiag.models.computing_storage import ComputingStorageEvidence
from dwdiag.settings import Settings

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
RULES = load_all()
DENIED = {"product": "maxcompute", "operation": "GetProject", "code": "ODPS-0420095",
          "message": "Access Denied", "http_status": 403}


def project(name="p1", label=True, download=True, protected=True, policy=None, encrypted=True, days=1, **extra):
    security = {"labelSecurity": label, "enableDownloadPrivilege": download,
                "projectProtection": {"protected": protected, "exceptionPolicy": policy}}
    props = {"retentionDays": days, "encryption": {"enable": encrypted, "algorithm": "AES256"}}
    return {"name": name, "securityProperties": security, "properties": props, **extra}


def run(item, settings=None, **evidence):
    ev = ComputingStorageEvidence.model_validate({"region": "cn-hangzhou", **evidence})
    return RULES[item](ev, settings or Settings(), NOW)


def statuses(outcomes):
    return {o.obj.id: o.status.value for o in outcomes}


def by_id(outcomes):
    return {o.obj.id: o for o in outcomes}


MC_ITEMS = ["maxcompute_permission_model", "maxcompute_download_control", "maxcompute_data_protection",
            "maxcompute_storage_encryption", "maxcompute_backup"]


@pytest.mark.parametrize("item", MC_ITEMS)
def test_all_on_passes(item):
    out = run(item, maxcompute_projects=[project(days=7)])
    assert statuses(out) == {"p1": "pass"}


@pytest.mark.parametrize("item", MC_ITEMS)
def test_listing_failure_is_one_error_for_all_projects(item):
    out = run(item, maxcompute_projects_error={**DENIED, "operation": "ListProjects", "code": "Throttling.Api.Risk"})
    assert [(o.obj.id, o.status.value) for o in out] == [("*", "error")]
    assert "ListProjects" in out[0].result and "Throttling.Api.Risk" in out[0].result


@pytest.mark.parametrize("item", MC_ITEMS)
def test_a_failed_project_is_error_and_the_others_still_evaluate(item):
    out = run(item, maxcompute_projects=[{"name": "denied", "error": DENIED}, project("ok", days=3)])
    assert statuses(out) == {"denied": "error", "ok": "pass"}
    assert "GetProject" in out[0].result and "ODPS-0420095" in out[0].result


@pytest.mark.parametrize("item", ["maxcompute_permission_model", "maxcompute_download_control",
                                  "maxcompute_data_protection"])
def test_absent_security_properties_is_error_never_pass(item):
    out = run(item, maxcompute_projects=[{"name": "old", "properties": {"retentionDays": 1}}])
    assert statuses(out) == {"old": "error"}
    assert "securityProperties" in out[0].result


def test_permission_model_off_fails_and_names_the_value():
    out = run("maxcompute_permission_model", maxcompute_projects=[project(label=False)])
    assert statuses(out) == {"p1": "fail"}
    assert "labelSecurity is false" in out[0].result
    assert out[0].evidence == {"securityProperties.labelSecurity": False}


def test_permission_model_field_is_configurable_and_case_insensitive():
    p = project(label=False)
    p["securityProperties"]["SupportACLV2"] = True
    settings = Settings(permission_model_field="supportAclV2")
    assert statuses(run("maxcompute_permission_model", settings, maxcompute_projects=[p])) == {"p1": "pass"}


def test_permission_model_absent_field_is_not_true_so_fails():
    p = project()
    del p["securityProperties"]["labelSecurity"]
    out = run("maxcompute_permission_model", maxcompute_projects=[p])
    assert statuses(out) == {"p1": "fail"} and "not reported" in out[0].result


@pytest.mark.parametrize("label,download,expected,phrase", [
    (False, True, "fail", "permission model is off"),
    (False, False, "fail", "permission model is off"),
    (True, False, "fail", "download permission management off"),
    (True, None, "fail", "not reported"),
    (True, True, "pass", "controls Tunnel downloads"),
])
def test_download_control_branches(label, download, expected, phrase):
    out = run("maxcompute_download_control", maxcompute_projects=[project(label=label, download=download)])
    assert statuses(out) == {"p1": expected}
    assert phrase in out[0].result


def test_data_protection_off_fails_and_exception_policy_passes_with_evidence():
    policy = '{"Version":"1","Statement":[]}'
    out = run("maxcompute_data_protection",
              maxcompute_projects=[project("open", protected=False), project("guarded", policy=policy)])
    assert statuses(out) == {"open": "fail", "guarded": "pass"}
    assert out[1].evidence["projectProtection.exceptionPolicy"] == policy
    assert "exception policy" in out[1].result


def test_encryption_missing_or_off_fails_and_missing_properties_is_error():
    no_enc = project("plain")
    del no_enc["properties"]["encryption"]
    out = run("maxcompute_storage_encryption", maxcompute_projects=[
        no_enc, project("off", encrypted=False), {"name": "bare", "securityProperties": {}}])
    assert statuses(out) == {"plain": "fail", "off": "fail", "bare": "error"}


@pytest.mark.parametrize("days,minimum,expected", [(0, 1, "fail"), (1, 1, "pass"), (2, 3, "fail"),
                                                   (3, 3, "pass"), (30, 7, "pass")])
def test_backup_retention(days, minimum, expected):
    out = run("maxcompute_backup", Settings(min_retention_days=minimum), maxcompute_projects=[project(days=days)])
    assert statuses(out) == {"p1": expected}
    assert out[0].evidence == {"retentionDays": days, "min_retention_days": minimum}


def test_backup_without_retention_days_is_error():
    p = project()
    del p["properties"]["retentionDays"]
    assert statuses(run("maxcompute_backup", maxcompute_projects=[p])) == {"p1": "error"}


# --- EMR access mode --------------------------------------------------------------------------

WS = {"Id": 1001, "Name": "ws", "Status": "Available", "DevEnvironmentEnabled": True}


def emr(name, *entries, type_="emr"):
    return {"Name": name, "Type": type_, "ComputeResource": [
        {"Id": 10 + i, "ConnectionProperties": props} for i, props in enumerate(entries)]}


def engine(name, mode=None, env="PRD", specs=None, type_="EMR"):
    info = {"emrClusterId": "C-1"}
    if mode is not None:
        info["emrAccessMode"] = mode
    if specs is not None:
        info["specs"] = specs
    return {"EngineId": 5, "Name": name, "CalcEngineType": type_, "EnvType": env, "EngineInfo": info}


def emr_run(settings=None, **ws_fields):
    return run("emr_security_mode", settings, workspaces=[{"workspace": WS, **ws_fields}])


def test_emr_security_mode_from_2024_properties():
    out = emr_run(compute_resources=[
        emr("safe", {"envType": "Dev", "accessMode": "Security"}, {"envType": "Prod", "accessMode": "safe"}),
        emr("fast", {"envType": "Dev", "accessMode": "security"}, {"envType": "Prod", "AccessMode": "SIMPLE"}),
    ])
    assert statuses(out) == {"1001/safe": "pass", "1001/fast": "fail"}
    fast = by_id(out)["1001/fast"]
    assert "Shortcut" in fast.result and "Prod" in fast.result


def test_emr_mode_from_2020_engine_info_and_inside_specs():
    out = emr_run(
        compute_resources=[emr("a", {"envType": "Prod", "clusterId": "C-1"})],
        emr_calc_engines=[engine("a", mode="simple"),
                          engine("b", specs=json.dumps({"emrAccessMode": "security"})),
                          engine("odps", mode="simple", type_="ODPS")],
    )
    assert statuses(out) == {"1001/a": "fail", "1001/b": "pass"}
    assert by_id(out)["1001/a"].evidence["access_modes"][0]["source"] == "ListCalcEngines"


def test_emr_unknown_or_absent_mode_is_manual_with_what_was_seen():
    out = emr_run(compute_resources=[emr("odd", {"envType": "Prod", "accessMode": "kerberos"}),
                                     emr("none", {"envType": "Prod"})], emr_calc_engines=[])
    assert statuses(out) == {"1001/odd": "manual", "1001/none": "manual"}
    assert '"kerberos"' in by_id(out)["1001/odd"].result


def test_emr_half_known_is_not_a_pass():
    out = emr_run(compute_resources=[emr("x", {"envType": "Dev", "accessMode": "security"}, {"envType": "Prod"})])
    assert statuses(out) == {"1001/x": "manual"}


def test_emr_mode_key_is_configurable():
    settings = Settings(emr_access_mode_keys=["registrationMode"])
    out = emr_run(settings, compute_resources=[emr("x", {"envType": "Prod", "registrationMode": "simple",
                                                         "accessMode": "security"})])
    assert statuses(out) == {"1001/x": "fail"}


def test_workspaces_without_emr_give_no_result():
    out = emr_run(compute_resources=[{"Name": "mc", "Type": "maxcompute", "ComputeResource": [
        {"Id": 1, "ConnectionProperties": {"envType": "Prod", "project": "p"}}]}])
    assert out == []


def test_a_compute_resource_of_an_undocumented_type_is_manual_never_silence():
    # The 2024 API documents no list of types: an unknown type might be EMR, so it is reported.
    out = emr_run(compute_resources=[
        {"Name": "lake", "Type": "emr_on_ecs_spark", "ComputeResource": [
            {"Id": 1, "ConnectionProperties": {"envType": "Prod", "accessMode": "simple"}}]},
        {"Name": "mystery", "Type": "hadoop_cluster", "ComputeResource": [
            {"Id": 2, "ConnectionProperties": {"envType": "Prod", "clusterId": "C-9"}}]},
        {"Name": "sr", "Type": "StarRocks", "ComputeResource": [
            {"Id": 3, "ConnectionProperties": {"envType": "Prod"}}]}])
    got = statuses(out)
    assert got == {"1001/lake": "fail", "1001/mystery": "manual"}  # emr*: judged; starrocks: documented, not EMR
    mystery = by_id(out)["1001/mystery"]
    assert "'hadoop_cluster'" in mystery.result and "EMR" in mystery.result
    assert mystery.evidence["Type"] == "hadoop_cluster"


def test_an_undocumented_type_that_the_2020_api_names_as_emr_is_judged_as_emr():
    out = emr_run(compute_resources=[{"Name": "a", "Type": "hadoop_cluster", "ComputeResource": [
        {"Id": 1, "ConnectionProperties": {"envType": "Prod"}}]}], emr_calc_engines=[engine("a", mode="simple")])
    assert statuses(out) == {"1001/a": "fail"}


def test_emr_errors():
    denied = {"product": "dataworks", "operation": "ListComputeResources", "code": "Forbidden.Access",
              "http_status": 403}
    both = emr_run(compute_resources_error=denied, emr_calc_engines_error={**denied, "operation": "ListCalcEngines"})
    assert statuses(both) == {"1001/*": "error"}
    # The 2020 source failing leaves an undecided resource in error, not manual and never pass.
    second = emr_run(compute_resources=[emr("x", {"envType": "Prod"})],
                     emr_calc_engines_error={**denied, "operation": "ListCalcEngines"})
    assert statuses(second) == {"1001/x": "error"} and "ListCalcEngines" in second[0].result
    # ...but a proven Shortcut mode still fails.
    proven = emr_run(compute_resources=[emr("x", {"envType": "Prod", "accessMode": "simple"})],
                     emr_calc_engines_error={**denied, "operation": "ListCalcEngines"})
    assert statuses(proven) == {"1001/x": "fail"}
    # Only 2024 failing: the 2020 engines are still evaluated.
    only_2024 = emr_run(compute_resources_error=denied, emr_calc_engines=[engine("y", mode="simple")])
    assert statuses(only_2024) == {"1001/y": "fail"}
    unreadable = emr_run(compute_resources=[{"Name": "z", "Type": "EMR", "ComputeResource": [
        {"Id": 1, "ConnectionProperties": "{not json"}]}])
    assert statuses(unreadable) == {"1001/z": "error"}
    region = run("emr_security_mode", workspaces_error={**denied, "operation": "ListProjects"})
    assert statuses(region) == {"*": "error"}


def test_emr_non_available_workspaces_are_skipped():
    out = run("emr_security_mode", workspaces=[{"workspace": {**WS, "Status": "Deleting"},
                                                "compute_resources": [emr("x", {"envType": "Prod"})]}])
    assert out == []
