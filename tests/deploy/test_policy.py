"""The functions' RAM policy comes from the code: the operation table's read actions, the store, fan-out."""

from __future__ import annotations

import re

import pytest

from dwdiag import deploy
from dwdiag.clients import operations
from dwdiag.clients.operations import Operation, read_actions

from .conftest import resolve_sub

READ = re.compile(r"^[a-z]+:(Get|List|Describe)[A-Za-z]+$")
READ_EXCEPTIONS = {"actiontrail:LookupEvents"}  # ActionTrail's event search: a read with another verb


@pytest.fixture(scope="module")
def policy(service):
    return resolve_sub(service["Properties"]["Policies"])


def test_template_policy_is_exactly_the_one_the_code_makes(policy):
    assert policy == deploy.policy_document("${OssBucket}", "${OssPrefix}"), (
        "template.yml's Policies differ from dwdiag.deploy.policy_document; paste "
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
    store = next(s for s in policy["Statement"] if set(s["Action"]) == set(deploy.STORE_ACTIONS))
    assert store["Resource"] == ["acs:oss:*:*:${OssBucket}/${OssPrefix}*"]
    invoke = next(s for s in policy["Statement"] if set(s["Action"]) == set(deploy.INVOKE_ACTIONS))
    assert invoke["Resource"] == [f"acs:fc:*:*:services/{deploy.SERVICE_NAME}/functions/{name}"
                                  for name in deploy.functions()]


def test_fc3_policy_differs_only_in_the_function_arns():
    fc2 = deploy.policy_document("b", "p/")
    fc3 = deploy.policy_document("b", "p/", edition="fc3")
    assert fc2["Statement"][:2] == fc3["Statement"][:2]
    assert fc3["Statement"][2]["Resource"] == [f"acs:fc:*:*:functions/{n}" for n in deploy.functions()]
    with pytest.raises(ValueError):
        deploy.policy_document("b", "p/", edition="fc4")
