"""The functions' RAM policy comes from the code: the operation table's read actions, the store, fan-out,
and the organization sweep's ListAccounts and AssumeRole (on the member role only)."""

from __future__ import annotations

import re

import pytest

from scripts import deploy_lib as deploy
from dwdiag.clients import operations
from dwdiag.clients.operations import Operation, organization_actions, read_actions
from dwdiag.settings import DEFAULT_MEMBER_ROLE

from tests.support.deploy import (MEMBER_ROLE, READ, READ_EXCEPTIONS, least_privilege_problems, member_arns,
                                  resolve_sub)



@pytest.fixture(scope="module")
def policy(service):
    return resolve_sub(service["Properties"]["Policies"])


def test_template_policy_is_exactly_the_one_the_code_makes(policy):
    assert policy == deploy.policy_document("${OssBucket}", "${OssPrefix}", member_role=MEMBER_ROLE), (
        "template.yml's Policies differ from scripts/deploy_lib.py policy_document; paste "
        "`scripts/deploy policy --bucket '${OssBucket}' --prefix '${OssPrefix}' --member-role '${MemberRole}'` "
        "into it (as YAML, with !Sub)")


def test_member_role_parameter_is_the_setting_and_reaches_the_functions(template, fc2_functions, fc3_functions):
    from dwdiag.settings import Settings

    parameter = template["Parameters"]["MemberRole"]
    assert parameter["Default"] == DEFAULT_MEMBER_ROLE == Settings.model_fields["member_role"].default
    pattern = next(m.pattern for m in Settings.model_fields["member_role"].metadata if hasattr(m, "pattern"))
    assert parameter["AllowedPattern"] == pattern, "the template accepts exactly the role names the setting does"
    for name in deploy.category_functions():
        assert fc2_functions[name]["Properties"]["EnvironmentVariables"]["DWDIAG_MEMBER_ROLE"] == \
            {"Ref": "MemberRole"}, "the role the functions assume is the one their policy lets them assume"
        assert fc3_functions[name]["environmentVariables"]["DWDIAG_MEMBER_ROLE"] == \
            f"${{env('DWDIAG_MEMBER_ROLE', '{DEFAULT_MEMBER_ROLE}')}}"
    # The watch follows its own account (DWDIAG_ACCOUNTS=self): it assumes no member role, so is given none.
    watch = deploy.function_name(deploy.WATCH)
    assert "DWDIAG_MEMBER_ROLE" not in fc2_functions[watch]["Properties"]["EnvironmentVariables"]
    assert "DWDIAG_MEMBER_ROLE" not in fc3_functions[watch]["environmentVariables"]


def test_policy_grants_what_the_collectors_call_and_nothing_else(policy):
    missing, extra = deploy.action_mismatch(policy)
    assert not missing, f"the collectors call actions template.yml does not grant: {missing}"
    assert not extra, f"template.yml grants actions nobody calls: {extra}"
    assert deploy.granted_actions(policy) == set(read_actions()) | set(deploy.STORE_ACTIONS) \
        | set(deploy.INVOKE_ACTIONS) | set(organization_actions())
    assert set(organization_actions()) == {"resourcemanager:ListAccounts", "sts:AssumeRole"}


def test_assume_role_is_granted_only_on_the_member_role_and_listing_members_on_every_resource(policy):
    assume = [s for s in policy["Statement"] if "sts:AssumeRole" in s["Action"]]
    assert assume == [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": member_arns()}], \
        "AssumeRole only on roles named like the member role, in one statement of its own"
    listing = [s for s in policy["Statement"] if "resourcemanager:ListAccounts" in s["Action"]]
    assert listing == [{"Effect": "Allow", "Action": ["resourcemanager:ListAccounts"], "Resource": "*"}]
    named = deploy.policy_document("b", "p/", member_role="audit-reader")
    assert [s["Resource"] for s in named["Statement"] if "sts:AssumeRole" in s["Action"]] == \
        [member_arns("audit-reader")]
    default = deploy.policy_document("b", "p/")
    assert [s["Resource"] for s in default["Statement"] if "sts:AssumeRole" in s["Action"]] == \
        [member_arns(DEFAULT_MEMBER_ROLE)]


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
    allowed_writes = set(deploy.STORE_ACTIONS) | set(deploy.INVOKE_ACTIONS) | set(deploy.ASSUME_ACTIONS)
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
                                  for name in deploy.category_functions()]
    assume = next(s for s in policy["Statement"] if set(s["Action"]) == set(deploy.ASSUME_ACTIONS))
    assert assume["Resource"] == member_arns() and "Condition" not in assume


def test_the_watch_shares_the_role_and_needs_no_grant_beyond_it(policy):
    """The watch reads ActionTrail's write events and keeps its cursor, findings and alerts in the store: all
    granted already. It never invokes a function, so fan-out's InvokeFunction stays on the four categories."""
    watch = deploy.function_name(deploy.WATCH)
    assert watch in deploy.functions() and watch not in deploy.category_functions()
    granted = deploy.granted_actions(policy)
    assert {"actiontrail:LookupEvents", *deploy.STORE_ACTIONS} <= granted
    for edition in ("fc2", "fc3"):
        document = deploy.policy_document("b", "p/", edition=edition)
        [invoke] = [s for s in document["Statement"] if s["Action"] == list(deploy.INVOKE_ACTIONS)]
        assert invoke["Resource"] == [deploy.function_arn(n, edition) for n in deploy.category_functions()]
        assert deploy.function_arn(watch, edition) not in invoke["Resource"]


def test_fc3_policy_differs_only_in_the_function_arns():
    fc2 = deploy.policy_document("b", "p/")
    fc3 = deploy.policy_document("b", "p/", edition="fc3")
    at = next(i for i, s in enumerate(fc3["Statement"]) if s["Action"] == list(deploy.INVOKE_ACTIONS))
    assert fc2["Statement"][:at] + fc2["Statement"][at + 1:] == fc3["Statement"][:at] + fc3["Statement"][at + 1:]
    assert fc3["Statement"][at]["Resource"] == [f"acs:fc:*:*:functions/{n}" for n in deploy.category_functions()]
    with pytest.raises(ValueError):
        deploy.policy_document("b", "p/", edition="fc4")


# --- issue 7: a check that fails on any write or `*` action, proven against widened policies ---------

def test_the_template_policy_has_no_write_or_wildcard_action(policy):
    assert least_privilege_problems(policy, "${OssBucket}", "${OssPrefix}", MEMBER_ROLE) == []
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
    {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": ["acs:ram::*:role/*"]},
    {"Effect": "Allow", "Action": ["sts:AssumeRole"],
     "Resource": ["acs:ram::*:role/ResourceDirectoryAccountAccessRole"]},
    {"Effect": "Allow", "Action": ["sts:*"], "Resource": ["acs:ram::*:role/dwdiag-scanner"]},
    {"Effect": "Allow", "Action": ["resourcemanager:CreateAccount"], "Resource": "*"},
    {"Effect": "Allow", "Action": ["resourcemanager:MoveAccount"], "Resource": "*"},
], ids=lambda w: f"{w.get('Action') or w.get('NotAction')} on {w.get('Resource')}")
def test_any_write_or_wildcard_grant_is_caught(widening):
    today = deploy.policy_document("b", "p/")
    widened = {**today, "Statement": [*today["Statement"], widening]}
    assert least_privilege_problems(widened), f"{widening} went unnoticed"


def test_the_remediation_policy_holds_the_three_writes_and_the_scanner_none_of_them(policy):
    remediation = deploy.remediation_policy_document()
    (statement,) = remediation["Statement"]
    assert statement["Action"] == sorted(["odps:UpdateProjectBasicMeta", "actiontrail:StartLogging",
                                          "ram:DeleteLoginProfile"])
    scanner = deploy.granted_actions(policy) | deploy.granted_actions(deploy.member_policy_document())
    assert not scanner & set(statement["Action"]), "the scanner's and the members' roles stay read-only"
