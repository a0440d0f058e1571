"""deploy/member-role.yml: the read-only role an organization sweep assumes in each member account.

Its permissions are exactly the operation table's read actions (no write, no store, no organization
action), it trusts only the scanner's Function Compute role (and one operator principal when given), and
`scripts/deploy policy --member` prints the same documents.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from scripts import deploy_lib as deploy
from dwdiag.clients import operations
from dwdiag.clients.operations import Operation, organization_actions, read_actions
from dwdiag.settings import ACCOUNT_ID, DEFAULT_MEMBER_ROLE, Settings

from tests.support.deploy import READ, READ_EXCEPTIONS, least_privilege_problems, references, resolve_sub
from tests.support.deploy import run_deploy as run
from tests.support.paths import ROOT

MEMBER_TEMPLATE = ROOT / deploy.MEMBER_ROLE_TEMPLATE
SCANNER = "acs:ram::${ScannerAccountId}:role/${ScannerRoleName}"  # the trust policy's !Sub


@pytest.fixture(scope="module")
def member() -> dict[str, Any]:
    return deploy.load_yaml(MEMBER_TEMPLATE)


@pytest.fixture(scope="module")
def role(member) -> dict[str, Any]:
    roles = [r for r in member["Resources"].values() if r["Type"] == "ALIYUN::RAM::Role"]
    assert len(roles) == 1, "one RAM role"
    return roles[0]["Properties"]


@pytest.fixture(scope="module")
def role_policy(role) -> dict[str, Any]:
    assert len(role["Policies"]) == 1, "one permission policy"
    return role["Policies"][0]["PolicyDocument"]


def if_branches(value: Any) -> tuple[str, Any, Any]:
    assert set(value) == {"Fn::If"}, value
    condition, when_true, when_false = value["Fn::If"]
    return condition, when_true, when_false


# --- the template ------------------------------------------------------------------------------------------

def test_member_template_is_a_plain_ros_template_with_only_the_role(member):
    assert member["ROSTemplateFormatVersion"] == "2015-09-01"
    assert "Transform" not in member, "a plain template: a stack group deploys it to the members as it is"
    assert [r["Type"] for r in member["Resources"].values()] == ["ALIYUN::RAM::Role"], \
        "the template creates the role and nothing else (ROS creates the role's policy from Policies)"
    assert "stack group" in member["Description"] and "service-managed" in member["Description"]
    assert "SERVICE_MANAGED" in member["Metadata"]["dwdiag"]["Deployment"]


def test_parameters_are_validated_and_defaults_are_the_code_s(member, role):
    params = member["Parameters"]
    assert set(params) == {"ScannerAccountId", "ScannerRoleName", "RoleName", "MaxSessionDuration",
                           "OperatorPrincipal"}
    assert params["ScannerAccountId"]["AllowedPattern"] == ACCOUNT_ID == r"^\d{16}$"
    assert "Default" not in params["ScannerAccountId"], "the scanning account must be given"
    setting_pattern = next(m.pattern for m in Settings.model_fields["member_role"].metadata if hasattr(m, "pattern"))
    assert params["RoleName"]["Default"] == DEFAULT_MEMBER_ROLE
    assert params["RoleName"]["AllowedPattern"] == params["ScannerRoleName"]["AllowedPattern"] == setting_pattern
    assert params["ScannerRoleName"]["Default"] == deploy.SCANNER_ROLE
    assert role["RoleName"] == {"Ref": "RoleName"}
    assert role["MaxSessionDuration"] == {"Ref": "MaxSessionDuration"}
    duration = params["MaxSessionDuration"]
    assert (duration["MinValue"], duration["MaxValue"]) == (3600, 43200), "RAM's range for MaxSessionDuration"
    session = Settings.model_fields["member_session_seconds"]
    assert duration["Default"] >= session.default, "the default session must fit in the default role"
    assert params["OperatorPrincipal"]["Default"] == ""


@pytest.mark.parametrize("name, value, ok", [
    ("ScannerAccountId", "1234567890123456", True),
    ("ScannerAccountId", "123456789012345", False),
    ("ScannerAccountId", "12345678901234567", False),
    ("ScannerAccountId", "12345678901234ab", False),
    ("OperatorPrincipal", "", True),
    ("OperatorPrincipal", "acs:ram::1234567890123456:user/alice", True),
    ("OperatorPrincipal", "acs:ram::1234567890123456:role/dwdiag-operator", True),
    ("OperatorPrincipal", "acs:ram::1234567890123456:root", False),
    ("OperatorPrincipal", "acs:ram::*:role/dwdiag-operator", False),
    ("OperatorPrincipal", "acs:ram::1234567890123456:role/*", False),
    ("OperatorPrincipal", "1234567890123456", False),
    ("RoleName", "dwdiag-scanner", True),
    ("RoleName", "audit.reader", True),
    ("RoleName", "x" * 65, False),
    ("RoleName", "a/b", False),
])
def test_allowed_patterns(member, name, value, ok):
    assert bool(re.fullmatch(member["Parameters"][name]["AllowedPattern"], value)) is ok


def test_every_ref_names_a_parameter_or_a_condition_and_every_parameter_is_used(member):
    refs, conditions = references(member["Resources"], member["Conditions"])
    assert refs == set(member["Parameters"])
    assert conditions == set(member["Conditions"]) == {"HasOperator"}
    assert member["Conditions"]["HasOperator"] == {"Fn::Not": {"Fn::Equals": ["", {"Ref": "OperatorPrincipal"}]}}


def test_output_is_the_role_arn(member):
    assert member["Outputs"]["RoleArn"]["Value"] == {"Fn::GetAtt": ["MemberRole", "Arn"]}


# --- what the role can do ----------------------------------------------------------------------------------

def test_member_policy_is_exactly_the_read_actions_of_the_operation_table(role_policy):
    assert role_policy == deploy.member_policy_document(), (
        "deploy/member-role.yml's PolicyDocument differs from deploy_lib.member_policy_document(); paste "
        "the PolicyDocument of `scripts/deploy policy --member` into it")
    assert role_policy["Statement"] == [{"Effect": "Allow", "Action": read_actions(), "Resource": "*"}]
    granted = deploy.granted_actions(role_policy)
    assert granted == set(read_actions())
    assert not granted & set(organization_actions()), "a member session cannot list the directory or hop on"
    assert not granted & (set(deploy.STORE_ACTIONS) | set(deploy.INVOKE_ACTIONS)), "no store, no invoke"
    assert all(READ.match(a) or a in READ_EXCEPTIONS for a in granted), "only reads"
    assert least_privilege_problems(role_policy) == []


def test_member_policy_reads_what_the_scanning_account_reads_for_itself(role_policy):
    scanning = deploy.policy_document("b", "p/")
    reads = [s for s in scanning["Statement"] if s["Resource"] == "*" and s["Action"] == read_actions()]
    assert reads == role_policy["Statement"], "a member is read exactly as the scanner's own account is"


def test_a_new_operation_in_the_table_makes_the_member_check_fail(monkeypatch, role_policy):
    monkeypatch.setattr(operations, "OPERATIONS", [*operations.OPERATIONS, Operation("ram", "ListGroups", "ram")])
    assert deploy.member_policy_document() != role_policy
    assert "ram:ListGroups" in deploy.granted_actions(deploy.member_policy_document())


def test_policy_name_is_derived_from_the_role_name(role):
    assert role["Policies"][0]["PolicyName"] == {"Fn::Sub": "${RoleName}-read"}


# --- who can assume it -------------------------------------------------------------------------------------

def trust_principals(role: dict[str, Any]) -> tuple[list[str], list[str]]:
    """(principals without an operator, principals with one) of the template's trust policy."""
    document = role["AssumeRolePolicyDocument"]
    assert document["Version"] == "1"
    (statement,) = document["Statement"]
    assert statement["Effect"] == "Allow" and statement["Action"] == "sts:AssumeRole"
    assert set(statement) == {"Effect", "Action", "Principal"}
    assert set(statement["Principal"]) == {"RAM"}, "no Service or Federated principal"
    condition, with_operator, without = if_branches(statement["Principal"]["RAM"])
    assert condition == "HasOperator"
    return resolve_sub(without), resolve_sub(with_operator)


def test_trust_policy_names_only_the_scanner_s_function_compute_role(role):
    without, _ = trust_principals(role)
    assert without == [SCANNER], "only the functions' service role in the scanning account"
    assert not any(p.endswith(":root") or "*" in p for p in without), "never a whole account or a pattern"


def test_the_operator_principal_is_trusted_only_when_given(role):
    without, with_operator = trust_principals(role)
    assert with_operator == [SCANNER, {"Ref": "OperatorPrincipal"}]
    assert {"Ref": "OperatorPrincipal"} not in without


def template_trust(role: dict[str, Any], operator: str) -> dict[str, Any]:
    """The template's trust policy as ROS would resolve it for `operator` ('' = none), placeholders kept."""
    without, with_operator = trust_principals(role)
    chosen = [operator if p == {"Ref": "OperatorPrincipal"} else p for p in (with_operator if operator else without)]
    document = json.loads(json.dumps(role["AssumeRolePolicyDocument"]))
    document["Statement"][0]["Principal"]["RAM"] = chosen
    return document


@pytest.mark.parametrize("operator", ["", "acs:ram::1234567890123456:user/alice"])
def test_trust_policy_is_the_one_the_code_makes(role, operator):
    assert template_trust(role, operator) == deploy.member_trust_policy("${ScannerAccountId}", "${ScannerRoleName}",
                                                                         operator)


def test_member_trust_policy_of_the_code():
    plain = deploy.member_trust_policy("1234567890123456", "dwdiag-fc")
    assert plain["Statement"][0]["Principal"] == {"RAM": ["acs:ram::1234567890123456:role/dwdiag-fc"]}
    with_operator = deploy.member_trust_policy("1234567890123456", "dwdiag-fc", "acs:ram::1234567890123456:user/a")
    assert with_operator["Statement"][0]["Principal"]["RAM"] == ["acs:ram::1234567890123456:role/dwdiag-fc",
                                                                 "acs:ram::1234567890123456:user/a"]


# --- the scanning side names the same role -----------------------------------------------------------------

def test_the_scanner_may_assume_exactly_the_member_role(member):
    default = member["Parameters"]["RoleName"]["Default"]
    assume = [s for s in deploy.policy_document("b", "p/", member_role=default)["Statement"]
              if "sts:AssumeRole" in s["Action"]]
    assert assume == [{"Effect": "Allow", "Action": ["sts:AssumeRole"], "Resource": [f"acs:ram::*:role/{default}"]}]


# --- scripts/deploy policy --member ------------------------------------------------------------------------

def test_deploy_policy_member_prints_the_template_s_documents(bare_path, role, role_policy):
    done = run(["policy", "--member", "--scanner-account", "${ScannerAccountId}",
                "--scanner-role", "${ScannerRoleName}"], bare_path)
    assert done.returncode == 0, done.stderr
    printed = json.loads(done.stdout)
    assert set(printed) == {"PolicyDocument", "AssumeRolePolicyDocument"}, "labelled by the role's properties"
    assert printed["PolicyDocument"] == role_policy == deploy.member_policy_document()
    assert printed["AssumeRolePolicyDocument"] == template_trust(role, "")


def test_deploy_policy_member_with_an_operator(bare_path, role):
    operator = "acs:ram::1234567890123456:role/dwdiag-operator"
    done = run(["policy", "--member", "--scanner-account", "${ScannerAccountId}", "--scanner-role",
                "${ScannerRoleName}", "--operator", operator], bare_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["AssumeRolePolicyDocument"] == template_trust(role, operator)


@pytest.mark.slow
def test_deploy_policy_member_defaults_name_the_scanner_role_of_scripts_deploy_role(bare_path):
    done = run(["policy", "--member"], bare_path)
    assert done.returncode == 0, done.stderr
    principals = json.loads(done.stdout)["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]["RAM"]
    assert principals == [f"acs:ram::<ScannerAccountId>:role/{deploy.SCANNER_ROLE}"]
