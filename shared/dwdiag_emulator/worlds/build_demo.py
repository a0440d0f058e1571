"""Build worlds/demo.yaml from the bundled evidence snapshot (shared/dwdiag/demo/evidence.json),
so that a live sweep of the emulator yields the same evidence. Reads the JSON by path only.

    python -m dwdiag_emulator.worlds.build_demo [EVIDENCE] [OUT]
"""
from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Dict, List

import yaml

HERE = Path(__file__).resolve().parent
EVIDENCE = HERE.parents[1] / "dwdiag" / "demo" / "evidence.json"
FAULT_KEYS = ("members", "compute_resources", "deployment_packages", "pipeline_runs",
              "code_reviews", "emr_calc_engines", "data_sources")


def _fault(err: Dict[str, Any], params: Dict[str, str]) -> Dict[str, Any]:
    """An evidence error becomes a standing fault for that call (scoped by region and ids)."""
    fault: Dict[str, Any] = {"product": err["product"], "actions": [err["operation"]],
                             "regions": [err["region"]], "params": params,
                             "status": err["http_status"], "code": err["code"], "message": err["message"]}
    fault["kind"] = "forbidden" if err["code"] == "Forbidden.Access" else "error"
    if err["product"] == "maxcompute" and err["code"].startswith("ODPS-"):
        fault["kind"] = "maxcompute_error"  # errorCode/errorMsg body
    return fault


def _projects(projects: List[Dict[str, Any]], faults: list) -> List[Dict[str, Any]]:
    out = []
    for project in projects:
        if project.get("error"):
            faults.append(_fault(project["error"], {"projectName": project["name"]}))
        out.append({k: v for k, v in project.items() if k != "error"})
    return out


def _data_sources(groups: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    """DataSourceId/SourceProjectId of a rule are rendered from where the rule is stored."""
    drop = {"DataSourceId", "SourceProjectId"}
    return [{**g, "DataSource": [{**e, "shared_rules": [{k: v for k, v in r.items() if k not in drop}
                                                         for r in e.get("shared_rules", [])]}
                                 for e in g["DataSource"]]} for g in groups]


def _deployments(ws: Dict[str, Any], packages: List[Dict[str, Any]]) -> None:
    files: Dict[int, Dict[str, Any]] = {}
    for pkg in packages:
        detail = pkg.get("detail", {})
        dep = {k: pkg[k] for k in ("Id", "Name", "Status", "Creator", "Executor", "CreateTime",
                                   "ExecuteTime", "ErrorMessage") if k in pkg}
        for key in ("HandlerId", "FromEnvironment", "ToEnvironment", "CheckingStatus"):
            if key in detail:
                dep[key] = detail[key]
        dep["DeployedItems"] = [{k: i[k] for k in ("FileId", "FileVersion", "Status") if k in i}
                                for i in pkg.get("items", [])]
        ws["deployments"].append(dep)
        for item in pkg.get("items", []):
            entry = files.setdefault(item["FileId"], {"FileId": item["FileId"], "versions": {}})
            entry.update({k: v for k, v in item.get("file", {}).items()})
            for ver in item.get("versions", []):
                ver = {**ver, "NodeId": int(ver["NodeId"])} if "NodeId" in ver else dict(ver)
                entry["versions"][ver["FileVersion"]] = ver
    for entry in files.values():
        entry["versions"] = [entry["versions"][v] for v in sorted(entry["versions"], reverse=True)]
        ws["files"].append(entry)


def _pipeline(ws: Dict[str, Any], runs: List[Dict[str, Any]], faults: list, region: str) -> None:
    for run in runs:
        items = []
        for item in run.get("items", []):
            for snap in item.get("snapshots", []):
                ws["snapshots"].append({**snap, "ObjectId": item["Id"]})
            if item.get("snapshots_error"):
                faults.append(_fault(item["snapshots_error"], {"ObjectId": item["Id"]}))
            items.append({k: v for k, v in item.items() if k not in ("snapshots", "snapshots_error")})
        ws["pipeline_runs"].append({**{k: v for k, v in run.items() if k != "items"}, "items": items})


def _workspace(store: Dict[int, Dict[str, Any]], entry: Dict[str, Any]) -> Dict[str, Any]:
    base = entry["workspace"]
    return store.setdefault(base["Id"], {**base, "members": [], "data_sources": [], "compute_resources": [],
                                         "calc_engines": [], "deployments": [], "files": [],
                                         "pipeline_runs": [], "snapshots": [], "code_reviews": []})


def _region(reg: Dict[str, Any], world: Dict[str, Any]) -> Dict[str, Any]:
    name, faults, spaces = reg["region"], world["faults"], {}
    for category in ("computing_storage", "data_transmission", "data_production"):
        for entry in reg.get(category, {}).get("workspaces", []):
            ws = _workspace(spaces, entry)
            for key in FAULT_KEYS:
                if entry.get(f"{key}_error"):
                    faults.append(_fault(entry[f"{key}_error"], {"ProjectId": str(ws["Id"])}))
            ws["members"] = entry.get("members") or ws["members"]
            ws["compute_resources"] = entry.get("compute_resources") or ws["compute_resources"]
            ws["data_sources"] = _data_sources(entry.get("data_sources") or []) or ws["data_sources"]
            if entry.get("emr_calc_engines"):
                ws["calc_engines"] = [{k: v for k, v in e.items() if k != "BindingProjectId"}
                                      for e in entry["emr_calc_engines"]]
            if category == "data_production":
                _deployments(ws, entry.get("deployment_packages", []))
                _pipeline(ws, entry.get("pipeline_runs", []), faults, name)
                ws["code_reviews"] = entry.get("code_reviews", [])
    cs, dt = reg.get("computing_storage", {}), reg.get("data_transmission", {})
    for err in (cs.get("maxcompute_projects_error"), dt.get("security_strategies_error")):
        if err:
            faults.append(_fault(err, {}))
    for strategy in dt.get("security_strategies", []):
        if strategy["Id"] not in {s["Id"] for s in world["security_strategies"]}:
            world["security_strategies"].append(strategy)
    return {"dataworks": {"workspaces": list(spaces.values())},
            "maxcompute": {"projects": _projects(cs.get("maxcompute_projects", []), faults)},
            "actiontrail": {"trails": _trails(reg, faults), "events": []}}


def _trails(reg: Dict[str, Any], faults: list) -> List[Dict[str, Any]]:
    """Each trail goes under its home region, whose world entry answers GetTrailStatus for it; a
    shadow of another region's trail is served from that region's entry. IsOrganizationTrail,
    OrganizationId and HomeRegion carry over as the evidence has them."""
    config = reg.get("platform_config", {})
    if config.get("trails_error"):
        _add(faults, _fault(config["trails_error"], {}))
    trails = []
    for trail in config.get("trails", []):
        if trail.get("trail_status_error"):
            _add(faults, _fault(trail["trail_status_error"], {"Name": trail["Name"]}))
        if trail.get("HomeRegion") not in (None, reg["region"]):
            continue
        kept = {k: v for k, v in trail.items() if k not in ("trail_status", "trail_status_error") and v is not None}
        trails.append({**kept, "status": {k: v for k, v in (trail.get("trail_status") or {}).items()
                                          if v is not None}})
    return trails


def _add(faults: list, fault: Dict[str, Any]) -> None:
    """An error recorded in the evidence of more than one region (a trail listed in each region it
    covers, an identity referenced in each region) becomes one fault."""
    if fault not in faults:
        faults.append(fault)


def _identities(evidence: Dict[str, Any], world: Dict[str, Any]) -> None:
    users, events = {}, {}
    for reg in evidence["regions"]:
        for ident in reg.get("data_production", {}).get("identities", []):
            if not ident.get("user"):
                continue  # a UID with no RAM user: absent from ListUsers
            users[ident["user"]["UserId"]] = _ram_user(ident["user"])
            name = ident["user"]["UserName"]
            if ident.get("get_user_error"):
                _add(world["faults"], _fault(ident["get_user_error"], {"UserName": name}))
            for err in ident.get("signin_errors", []):
                # The collector sends LookupAttribute.1 = ServiceName:AasSub and .2 = User:<name>
                # (a key pair the LookupEvents FAQ lists), so the user's name is the second value.
                _add(world["faults"], _fault(err, {"LookupAttribute.2.Value": name}))
            for ev in ident.get("signin_events", []):
                events[ev["event_id"]] = _signin(world, ident, ev)
    world["ram_users"] = list(users.values())
    for ev in DECOYS:
        events.setdefault(ev["eventId"], {**ev, "userIdentity": {**ev["userIdentity"], "accountId": world["account_id"]}})
    for ev in events.values():
        region = world["regions"].setdefault(ev["region"], {"actiontrail": {"trails": [], "events": []}})
        region["actiontrail"]["events"].append({k: v for k, v in ev.items() if k != "region"})


# Events of the tenant that no scheduling identity made, so none may be blamed for them: another user's
# console sign-in, and an API call made with the AccessKey of a scheduling identity (not a logon).
DECOYS = [
    {"region": "ap-southeast-1", "eventId": "evt-decoy-1", "eventName": "ConsoleSignin", "eventType": "ConsoleSignin",
     "eventTime": "2026-11-25T09:30:00Z", "eventSource": "signin.aliyun.com", "serviceName": "AasSub",
     "sourceIpAddress": "203.0.113.20", "userIdentity": {"type": "ram-user", "userName": "analyst_jane",
                                                         "principalId": "270000000000050"}},
    {"region": "cn-hangzhou", "eventId": "evt-decoy-2", "eventName": "GetProject", "eventType": "ApiCall",
     "eventTime": "2026-11-26T02:00:00Z", "eventSource": "dataworks.cn-hangzhou.aliyuncs.com",
     "serviceName": "dataworks-public", "sourceIpAddress": "100.104.0.8",
     "userIdentity": {"type": "ram-user", "userName": "etl_runner", "principalId": "270000000000002"}},
]


def _ram_user(user: Dict[str, Any]) -> Dict[str, Any]:
    """A user whose LastLoginDate is empty or null never logged on with a password: the world user
    has none, and GetUser serves "" for it."""
    return {k: v for k, v in user.items() if v is not None and not (k == "LastLoginDate" and v == "")}


def _signin(world: Dict[str, Any], ident: Dict[str, Any], ev: Dict[str, Any]) -> Dict[str, Any]:
    """The documented RAM-user ConsoleSignin record (doc 286977): serviceName AasSub, eventName and
    eventType ConsoleSignin, eventSource signin.aliyun.com, userIdentity.userName the RAM user. Other
    events of the sign-in service (ConsoleSignout) have the same shape under their own name."""
    name = ev.get("event_name") or "ConsoleSignin"
    return {"region": ev["storage_region"], "eventId": ev["event_id"], "eventName": name,
            "eventType": name, "eventTime": ev["event_time"], "eventSource": "signin.aliyun.com",
            "serviceName": "AasSub", "sourceIpAddress": ev.get("source_ip"),
            "userIdentity": {"type": ev["identity_type"], "userName": ev["user_name"],
                             "principalId": ident["user_id"], "accountId": world["account_id"]}}


# RAM actions of the demo's remediation key: what a re-check reads, and the writes of `fix apply`.
FIXER_ACTIONS = ["sts:GetCallerIdentity", "dataworks:List*", "dataworks:Get*", "odps:List*", "odps:Get*",
                 "actiontrail:Describe*", "actiontrail:Get*", "actiontrail:LookupEvents", "ram:List*", "ram:Get*",
                 "odps:UpdateProjectBasicMeta", "actiontrail:StartLogging", "ram:UpdateLoginProfile",
                 "ram:DeleteLoginProfile"]


def build(evidence: Dict[str, Any]) -> Dict[str, Any]:
    world: Dict[str, Any] = {
        "account_id": evidence["account_id"], "now": evidence["collected_at"],
        "default_region": evidence["regions"][0]["region"],
        "credentials": {"access_keys": [
            # the scanner's key: reads only (every write is refused with the product's no-permission error)
            {"AccessKeyId": "AKIDdemo", "AccessKeySecret": "demoSecret", "read_only": True},
            # `dwdiag fix apply`'s key: the reads and the three remediation writes (issue 17)
            {"AccessKeyId": "AKIDfixer", "AccessKeySecret": "fixerSecret", "allow": FIXER_ACTIONS}]},
        "ram_users": [], "security_strategies": [], "regions": {}, "faults": []}
    for reg in evidence["regions"]:
        world["regions"][reg["region"]] = _region(reg, world)
    _identities(evidence, world)
    return world


def main(argv: List[str]) -> int:
    src = Path(argv[0]) if argv else EVIDENCE
    out = Path(argv[1]) if len(argv) > 1 else HERE / "demo.yaml"
    world = build(json.loads(src.read_text(encoding="utf-8")))
    header = f"# Generated by dwdiag_emulator/worlds/build_demo.py from {src.name}; edit the evidence, not this.\n"
    out.write_text(header + yaml.safe_dump(world, sort_keys=False, allow_unicode=True, width=120),
                   encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
