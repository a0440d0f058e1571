"""Seeded generator of large worlds for the benchmark: N workspaces, M MaxCompute projects,
members, data sources, compute resources, 30 days of deployments with files, pipeline runs,
scheduling identities and their ActionTrail sign-ins. Same seed, same world, byte for byte."""
from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence, Union

import yaml

try:
    _Dumper: Any = yaml.CSafeDumper
except AttributeError:  # pragma: no cover
    _Dumper = yaml.SafeDumper

NOW = "2025-03-31T00:00:00Z"
ROLES = ["role_project_admin", "role_project_dev", "role_project_deploy", "role_project_pe",
         "role_project_guest", "role_project_owner"]
DS_TYPES = ["oss", "mysql", "hologres", "odps"]
CR_TYPES = ["maxcompute", "hologres", "emr"]
SIGNIN_REGIONS = ("ap-southeast-1", "cn-hangzhou")


@dataclass(frozen=True)
class Sizes:
    """Per-workspace sizes; None picks a small random number (the default worlds)."""

    members: Optional[int] = None
    data_sources: Optional[int] = None
    compute_resources: Optional[int] = None
    deployments: Optional[int] = None
    files_per_deployment: int = 1
    pipeline_runs: Optional[int] = None
    identities: int = 40


class _Gen:
    def __init__(self, seed: int, now: datetime, regions: Sequence[str], sizes: Optional[Sizes] = None):
        self.rng = random.Random(seed)
        self.now = now
        self.now_ms = int(now.timestamp() * 1000)
        self.regions = list(regions)
        self.next_id = 10_000
        self.sizes = sizes or Sizes()
        self.users = [f"2000000{i:08d}" for i in range(1, max(201, (self.sizes.members or 0) + 1))]
        self.sched = [f"2100000{i:08d}" for i in range(1, self.sizes.identities + 1)]

    def count(self, fixed: Optional[int], low: int, high: int) -> int:
        return fixed if fixed is not None else self.rng.randint(low, high)

    def uid(self) -> int:
        self.next_id += 1
        return self.next_id

    def ago_ms(self, days: float) -> int:
        return self.now_ms - int(days * 86_400_000)

    def member(self, user: str) -> Dict[str, Any]:
        roles = self.rng.sample(ROLES[:5], self.rng.choice([1, 1, 2]))
        status = "Forbidden" if self.rng.random() < 0.05 else "Normal"
        return {"UserId": user, "UserName": f"u{user[-4:]}", "Status": status,
                "Roles": [{"Code": r, "Type": "System"} for r in roles]}

    def data_source(self, ws: int, n: int, standard: bool) -> Dict[str, Any]:
        kind = DS_TYPES[n % len(DS_TYPES)]
        target = {"instanceId": f"inst-{ws}-{n}", "database": f"db{n}"}
        same = self.rng.random() < 0.3  # Dev and Prod pointing at one target: an isolation risk
        entries = []
        for env in (["Dev", "Prod"] if standard else ["Prod"]):
            props = {"envType": env, **target}
            if env == "Dev" and not same:
                props["database"] += "_dev"
            if kind == "oss":
                props.update({"authType": "Ak", "accessId": "LTAI****"} if self.rng.random() < 0.3
                             else {"authType": "RamRole", "authIdentity": "300000000000001"})
            entry = {"Id": self.uid(), "ConnectionProperties": props, "CreateTime": self.ago_ms(200)}
            if env == "Prod" and self.rng.random() < 0.2:
                entry["shared_rules"] = [{"Id": self.uid(), "TargetProjectId": ws + 1, "SharedUser": ""}]
            entries.append(entry)
        return {"Name": f"{kind}_{n}", "Type": kind, "DataSource": entries}

    def compute(self, ws: int, n: int, standard: bool) -> Dict[str, Any]:
        kind = CR_TYPES[n % len(CR_TYPES)]
        entries = []
        for env in (["Dev", "Prod"] if standard else ["Prod"]):
            props: Dict[str, Any] = {"envType": env, "project": f"p{ws}_{n}_{env.lower()}"}
            if kind == "emr":
                props = {"envType": env, "clusterId": f"C-{ws}-{n}",
                         "accessMode": self.rng.choice(["simple", "security"])}
            if env == "Prod" and self.rng.random() < 0.5:
                props.update({"authType": "SubAccount", "authIdentity": self.rng.choice(self.sched)})
            else:
                props["authType"] = "Executor"
            entries.append({"Id": self.uid(), "ConnectionProperties": props, "WhetherDefault": True})
        return {"Name": f"{kind}_{n}", "Type": kind, "ComputeResource": entries}

    def deployments(self, ws: Dict[str, Any], members: List[str], days: int) -> None:
        files, deps = [], []
        for n in range(self.count(self.sizes.deployments, 2, 6)):
            items = []
            for k in range(self.sizes.files_per_deployment):
                file_id, node_id = self.uid(), self.uid()
                versions = [{"FileVersion": v, "CommitUser": self.rng.choice(members),
                             "CommitTime": self.ago_ms(days + 5 - v), "NodeId": node_id,
                             "IsCurrentProd": v == 2} for v in (2, 1)]
                files.append({"FileId": file_id, "FileName": f"node_{n}_{k}", "Owner": versions[-1]["CommitUser"],
                              "CurrentVersion": 2, "NodeId": node_id, "versions": versions})
                items.append({"FileId": file_id, "FileVersion": 2, "Status": 1})
            executor = self.rng.choice(members)
            # Inside the window, away from its edge, so a second sweep a little later sees the same.
            when = self.ago_ms(self.rng.uniform(0.5, days - 1))
            deps.append({"Id": self.uid(), "Name": f"deploy_{n}", "Status": 1, "Creator": executor,
                         "Executor": executor, "CreateTime": when, "ExecuteTime": when + 60_000,
                         "DeployedItems": items})
        ws["files"], ws["deployments"] = files, deps

    def pipeline(self, ws: Dict[str, Any], members: List[str], days: int) -> None:
        runs, snaps, reviews = [], [], []
        for n in range(self.count(self.sizes.pipeline_runs, 1, 4)):
            node, creator = str(self.uid()), self.rng.choice(members)
            when = self.ago_ms(self.rng.uniform(0.5, days - 1))
            # Built, checked, reviewed and deployed within two hours (stage codes as observed in real runs).
            runs.append({"Id": f"pr-{self.uid()}", "Creator": creator, "Status": "Success", "CreateTime": when,
                         "ModifyTime": when + 7_200_000,
                         "Stages": [{"Step": 1, "Code": "BUILD_PACKAGE", "Type": "Build", "Status": "Success"},
                                    {"Step": 2, "Code": "PROD_CHECK", "Type": "Check", "Status": "Success"},
                                    {"Step": 3, "Code": "PROD", "Type": "Deploy", "Status": "Success"}],
                         "items": [{"Id": node, "Name": f"n{n}", "Type": "Node", "Version": 1}]})
            snaps.append({"Id": f"snap-{self.uid()}", "ObjectId": node, "Type": "Saved", "Version": 1,
                          "Creator": self.rng.choice(members), "CreateTime": when - 3_600_000})
            if self.rng.random() < 0.5:
                reviewer = self.rng.choice(members)
                # CreateCodeReview takes the run's id: a review is created after its run started.
                reviews.append({"Id": f"cr-{self.uid()}", "ObjectId": node, "Creator": creator,
                                "Reviewers": [reviewer], "FinalReviewer": reviewer, "Status": "Accepted",
                                "CreateTime": when + 600_000, "ReviewTime": when + 2_400_000})
        ws["pipeline_runs"], ws["snapshots"], ws["code_reviews"] = runs, snaps, reviews

    def workspace(self, ws_id: int, days: int) -> Dict[str, Any]:
        standard = self.rng.random() < 0.8
        picked = self.rng.sample(self.users, self.count(self.sizes.members, 3, 8))
        ws: Dict[str, Any] = {"Id": ws_id, "Name": f"ws_{ws_id}", "DisplayName": f"workspace {ws_id}",
                              "Status": "Available", "Owner": "1234567890123456",
                              "DevEnvironmentEnabled": standard}
        ws["members"] = [self.member(u) for u in picked]
        ws["data_sources"] = [self.data_source(ws_id, n, standard)
                              for n in range(self.count(self.sizes.data_sources, 1, 5))]
        ws["compute_resources"] = [self.compute(ws_id, n, standard)
                                   for n in range(self.count(self.sizes.compute_resources, 1, 3))]
        self.deployments(ws, picked, days)
        self.pipeline(ws, picked, days)
        return ws

    def mc_project(self, n: int) -> Dict[str, Any]:
        r = self.rng.random
        return {"name": f"mc_proj_{n}", "owner": "1234567890123456",
                "properties": {"retentionDays": self.rng.choice([0, 1, 1, 7]),
                               "encryption": {"enable": r() < 0.5, "algorithm": "AES256"}},
                "securityProperties": {"labelSecurity": r() < 0.5, "enableDownloadPrivilege": r() < 0.5,
                                       "projectProtection": {"protected": r() < 0.5}}}

    def signins(self) -> Dict[str, List[Dict[str, Any]]]:
        """RAM-user ConsoleSignin records as documented (doc 286977): serviceName AasSub, so that a
        LookupEvents with ServiceName=AasSub and User=<name> (a listed key pair) finds them."""
        events: Dict[str, List[Dict[str, Any]]] = {r: [] for r in SIGNIN_REGIONS}
        for uid in self.sched:
            for k in range(self.rng.choice([0, 0, 1, 3])):
                region = self.rng.choice(SIGNIN_REGIONS)
                when = self.now - timedelta(days=self.rng.uniform(0, 120))
                events[region].append({
                    "eventId": f"ev-{uid}-{k}", "eventName": "ConsoleSignin", "eventType": "ConsoleSignin",
                    "eventTime": when.strftime("%Y-%m-%dT%H:%M:%SZ"), "serviceName": "AasSub",
                    "eventSource": "signin.aliyun.com", "acsRegion": region,
                    "userIdentity": {"type": "ram-user", "userName": f"sched_{uid[-4:]}", "principalId": uid}})
        return events


def generate_world(workspaces: int, mc_projects: int, seed: int = 0,
                   regions: Optional[Sequence[str]] = None, days: int = 30,
                   now: str = NOW, sizes: Optional[Sizes] = None) -> Dict[str, Any]:
    """A world dict (what the YAML holds); workspaces and projects spread over the regions."""
    names = list(regions or ["cn-hangzhou"])
    gen = _Gen(seed, datetime.fromisoformat(now.replace("Z", "+00:00")).astimezone(timezone.utc), names, sizes)
    body: Dict[str, Any] = {r: {"dataworks": {"workspaces": []}, "maxcompute": {"projects": []},
                                "actiontrail": {"trails": [], "events": []}} for r in names}
    for n in range(workspaces):
        body[names[n % len(names)]]["dataworks"]["workspaces"].append(gen.workspace(100_000 + n, days))
    for n in range(mc_projects):
        body[names[n % len(names)]]["maxcompute"]["projects"].append(gen.mc_project(n))
    for region, events in gen.signins().items():
        body.setdefault(region, {"actiontrail": {"trails": [], "events": []}})
        body[region]["actiontrail"]["events"] = events
    body[names[0]]["actiontrail"]["trails"] = [{"Name": "audit", "EventRW": "All", "TrailRegion": "All",
                                                "SlsProjectArn": "acs:log:::project/audit"}]
    users = [{"UserId": u, "UserName": f"u{u[-4:]}"} for u in gen.users]
    users += [{"UserId": u, "UserName": f"sched_{u[-4:]}"} for u in gen.sched]
    creds = {"access_keys": [{"AccessKeyId": "AKIDbench", "AccessKeySecret": "benchSecret"}]}
    return {"now": now, "default_region": names[0], "credentials": creds, "ram_users": users,
            "regions": body}


def write_world(out: Union[str, Path], workspaces: int, mc_projects: int, seed: int = 0,
                regions: Optional[Sequence[str]] = None, sizes: Optional[Sizes] = None,
                extra: Optional[Dict[str, Any]] = None, now: str = NOW) -> Dict[str, int]:
    """`extra` adds top-level keys (quotas, faults) before the world is written."""
    world = generate_world(workspaces, mc_projects, seed, regions, now=now, sizes=sizes)
    world.update(extra or {})
    Path(out).write_text(yaml.dump(world, Dumper=_Dumper, sort_keys=False, width=200), encoding="utf-8")
    return counts(world)


def counts(world: Dict[str, Any]) -> Dict[str, int]:
    regions = world["regions"].values()
    spaces = [ws for r in regions for ws in r.get("dataworks", {}).get("workspaces", [])]
    return {
        "workspaces": len(spaces),
        "mc_projects": sum(len(r.get("maxcompute", {}).get("projects", [])) for r in regions),
        "members": sum(len(ws["members"]) for ws in spaces),
        "data_sources": sum(len(ws["data_sources"]) for ws in spaces),
        "compute_resources": sum(len(ws["compute_resources"]) for ws in spaces),
        "deployments": sum(len(ws["deployments"]) for ws in spaces),
        "pipeline_runs": sum(len(ws["pipeline_runs"]) for ws in spaces),
        "events": sum(len(r.get("actiontrail", {}).get("events", [])) for r in regions),
    }
