"""The functions' RAM policy comes from the code: the operation table's read actions, the store, fan-out."""

from __future__ import annotations

import re

import pytest

from scripts import deploy_lib as deploy
from dwdiag.clients import operations
from dwdiag.clients.operations import Operation, read_actions

from tests.support.deploy import resolve_sub

READ = re.compile(r"^[a-z]+:(Get|List|Describe)[A-Za-z]+$")
READ_EXCEPTIONS = {"actiontrail:LookupEvents"}  # ActionTrail's event search: a read with another verb


@pytest.fixture(scope="module")
def policy(service):
    return resolve_sub(service["Properties"]["Policies"])


def test_template_policy_is_exactly_the_one_the_code_makes(policy):
    assert policy == deploy.policy_document("${OssBucket}", "${OssPrefix}"), (
        "template.yml's Policies differ from scripts/deploy_lib.py policy_document; paste "
        "`scripts/deploy policy --bucket '${OssBucket}' --prefix '${OssPrefix}'` into it (as YAML, with !Sub)")


def test_policy_grants_what_the_collectors_call_and_nothing_else(policy):
    missing, extra = deploy.action_mismatch(policy)
    assert not missing, f"the collectors call actions template.yml does not grant: {missing}"
    assert not extra, f"template.yml grants actions nobody calls: {extra}"
    assert deploy.granted_actions(policy) == set(read_actions()) | set(deploy.STORE_ACTIONS) \
        | set(deploy.INVOKE_ACTIONS)


def test_a_new_operation_in_the_table_makes_the_policy_check_fail(monkeypatch):
    today = deploy.policy_document("${OssBucket}", "${OssPrefix}")  # a template that matches today's table
    monkeypatch.setattr(operations, "OPERATIONS", [*operations.OPERATIONS, Operation("ram", "ListGroups", "ram")])
    assert "ram:ListGroups" in read_actions()
    assert deploy.action_mismatch(today) == (["ram:ListGroups"], [])
    assert deploy.policy_document("${OssBucket}", "${OssPrefix}") != today


def test_a_grant_nobody_calls_makes_the_policy_check_fail():
    today = deploy.policy_document("${OssBucket}", "${OssPrefix}")
    widened = {**today, "Statement": [*today["Statement"],
                                      {"Effect": "Allow", "Action": ["dataworks:ListTables"], "Resource": "*"}]}
    assert deploy.action_mismatch(widened) == ([], ["dataworks:ListTables"])


def test_least_privilege_reads_everywhere_writes_only_under_the_prefix_and_invoke_only_ours(policy):
    assert policy["Version"] == "1"
    assert all(s["Effect"] == "Allow" for s in policy["Statement"])
    allowed_writes = set(deploy.STORE_ACTIONS) | set(deploy.INVOKE_ACTIONS)
    for statement in policy["Statement"]:
        actions = statement["Action"]
        resources = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        for action in actions:
            assert "*" not in action, f"wildcard action {action}"
            if action in allowed_writes:
                assert "*" not in resources, f"{action} must be scoped to its resources"
            else:
                assert READ.match(action) or action in READ_EXCEPTIONS, f"{action} is not a read"
    objects = set(deploy.STORE_ACTIONS) - set(deploy.BUCKET_ACTIONS)
    assert objects == {"oss:DeleteObject", "oss:GetObject", "oss:PutObject"}
    store = next(s for s in policy["Statement"] if set(s["Action"]) == objects)
    assert store["Resource"] == ["acs:oss:*:*:${OssBucket}/${OssPrefix}*"] and "Condition" not in store
    listing = next(s for s in policy["Statement"] if set(s["Action"]) == set(deploy.BUCKET_ACTIONS))
    assert listing["Action"] == ["oss:ListObjects"]
    assert listing["Resource"] == ["acs:oss:*:*:${OssBucket}"], "ListObjects is a bucket-level action"
    assert listing["Condition"] == {"StringLike": {"oss:Prefix": ["${OssPrefix}*"]}}, \
        "listing is limited to the results prefix"
    invoke = next(s for s in policy["Statement"] if set(s["Action"]) == set(deploy.INVOKE_ACTIONS))
    assert invoke["Resource"] == [f"acs:fc:*:*:services/{deploy.SERVICE_NAME}/functions/{name}"
                                  for name in deploy.functions()]


def test_fc3_policy_differs_only_in_the_function_arns():
    fc2 = deploy.policy_document("b", "p/")
    fc3 = deploy.policy_document("b", "p/", edition="fc3")
    assert fc2["Statement"][:-1] == fc3["Statement"][:-1]
    assert fc3["Statement"][-1]["Action"] == list(deploy.INVOKE_ACTIONS)
    assert fc3["Statement"][-1]["Resource"] == [f"acs:fc:*:*:functions/{n}" for n in deploy.functions()]
    with pytest.raises(ValueError):
        deploy.policy_document("b", "p/", edition="fc4")


# --- issue 7: a check that fails on any write or `*` action, proven against widened policies ---------

def least_privilege_problems(policy: dict, bucket: str = "b", prefix: str = "p/") -> list[str]:
    """Why `policy` is more than reads plus the store and invoke grants (empty when it is not): the store's
    object actions only on the results prefix, ListObjects only on the bucket and only under the
    `oss:Prefix` condition of the results prefix, no other OSS action, invoke never on every resource."""
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
            elif not (READ.match(action) or action in READ_EXCEPTIONS):
                problems.append(f"{action} is not a read")
    return problems


def test_the_template_policy_has_no_write_or_wildcard_action(policy):
    assert least_privilege_problems(policy, "${OssBucket}", "${OssPrefix}") == []
    assert least_privilege_problems(deploy.policy_document("b", "p/", edition="fc3")) == []


@pytest.mark.parametrize("widening", [
    {"Effect": "Allow", "Action": ["dataworks:DeleteProject"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["dataworks:UpdateDataSource"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["ram:CreateAccessKey"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["odps:*"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["*"], "Resource": "*"},
    {"Effect": "Allow", "Action": "dataworks:List*", "Resource": "*"},
    {"Effect": "Allow", "Action": ["oss:PutObject"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["oss:DeleteObject"], "Resource": ["acs:oss:*:*:b/*"]},
    {"Effect": "Allow", "Action": ["oss:GetObject"], "Resource": ["acs:oss:*:*:other/p/*"]},
    {"Effect": "Allow", "Action": ["oss:DeleteBucket"], "Resource": ["acs:oss:*:*:b"]},
    {"Effect": "Allow", "Action": ["oss:GetBucketInfo"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["oss:ListObjects"], "Resource": ["acs:oss:*:*:b"]},
    {"Effect": "Allow", "Action": ["oss:ListObjects"], "Resource": "*",
     "Condition": {"StringLike": {"oss:Prefix": ["p/*"]}}},
    {"Effect": "Allow", "Action": ["oss:ListObjects"], "Resource": ["acs:oss:*:*:b"],
     "Condition": {"StringLike": {"oss:Prefix": ["*"]}}},
    {"Effect": "Allow", "Action": ["oss:ListBuckets"], "Resource": ["acs:oss:*:*:*"]},
    {"Effect": "Allow", "NotAction": ["ram:GetUser"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["fc:InvokeFunction"], "Resource": "*"},
], ids=lambda w: str(w.get("Action") or w.get("NotAction")))
def test_any_write_or_wildcard_grant_is_caught(widening):
    today = deploy.policy_document("b", "p/")
    widened = {**today, "Statement": [*today["Statement"], widening]}
    assert least_privilege_problems(widened), f"{widening} went unnoticed"
