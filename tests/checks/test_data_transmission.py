"""Rules of data_transmission over hand-made evidence: every branch the spec names."""

from __future__ import annotations

import json

import pytest

from dwdiag.models.data_transmission import DataTransmissionEvidence
from dwdiag.models.findings import Category
from dwdiag.settings import Settings

from . import REGION, THROTTLED, by_id, call_error, entry, findings_json, only, run, statuses, workspace

ITEMS = ["datasource_access_control", "datasource_env_isolation", "datasource_oss_access_mode"]
MYSQL = {"address": [{"host": "rm-orders.mysql.rds.aliyuncs.com", "port": 3306}], "database": "orders",
         "username": "etl", "authType": "Executor"}
ROLE_DATASOURCES = "Workspace Administrator, Develop, Deploy or Visitor"


def source(name: str, type_: str, *entries: dict) -> dict:
    """A ListDataSources group; each entry's sharing rules count as collected (none) unless it says otherwise."""
    return {"Name": name, "Type": type_, "DataSource": [{"shared_rules": [], **e} for e in entries]}


def shared(target: int, user: str = "", data_source_id: int = 502) -> dict:
    return {"Id": 9000 + target, "DataSourceId": data_source_id, "SourceProjectId": 10001,
            "TargetProjectId": target, "EnvType": "Prod", "SharedUser": user}


def strategy(sid: str = "1", workspaces=(10001,), enabled=True, module="DataQuery", scope="Workspace") -> dict:
    return {"Id": sid, "Name": f"guard-{sid}", "ControlModule": module, "ControlDwScope": scope,
            "Workspaces": list(workspaces), "Enabled": enabled}


def ws_sources(ws: dict, *sources: dict, error: dict = None) -> dict:
    out = {"workspace": ws, "data_sources": list(sources)}
    if error:
        out["data_sources_error"] = error
    return out


def evidence(*workspaces: dict, **fields) -> DataTransmissionEvidence:
    return DataTransmissionEvidence.model_validate({"region": REGION, "workspaces": list(workspaces), **fields})


def mysql_pair(name="mysql_orders", dev=None, prod=None, as_json=False, **fields) -> dict:
    dev_props = {**MYSQL, "password": "Dev-Passw0rd!", **(dev or {})}
    prod_props = {**MYSQL, "password": "Prod-Passw0rd!", **(prod or {})}
    return source(name, "mysql", entry(501, "Dev", dev_props, as_json=as_json, **fields),
                  entry(502, "Prod", prod_props, as_json=as_json, **fields))


def oss(name="oss_raw", *entries, type_="oss") -> dict:
    return source(name, type_, *entries)


def oss_entry(eid, env, auth="RamRole", as_json=False, **props) -> dict:
    base = {"regionId": "cn-hangzhou", "endpoint": "http://oss-cn-hangzhou-internal.aliyuncs.com",
            "bucket": f"bkt-{eid}"}
    if auth is not None:
        base["authType"] = auth
    if auth is not None and auth.lower() == "ramrole":
        base["authIdentity"] = "300000000000001"
    return entry(eid, env, {**base, **props}, as_json=as_json)


# --- shared to every item ---------------------------------------------------------------------

@pytest.mark.parametrize("item", ITEMS)
def test_workspace_listing_failure_is_one_error_for_the_region(item):
    ev = evidence(workspaces_error=call_error("ListProjects", **THROTTLED))
    o = only(run(item, ev))
    assert (o.status.value, o.obj.id, o.obj.workspace_id) == ("error", "*", None)
    assert "ListProjects" in o.result and "Throttling.Api.Risk" in o.result
    assert o.evidence["error"]["code"] == "Throttling.Api.Risk"


@pytest.mark.parametrize("item", ITEMS)
def test_workspaces_that_are_not_available_give_no_result(item):
    gone = ws_sources(workspace(10009, "deleting", status="Deleting"),
                      mysql_pair(), oss("oss_raw", oss_entry(1, "Prod", auth="Ak", accessId="LTAI5tX")))
    assert run(item, evidence(gone)) == []


# --- datasource_access_control ----------------------------------------------------------------

def test_access_control_is_manual_by_default_and_carries_the_sharing_evidence():
    prod = entry(502, "Prod", {**MYSQL, "password": "x"},
                 shared_rules=[shared(10003), shared(10006, user="200000000000003")])
    ws = ws_sources(workspace(), source("mysql_orders", "mysql", entry(501, "Dev", MYSQL, shared_rules=[]), prod),
                    oss("oss_raw", oss_entry(511, "Prod")))
    o = only(run("datasource_access_control", evidence(ws, security_strategies=[strategy("12345")])))
    assert (o.status.value, o.obj.type, o.obj.id, o.obj.workspace_id) == (
        "manual", "dataworks_workspace", "10001", "10001")
    assert "Workspace retail has 2 data sources" in o.result
    assert "1 sharing rule gives a whole workspace access (targets 10003)" in o.result
    assert "1 enabled DataQuery security strategy covers it" in o.result
    assert o.evidence["data_sources"] == ["mysql_orders", "oss_raw"]
    assert o.evidence["shared_with_whole_workspace"] == [
        {"data_source": "mysql_orders", "env": "Prod", "target_workspace": "10003", "shared_user": None}]
    assert {r["target_workspace"] for r in o.evidence["shared_rules"]} == {"10003", "10006"}
    assert o.evidence["covering_dataquery_strategies"] == [{"id": "12345", "name": "guard-12345", "scope": "Workspace"}]
    assert o.evidence["strict"] is False


def test_access_control_default_mode_never_fails_even_with_no_covering_strategy():
    prod = entry(502, "Prod", MYSQL, shared_rules=[shared(10003)])
    o = only(run("datasource_access_control", evidence(ws_sources(workspace(), source("m", "mysql", prod)))))
    assert o.status.value == "manual"
    assert "0 enabled DataQuery security strategies cover it" in o.result


def test_access_control_without_data_sources_is_not_applicable():
    o = only(run("datasource_access_control", evidence(ws_sources(workspace(10006, "sandbox")))))
    assert (o.status.value, o.obj.id) == ("not_applicable", "10006")
    assert "sandbox" in o.result


def test_access_control_denied_data_source_listing_is_an_error_naming_the_role():
    ws = ws_sources(workspace(10004, "legacy"), error=call_error("ListDataSources"))
    o = only(run("datasource_access_control", evidence(ws)))
    assert (o.status.value, o.obj.id) == ("error", "10004")
    assert "ListDataSources" in o.result and "Forbidden.Access" in o.result and "HTTP 403" in o.result
    assert ROLE_DATASOURCES in o.result


def test_access_control_denied_security_strategies_is_an_error_naming_the_tenant_roles():
    ws = ws_sources(workspace(), mysql_pair())
    ev = evidence(ws, ws_sources(workspace(10006, "sandbox")),
                  security_strategies_error=call_error("ListSecurityStrategies", code="NoPermission", http_status=None))
    out = by_id(run("datasource_access_control", ev))
    assert out["10001"].status.value == "error"
    assert "ListSecurityStrategies" in out["10001"].result
    assert "tenant administrator or security administrator role" in out["10001"].result
    assert out["10006"].status.value == "not_applicable"


def test_access_control_denied_sharing_rules_is_an_error_naming_the_role():
    denied = call_error("ListDataSourceSharedRules", code="Forbidden.NoPermission")
    ws = ws_sources(workspace(), source("mysql_orders", "mysql", entry(501, "Dev", MYSQL, shared_rules_error=denied)))
    o = only(run("datasource_access_control", evidence(ws, security_strategies=[strategy()])))
    assert (o.status.value, o.obj.id) == ("error", "10001")
    assert "ListDataSourceSharedRules" in o.result
    assert "tenant owner, tenant administrator or workspace administrator role" in o.result


def test_access_control_throttled_error_does_not_name_a_role():
    ws = ws_sources(workspace(), error=call_error("ListDataSources", code="Throttling.User", http_status=429))
    o = only(run("datasource_access_control", evidence(ws)))
    assert o.status.value == "error" and "Throttling.User" in o.result and "The caller needs" not in o.result


STRICT = Settings(datasource_access_strict=True)


def test_strict_access_control_fails_a_source_shared_with_a_whole_workspace_even_when_covered():
    prod = entry(502, "Prod", MYSQL, shared_rules=[shared(10003)])
    ws = ws_sources(workspace(), source("mysql_orders", "mysql", prod))
    o = only(run("datasource_access_control", evidence(ws, security_strategies=[strategy()]), STRICT))
    assert (o.status.value, o.obj.id) == ("fail", "10001")
    assert "targets 10003" in o.result and o.evidence["strict"] is True


@pytest.mark.parametrize("strategies", [
    [],
    [strategy(enabled=False)],
    [strategy(workspaces=[10002])],
    [strategy(module="DataAnalysis")],
], ids=["none", "disabled", "other-workspace", "other-module"])
def test_strict_access_control_fails_a_workspace_no_enabled_dataquery_strategy_covers(strategies):
    ws = ws_sources(workspace(), source("mysql_orders", "mysql", entry(502, "Prod", MYSQL, shared_rules=[])))
    o = only(run("datasource_access_control", evidence(ws, security_strategies=strategies), STRICT))
    assert o.status.value == "fail"
    assert "0 enabled DataQuery security strategies cover it" in o.result
    assert o.evidence["covering_dataquery_strategies"] == []


@pytest.mark.parametrize("strategies", [
    [strategy(workspaces=[10001])],
    [strategy(workspaces=[], module="dataquery", scope="TENANT")],
], ids=["workspace-scope", "tenant-scope-any-case"])
def test_strict_access_control_passes_with_user_level_sharing_and_a_covering_strategy(strategies):
    prod = entry(502, "Prod", MYSQL, shared_rules=[shared(10006, user="200000000000003")])
    ws = ws_sources(workspace(), source("mysql_orders", "mysql", prod))
    o = only(run("datasource_access_control", evidence(ws, security_strategies=strategies), STRICT))
    assert o.status.value == "pass"
    assert "0 sharing rules give a whole workspace access (none)" in o.result


@pytest.mark.parametrize("settings", [Settings(), STRICT], ids=["default", "strict"])
def test_access_control_sharing_rules_not_collected_is_an_error_never_a_pass(settings):
    group = {"Name": "mysql_orders", "Type": "mysql", "DataSource": [entry(502, "Prod", MYSQL)]}  # no shared_rules
    ws = ws_sources(workspace(), group, source("oss_raw", "oss", oss_entry(511, "Prod")))
    o = only(run("datasource_access_control", evidence(ws, security_strategies=[strategy()]), settings))
    assert (o.status.value, o.obj.id) == ("error", "10001")
    assert "mysql_orders" in o.result and "not collected" in o.result
    assert o.evidence["data_sources_without_sharing_rules"] == ["mysql_orders"]


# --- datasource_env_isolation -----------------------------------------------------------------

def test_isolation_fails_when_dev_and_prod_differ_only_in_env_and_secrets():
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), mysql_pair()))))
    assert (o.status.value, o.obj.type, o.obj.id, o.obj.name, o.obj.workspace_id) == (
        "fail", "dataworks_datasource", "10001/mysql_orders", "mysql_orders", "10001")
    assert "Data source mysql_orders in workspace retail" in o.result
    assert "Dev (entry 501)" in o.result and "Prod (entry 502)" in o.result
    assert o.evidence["matched_by"] == "connection properties"
    assert o.evidence["differing_keys"] == []


def test_isolation_passes_when_dev_and_prod_point_at_different_hosts():
    other = {"address": [{"host": "rm-orders-dev.mysql.rds.aliyuncs.com", "port": 3306}]}
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), mysql_pair(dev=other)))))
    assert (o.status.value, o.obj.id) == ("pass", "10001/mysql_orders")
    assert "mysql_orders" in o.result and "retail" in o.result
    assert o.evidence["differing_keys"] == ["address"]
    assert o.evidence["matched_by"] is None


def test_isolation_fails_on_equal_qualified_name_even_when_properties_differ():
    qn = "1234567890123456:cn-hangzhou:mysql:rm-orders:orders"
    group = source("mysql_orders", "mysql", entry(501, "Dev", {**MYSQL, "database": "a"}, QualifiedName=qn),
                   entry(502, "Prod", {**MYSQL, "database": "b"}, QualifiedName=qn))
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group))))
    assert o.status.value == "fail" and "same QualifiedName" in o.result
    assert o.evidence["matched_by"] == "QualifiedName"


def test_isolation_different_qualified_names_and_properties_pass():
    group = source("h", "hologres", entry(531, "Dev", {"instanceId": "hg1", "database": "dev"}, QualifiedName="a"),
                   entry(532, "Prod", {"instanceId": "hg1", "database": "prod"}, QualifiedName="b"))
    assert only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group)))).status.value == "pass"


@pytest.mark.parametrize("as_json", [False, True], ids=["object", "json-string"])
def test_isolation_reads_connection_properties_as_object_or_json_string(as_json):
    same = ws_sources(workspace(), mysql_pair("same", as_json=as_json),
                      mysql_pair("apart", dev={"database": "orders_dev"}, as_json=as_json))
    assert statuses(run("datasource_env_isolation", evidence(same))) == {
        "10001/same": "fail", "10001/apart": "pass"}


@pytest.mark.parametrize("dev_env,prod_env", [("DEV", "prod"), ("dev", "PROD"), (" Dev ", "Prod")])
def test_isolation_compares_env_type_case_insensitively(dev_env, prod_env):
    group = source("m", "mysql", entry(501, dev_env, MYSQL), entry(502, prod_env, MYSQL))
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group))))
    assert o.status.value == "fail"


@pytest.mark.parametrize("env,other", [("Prod", "development"), ("Dev", "production")])
def test_isolation_one_entry_in_standard_mode_is_manual_never_pass(env, other):
    # A standard-mode data source has a set of settings per environment: one entry proves no isolation.
    group = source("holo_dw", "hologres", entry(531, env, {"instanceId": "hg1", "database": "dw"}))
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group))))
    assert (o.status.value, o.obj.id) == ("manual", "10001/holo_dw")
    assert f"only a {env} entry" in o.result and f"its {other} settings were never configured" in o.result
    assert o.evidence["environments"] == [env]
    assert o.evidence["entries"] == [{"id": "531", "envType": env, "QualifiedName": None, "ConnectionProperties": {
        "envType": env, "instanceId": "hg1", "database": "dw"}}]


def test_a_one_entry_data_source_shows_its_entry_with_the_password_redacted():
    group = source("mysql_one", "mysql", entry(541, "Prod", {**MYSQL, "password": "One-Entry-Passw0rd!"}))
    found, text = findings_json(evidence(ws_sources(workspace(), group)), Category.data_transmission)
    isolation = [f for f in found if f.item_id == "datasource_env_isolation"]
    assert [f.status.value for f in isolation] == ["manual"] and '"username": "etl"' in text
    assert "One-Entry-Passw0rd!" not in text


def test_isolation_entries_without_a_known_env_are_manual():
    group = source("odd", "mysql", entry(501, "Staging", MYSQL), entry(502, None, MYSQL))
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group))))
    assert o.status.value == "manual" and "Staging" in o.result


def test_isolation_basic_mode_workspace_is_not_applicable():
    ws = ws_sources(workspace(10002, "growth_basic", standard=False), mysql_pair())
    o = only(run("datasource_env_isolation", evidence(ws)))
    assert (o.status.value, o.obj.id) == ("not_applicable", "10002/mysql_orders")
    assert "basic mode" in o.result and o.evidence == {"DevEnvironmentEnabled": False}


def test_isolation_unreadable_json_string_is_an_error_for_that_source_only():
    broken = {"Id": 551, "ConnectionProperties": '{"envType": "Dev", "password": "Leaky-Secret-1", "host": '}
    group = source("pg_risk", "postgresql", broken, entry(552, "Prod", {"host": "pg"}))
    ws = ws_sources(workspace(), group, mysql_pair())
    out = by_id(run("datasource_env_isolation", evidence(ws)))
    assert out["10001/pg_risk"].status.value == "error"
    assert "entry 551" in out["10001/pg_risk"].result and "not valid JSON" in out["10001/pg_risk"].result
    assert "Leaky-Secret-1" not in out["10001/pg_risk"].result + json.dumps(out["10001/pg_risk"].evidence)
    assert out["10001/mysql_orders"].status.value == "fail"


def test_isolation_connection_properties_that_are_not_an_object_are_an_error():
    group = source("weird", "mysql", {"Id": 1, "ConnectionProperties": '["Dev"]'}, entry(2, "Prod", MYSQL))
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group))))
    assert o.status.value == "error" and "expected a JSON object" in o.result


def test_isolation_data_source_listing_failure_is_an_error_for_all_sources_of_the_workspace():
    ws = ws_sources(workspace(10004, "legacy"), error=call_error("ListDataSources"))
    ev = evidence(ws, ws_sources(workspace(), mysql_pair()))
    out = by_id(run("datasource_env_isolation", ev))
    err = out["10004/*"]
    assert (err.status.value, err.obj.type, err.obj.workspace_id) == ("error", "dataworks_datasource", "10004")
    assert "ListDataSources" in err.result and ROLE_DATASOURCES in err.result
    assert out["10001/mysql_orders"].status.value == "fail"


def test_isolation_target_comparison_ignores_who_connects():
    group = mysql_pair(dev={"username": "dev_user", "authType": "Executor"},
                       prod={"username": "prod_user", "authType": "PrimaryAccount"})
    ev = evidence(ws_sources(workspace(), group))
    assert only(run("datasource_env_isolation", ev)).status.value == "pass"
    o = only(run("datasource_env_isolation", ev, Settings(datasource_isolation_compare="target")))
    assert o.status.value == "fail" and "same target" in o.result
    assert o.evidence["compare"] == "target" and o.evidence["matched_by"] == "target"


def test_isolation_target_comparison_still_passes_for_different_databases():
    group = mysql_pair(dev={"database": "orders_dev", "username": "a"}, prod={"username": "b"})
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group)),
                 Settings(datasource_isolation_compare="target")))
    assert o.status.value == "pass" and o.evidence["differing_keys"] == ["database"]


def test_isolation_secrets_are_dropped_from_the_comparison_and_hidden_in_evidence():
    group = mysql_pair(dev={"accessKey": "AK-Secret-Dev", "securityToken": "tok-dev"},
                       prod={"accessKey": "AK-Secret-Prod", "securityToken": "tok-prod"})
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group))))
    assert o.status.value == "fail"
    text = json.dumps(o.evidence) + o.result
    for secret in ("Dev-Passw0rd!", "Prod-Passw0rd!", "AK-Secret-Dev", "AK-Secret-Prod", "tok-dev", "tok-prod"):
        assert secret not in text


@pytest.mark.parametrize("dev,prod", [
    ({}, {}),
    ({"password": "only-a-secret"}, {"password": "only-a-secret"}),
    ({}, {"host": "h"}),
], ids=["env-only", "secrets-only", "one-side-empty"])
def test_isolation_never_passes_when_there_is_nothing_to_compare(dev, prod):
    group = source("bare", "mysql", entry(501, "Dev", dev), entry(502, "Prod", prod))
    o = only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group))))
    assert (o.status.value, o.obj.id) == ("manual", "10001/bare")
    assert "no QualifiedName or connection properties to compare" in o.result


def test_isolation_target_comparison_with_only_identity_keys_is_manual():
    group = source("ids", "mysql", entry(501, "Dev", {"username": "a"}), entry(502, "Prod", {"username": "b"}))
    ev = evidence(ws_sources(workspace(), group))
    assert only(run("datasource_env_isolation", ev)).status.value == "pass"
    o = only(run("datasource_env_isolation", ev, Settings(datasource_isolation_compare="target")))
    assert o.status.value == "manual"


def test_isolation_qualified_names_alone_are_enough_to_compare():
    group = source("qn", "hologres", entry(1, "Dev", {}, QualifiedName="a"), entry(2, "Prod", {}, QualifiedName="b"))
    assert only(run("datasource_env_isolation", evidence(ws_sources(workspace(), group)))).status.value == "pass"


# --- datasource_oss_access_mode ---------------------------------------------------------------

@pytest.mark.parametrize("auth", ["Ak", "ak", "AK"])
def test_oss_access_key_mode_fails_in_any_case(auth):
    group = oss("oss_raw", oss_entry(511, "Dev", auth=auth, accessId="LTAI5tDemo", accessKey="OssSecret-1"),
                oss_entry(512, "Prod", auth="RamRole"))
    o = only(run("datasource_oss_access_mode", evidence(ws_sources(workspace(), group))))
    assert (o.status.value, o.obj.type, o.obj.id) == ("fail", "dataworks_datasource", "10001/oss_raw")
    assert "OSS data source oss_raw in workspace retail" in o.result and "AccessKey mode in Dev" in o.result
    assert [e["authType"] for e in o.evidence["entries"]] == ["Ak", "RamRole"]
    assert "OssSecret-1" not in json.dumps(o.evidence)


def test_oss_absent_auth_type_with_an_access_id_fails():
    group = oss("oss_growth", oss_entry(541, "Prod", auth=None, accessId="LTAI5tGrowth", accessKey="s3cr3t-val"))
    o = only(run("datasource_oss_access_mode", evidence(ws_sources(workspace(), group))))
    assert o.status.value == "fail" and "AccessKey mode in Prod" in o.result
    assert o.evidence["entries"][0]["accessId"] == "LTAI5tGrowth"


@pytest.mark.parametrize("auth", ["RamRole", "ramrole", "RAMROLE"])
def test_oss_ram_role_everywhere_passes(auth):
    group = oss("oss_lake", oss_entry(521, "Dev", auth=auth), oss_entry(522, "Prod", auth=auth))
    o = only(run("datasource_oss_access_mode", evidence(ws_sources(workspace(), group))))
    assert (o.status.value, o.obj.id) == ("pass", "10001/oss_lake")
    assert "oss_lake" in o.result and "RAM role" in o.result


@pytest.mark.parametrize("auth,seen", [("PrimaryAccount", "Prod: PrimaryAccount"), (None, "Prod: not reported")])
def test_oss_undocumented_or_missing_mode_is_manual_never_pass(auth, seen):
    group = oss("oss_backup", oss_entry(561, "Prod", auth=auth))
    o = only(run("datasource_oss_access_mode", evidence(ws_sources(workspace(), group))))
    assert o.status.value == "manual" and seen in o.result


def test_oss_ram_role_with_one_unknown_entry_is_manual():
    group = oss("oss_mixed", oss_entry(1, "Dev", auth="RamRole"), oss_entry(2, "Prod", auth="Executor"))
    assert only(run("datasource_oss_access_mode", evidence(ws_sources(workspace(), group)))).status.value == "manual"


def test_oss_source_without_entries_is_manual_never_pass():
    o = only(run("datasource_oss_access_mode", evidence(ws_sources(workspace(), oss("oss_empty")))))
    assert o.status.value == "manual" and "no entries" in o.result


def test_oss_only_oss_types_are_checked_in_any_case():
    ws = ws_sources(workspace(), mysql_pair(),
                    oss("hdfs_lake", oss_entry(1, "Prod", auth="Ak", accessId="LTAI5t"), type_="OSS_HDFS"),
                    oss("plain", oss_entry(2, "Prod", auth="RamRole"), type_="OSS"))
    assert statuses(run("datasource_oss_access_mode", evidence(ws))) == {"10001/hdfs_lake": "fail",
                                                                         "10001/plain": "pass"}


def test_oss_json_string_properties_are_read():
    group = oss("oss_json", oss_entry(1, "Prod", auth="Ak", as_json=True, accessId="LTAI5t", accessKey="k-secret"))
    o = only(run("datasource_oss_access_mode", evidence(ws_sources(workspace(), group))))
    assert o.status.value == "fail"
    assert "k-secret" not in json.dumps(o.evidence)


def test_oss_unreadable_json_string_is_an_error_for_that_source_only():
    broken = oss("oss_broken", {"Id": 9, "ConnectionProperties": "{authType: Ak"})
    ws = ws_sources(workspace(), broken, oss("oss_ok", oss_entry(1, "Prod")))
    out = by_id(run("datasource_oss_access_mode", evidence(ws)))
    assert out["10001/oss_broken"].status.value == "error"
    assert "entry 9" in out["10001/oss_broken"].result and "not valid JSON" in out["10001/oss_broken"].result
    assert out["10001/oss_ok"].status.value == "pass"


def test_oss_listing_failure_is_an_error_for_all_sources_of_the_workspace():
    ws = ws_sources(workspace(10004, "legacy"), error=call_error("ListDataSources"))
    ok = ws_sources(workspace(10003, "risk"), oss("o", oss_entry(1, "Prod")))
    out = by_id(run("datasource_oss_access_mode", evidence(ws, ok)))
    assert (out["10004/*"].status.value, out["10004/*"].obj.workspace_id) == ("error", "10004")
    assert ROLE_DATASOURCES in out["10004/*"].result
    assert out["10003/o"].status.value == "pass"


def test_oss_applies_to_basic_mode_workspaces_too():
    ws = ws_sources(workspace(10002, "growth_basic", standard=False),
                    oss("oss_growth", oss_entry(541, "Prod", auth=None, accessId="LTAI5t")))
    assert statuses(run("datasource_oss_access_mode", evidence(ws))) == {"10002/oss_growth": "fail"}


# --- through evaluation: findings, and no secret in them ---------------------------------------

SECRETS = ("Dev-Passw0rd!", "Prod-Passw0rd!", "OssAccessKeySecret-9", "Json-Str-Passw0rd", "Json-AK-Secret")


def test_runner_findings_carry_no_secret_from_any_shape_of_connection_properties():
    ws = ws_sources(
        workspace(),
        mysql_pair(),  # objects with passwords
        source("pg", "postgresql",
               entry(551, "Dev", {"host": "pg-dev", "password": "Json-Str-Passw0rd"}, as_json=True),
               entry(552, "Prod", {"host": "pg-dev", "password": "Json-Str-Passw0rd"}, as_json=True)),
        oss("oss_raw", oss_entry(511, "Dev", auth="Ak", accessId="LTAI5t", accessKey="OssAccessKeySecret-9"),
            oss_entry(512, "Prod", auth="ak", as_json=True, accessId="LTAI5u", accessKey="Json-AK-Secret")),
        oss("oss_broken", {"Id": 9, "ConnectionProperties": '{"password": "Json-Str-Passw0rd",'}),
    )
    ev = evidence(ws, security_strategies=[strategy()])
    found, text = findings_json(ev, Category.data_transmission, Settings(datasource_access_strict=True))
    got = {(f.item_id, f.object_id): f.status.value for f in found}
    assert got == {
        ("datasource_access_control", "10001"): "pass",
        ("datasource_env_isolation", "10001/mysql_orders"): "fail",
        ("datasource_env_isolation", "10001/pg"): "fail",
        ("datasource_env_isolation", "10001/oss_raw"): "pass",
        ("datasource_env_isolation", "10001/oss_broken"): "error",
        ("datasource_oss_access_mode", "10001/oss_raw"): "fail",
        ("datasource_oss_access_mode", "10001/oss_broken"): "error",
    }
    for secret in SECRETS:
        assert secret not in text
    assert "[REDACTED]" in text  # a reader still sees that a secret was set
    assert all(f.region == REGION and f.category == Category.data_transmission for f in found)


def test_runner_redacts_secrets_in_error_messages():
    err = call_error("ListDataSources", code="InternalError", http_status=500,
                     message="upstream https://admin:Hunter2-Pass@db.example.com failed")
    found, text = findings_json(evidence(ws_sources(workspace(), error=err)), Category.data_transmission)
    assert {f.status.value for f in found} == {"error"}
    assert "Hunter2-Pass" not in text


def test_runner_missing_category_evidence_is_an_error_never_a_pass():
    found, _ = findings_json(None, Category.data_transmission)
    assert sorted((f.item_id, f.object_id, f.status.value) for f in found) == [
        (item, "*", "error") for item in sorted(ITEMS)]


def test_demo_snapshot_data_transmission(demo):
    region = demo.regions[0]
    found, text = findings_json(region.data_transmission, Category.data_transmission)
    got = {(f.item_id, f.object_id): f.status.value for f in found}
    assert got[("datasource_env_isolation", "10001/mysql_orders")] == "fail"
    assert got[("datasource_env_isolation", "10003/pg_risk")] == "pass"
    assert got[("datasource_env_isolation", "10001/holo_dw")] == "manual"  # only a Prod entry
    assert got[("datasource_env_isolation", "10004/*")] == "error"
    assert got[("datasource_oss_access_mode", "10001/oss_raw")] == "fail"
    assert got[("datasource_oss_access_mode", "10002/oss_growth")] == "fail"
    assert got[("datasource_oss_access_mode", "10003/oss_backup")] == "manual"
    assert got[("datasource_access_control", "10006")] == "not_applicable"
    assert got[("datasource_access_control", "10001")] == "manual"
    for secret in ("Demo-Dev-Passw0rd!", "Demo-Prod-Passw0rd!", "DemoOssAccessKeySecret0001",
                   "DemoGrowthAccessKeySecret02", "Demo-Pg-Dev-Pass!", "Demo-Pg-Prod-Pass!"):
        assert secret not in text
