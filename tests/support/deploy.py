"""The deployment files (template.yml, s.yaml, the handlers under functions/) and readers of them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import os
import re
import subprocess
import sys

from scripts import deploy_lib as deploy
from dwdiag.models.findings import Category
from dwdiag.settings import DEFAULT_MEMBER_ROLE
from tests.support.paths import ROOT

TEMPLATE = ROOT / "template.yml"
S_YAML = ROOT / "s.yaml"


def handler_file(category: str) -> Path:
    return ROOT / "functions" / category / "index.py"


def missing_handlers() -> list[str]:
    return [str(handler_file(c.value).relative_to(ROOT)) for c in Category if not handler_file(c.value).is_file()]


def resolve_sub(value: Any) -> Any:
    """template.yml's `!Sub "...${X}..."` as its text, so it compares with policy_document("${X}", ...)."""
    if isinstance(value, dict):
        if set(value) == {"Fn::Sub"} and isinstance(value["Fn::Sub"], str):
            return value["Fn::Sub"]
        return {k: resolve_sub(v) for k, v in value.items()}
    if isinstance(value, list):
        return [resolve_sub(v) for v in value]
    return value


# --- the RAM policies: what counts as a read, and the least-privilege check (tests/deploy) -----------

READ = re.compile(r"^[a-z]+:(Get|List|Describe)[A-Za-z]+$")
READ_EXCEPTIONS = {"actiontrail:LookupEvents"}  # ActionTrail's event search: a read with another verb
MEMBER_ROLE = "${MemberRole}"  # template.yml's parameter


def member_arns(member_role: str = MEMBER_ROLE) -> list[str]:
    return [f"acs:ram::*:role/{member_role}"]


def least_privilege_problems(policy: dict, bucket: str = "b", prefix: str = "p/",
                             member_role: str = DEFAULT_MEMBER_ROLE) -> list[str]:
    """Why `policy` is more than reads plus the store, invoke and AssumeRole grants (empty when it is not):
    the store's object actions only on the results prefix, ListObjects only on the bucket and only under the
    `oss:Prefix` condition of the results prefix, no other OSS action, invoke never on every resource,
    AssumeRole only on the member role's name, without a condition that could widen it."""
    problems = []
    objects = set(deploy.STORE_ACTIONS) - set(deploy.BUCKET_ACTIONS)
    under_prefix = [f"acs:oss:*:*:{bucket}/{prefix}*"]
    listing = ([f"acs:oss:*:*:{bucket}"], {"StringLike": {"oss:Prefix": [f"{prefix}*"]}})
    for statement in policy.get("Statement", []):
        if statement.get("Effect") != "Allow" or "NotAction" in statement or "NotResource" in statement:
            problems.append(f"statement {statement} is not a plain Allow")
        actions = statement.get("Action", [])
        resource = statement.get("Resource")
        resources = resource if isinstance(resource, list) else [resource]
        condition = statement.get("Condition")
        for action in [actions] if isinstance(actions, str) else actions:
            if "*" in action:
                problems.append(f"wildcard action {action}")
            elif action in objects:
                if resources != under_prefix or condition is not None:
                    problems.append(f"{action} on {resources}, not only under the results prefix {under_prefix}")
            elif action in deploy.BUCKET_ACTIONS:
                if (resources, condition) != listing:
                    problems.append(f"{action} on {resources} with {condition}: not limited to the results prefix")
            elif action.startswith("oss:"):
                problems.append(f"{action}: the store needs no other OSS action")
            elif action in deploy.INVOKE_ACTIONS:
                if "*" in resources:
                    problems.append(f"{action} on every resource")
            elif action in deploy.ASSUME_ACTIONS:
                if resources != member_arns(member_role) or condition is not None:
                    problems.append(f"{action} on {resources}, not only on the member role {member_role}")
            elif not (READ.match(action) or action in READ_EXCEPTIONS):
                problems.append(f"{action} is not a read")
    return problems


SCRIPT = str(ROOT / "scripts" / "deploy")


def run_deploy(args, path, **env):
    """scripts/deploy with only `path` on PATH (and the project's interpreter)."""
    full = {"PATH": path, "HOME": os.environ.get("HOME", "/root"), "DWDIAG_VENV": sys.prefix, **env}
    return subprocess.run([SCRIPT, *args], cwd=ROOT, env=full, capture_output=True, text=True, timeout=60)


def references(*parts: Any) -> tuple[set[str], set[str]]:
    """The parameters (`Ref`, `${X}` of `Fn::Sub`) and the conditions (`Fn::If`) a ROS template's parts name."""
    refs: set[str] = set()
    conditions: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if set(value) == {"Ref"}:
                refs.add(value["Ref"])
            if set(value) == {"Fn::Sub"}:
                refs.update(re.findall(r"\$\{(\w+)\}", value["Fn::Sub"]))
            if set(value) == {"Fn::If"}:
                conditions.add(value["Fn::If"][0])
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    for part in parts:
        walk(part)
    return refs, conditions

