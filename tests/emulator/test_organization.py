"""An organization in the emulator (worlds/organization.yaml), through the official SDK clients:
Resource Directory ListAccounts, STS AssumeRole into the members, and every other call signed with an
issued key served from that member's own tenant (data, quotas, log), until the token expires."""
from __future__ import annotations

import json
import urllib.request
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Iterator

import pytest
from alibabacloud_actiontrail20200706 import models as at
from alibabacloud_actiontrail20200706.client import Client as ActionTrail
from alibabacloud_dataworks_public20240518 import models as dw
from alibabacloud_dataworks_public20240518.client import Client as DataWorks
from alibabacloud_ram20150501 import models as ram
from alibabacloud_ram20150501.client import Client as Ram
from alibabacloud_resourcedirectorymaster20220419 import models as rd
from alibabacloud_resourcedirectorymaster20220419.client import Client as ResourceDirectory
from alibabacloud_sts20150401 import models as sts
from alibabacloud_sts20150401.client import Client as Sts
from alibabacloud_tea_openapi.exceptions import ClientException

from dwdiag_emulator import Emulator, WorldError, load_world
from tests.support.emulator import make_config

pytestmark = pytest.mark.emulator

WORLD = resources.files("dwdiag_emulator.worlds").joinpath("organization.yaml")
MGMT, PROD, ANALYTICS, SANDBOX, NEW = ("5000000000000001", "5000000000000011", "5000000000000012",
                                       "5000000000000013", "5000000000000014")
SCANNER = {"ak": "AKIDorgScanner", "secret": "orgScannerSecret"}
ROOT = {"ak": "AKIDorgRoot", "secret": "orgRootSecret"}


def role_arn(account: str, name: str = "dwdiag-scanner") -> str:
    return f"acs:ram::{account}:role/{name}"


@pytest.fixture(scope="module")
def org() -> Iterator[Emulator]:
    emu = Emulator(str(WORLD))
    with emu.running():
        yield emu


@pytest.fixture(autouse=True)
def _clean(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "org" in request.fixturenames:
        emu = request.getfixturevalue("org")
        emu.clear_faults()
        emu.clear_quotas()
        emu.clear_requests()


def _rd(emu: Emulator, **kw) -> ResourceDirectory:
    return ResourceDirectory(make_config(emu, "cn-hangzhou", **{**SCANNER, **kw}))


def _sts(emu: Emulator, region: str = "cn-hangzhou", **kw) -> Sts:
    return Sts(make_config(emu, region, **{**SCANNER, **kw}))


def _assume(emu: Emulator, account: str, session: str = "dwdiag-run1", duration=None, name="dwdiag-scanner",
            **kw) -> sts.AssumeRoleResponseBody:
    req = sts.AssumeRoleRequest(role_arn=role_arn(account, name), role_session_name=session,
                                duration_seconds=duration)
    return _sts(emu, **kw).assume_role(req).body


def _as(emu: Emulator, creds, region: str = "cn-hangzhou"):
    return make_config(emu, region, ak=creds.access_key_id, secret=creds.access_key_secret,
                       token=creds.security_token)


# --- ListAccounts ------------------------------------------------------------------------------

def test_list_accounts_pages_by_token(org):
    client, seen, token = _rd(org), [], None
    while True:
        body = client.list_accounts(rd.ListAccountsRequest(max_results=2, next_token=token)).body
        assert len(body.accounts.account) <= 2 and body.total_count == 5
        seen += body.accounts.account
        token = body.next_token
        if not token:
            break
    assert [a.account_id for a in seen] == [MGMT, PROD, ANALYTICS, SANDBOX, NEW]
    new = seen[-1]
    assert (new.status, new.type, new.folder_id) == ("CreateVerifying", "CloudAccount", "fd-dev01")
    sandbox = seen[3]
    assert sandbox.resource_directory_id == "rd-org01"
    assert sandbox.resource_directory_path == f"rd-org01/r-Org001/fd-dev01/fd-sandbox1/{SANDBOX}"
    assert sandbox.join_method == "created" and sandbox.tags is None


def test_list_accounts_pages_by_number_with_documented_default(org):
    body = _rd(org).list_accounts(rd.ListAccountsRequest()).body
    assert (body.page_number, body.page_size, body.total_count) == (1, 10, 5)
    body = _rd(org).list_accounts(rd.ListAccountsRequest(page_number=2, page_size=3)).body
    assert [a.account_id for a in body.accounts.account] == [SANDBOX, NEW]
    assert body.next_token is None


def test_list_accounts_filters_and_tags(org):
    body = _rd(org).list_accounts(rd.ListAccountsRequest(query_keyword="PROD", include_tags=True)).body
    [prod] = body.accounts.account
    assert prod.account_id == PROD and [(t.key, t.value) for t in prod.tags.tag] == [("env", "prod")]
    tagged = _rd(org).list_accounts(rd.ListAccountsRequest(
        tag=[rd.ListAccountsRequestTag(key="env", value="dev")])).body
    assert [a.account_id for a in tagged.accounts.account] == [ANALYTICS]


def test_list_accounts_is_the_management_accounts_only(org):
    creds = _assume(org, PROD).credentials
    with pytest.raises(ClientException) as err:
        ResourceDirectory(_as(org, creds)).list_accounts(rd.ListAccountsRequest())
    assert (err.value.code, err.value.status_code) == ("EntityNotExists.ResourceDirectory", 404)
    assert err.value.data["HostId"] == "resourcedirectory.aliyuncs.com"


def test_a_world_without_directory_answers_not_enabled(emulator, config_for):
    with pytest.raises(ClientException) as err:
        ResourceDirectory(config_for()).list_accounts(rd.ListAccountsRequest())
    assert err.value.code == "EntityNotExists.ResourceDirectory"


def test_a_foreign_next_token_is_refused(org):
    first = _rd(org).list_accounts(rd.ListAccountsRequest(max_results=1)).body
    with pytest.raises(ClientException) as err:
        _rd(org).list_accounts(rd.ListAccountsRequest(max_results=1, next_token=first.next_token,
                                                      query_keyword="a"))
    assert err.value.code == "InvalidNextToken"


# --- AssumeRole --------------------------------------------------------------------------------

def test_assume_role_answers_the_documented_body(org):
    before = datetime.now(timezone.utc)
    resp = _sts(org).assume_role(sts.AssumeRoleRequest(role_arn=role_arn(PROD), role_session_name="dwdiag-run1"))
    body = resp.body
    assert body.request_id and body.credentials.access_key_id.startswith("STS.")
    assert body.credentials.access_key_secret and body.credentials.security_token
    expires = datetime.strptime(body.credentials.expiration, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc)
    assert timedelta(seconds=3590) <= expires - before <= timedelta(seconds=3610)  # default 3600, wall clock
    assert body.assumed_role_user.arn == f"acs:ram::{PROD}:role/dwdiag-scanner/dwdiag-run1"
    assert body.assumed_role_user.assumed_role_id.endswith(":dwdiag-run1")
    [record] = [r for r in org.requests() if r.action == "AssumeRole"]
    assert record.params == {"RoleArn": role_arn(PROD), "RoleSessionName": "dwdiag-run1"}
    assert record.status == 200 and record.account_id == MGMT


def test_role_names_are_matched_without_case(org):
    body = _assume(org, PROD, name="DWDiag-Scanner", duration=7200)
    assert body.assumed_role_user.arn.startswith(f"acs:ram::{PROD}:role/dwdiag-scanner/")


@pytest.mark.parametrize("account, name, kw, code, status", [
    (SANDBOX, "dwdiag-scanner", {}, "NoPermission", 403),
    (NEW, "dwdiag-scanner", {}, "EntityNotExist.Role", 404),
    (PROD, "no-such-role", {}, "EntityNotExist.Role", 404),
    ("9999999999999999", "dwdiag-scanner", {}, "EntityNotExist.Role", 404),
    (PROD, "dwdiag-scanner", ROOT, "NoPermission", 403),
])
def test_assume_role_refusals(org, account, name, kw, code, status):
    with pytest.raises(ClientException) as err:
        _assume(org, account, name=name, **kw)
    assert (err.value.code, err.value.status_code) == (code, status)
    if kw is ROOT:
        assert err.value.data["Message"] == "Roles may not be assumed by root accounts."
    elif code == "NoPermission":
        assert err.value.data["Message"].startswith("No permission perform sts:AssumeRole on this Role.")
    assert org.requests()[-1].error_code == code


@pytest.mark.parametrize("session, duration, code", [
    ("a", None, "InvalidParameter.RoleSessionName"),
    ("x" * 65, None, "InvalidParameter.RoleSessionName"),
    ("bad name", None, "InvalidParameter.RoleSessionName"),
    ("ok-name", 899, "InvalidParameter.DurationSeconds"),
    ("ok-name", 3601, "InvalidParameter.DurationSeconds"),  # analytics' role keeps the 3600 s default
])
def test_assume_role_parameters_are_checked(org, session, duration, code):
    with pytest.raises(ClientException) as err:
        _assume(org, ANALYTICS, session=session, duration=duration)
    assert (err.value.code, err.value.status_code) == (code, 400)


def test_a_bad_role_arn_is_refused(org):
    with pytest.raises(ClientException) as err:
        _sts(org).assume_role(sts.AssumeRoleRequest(role_arn=f"acs:ram::{PROD}:user/alice", role_session_name="s1"))
    assert err.value.code == "InvalidParameter.RoleArn"


def test_a_role_trusting_another_account_refuses(org):
    """prod-data's role trusts the management account; a session in analytics is not trusted by it."""
    inside = _assume(org, ANALYTICS)
    with pytest.raises(ClientException) as err:
        Sts(_as(org, inside.credentials)).assume_role(
            sts.AssumeRoleRequest(role_arn=role_arn(PROD), role_session_name="hop"))
    assert err.value.code == "NoPermission"


# --- the issued key is the member's --------------------------------------------------------------

def test_issued_key_reads_the_members_tenant(org):
    creds = _assume(org, PROD, session="sweep-prod").credentials
    ident = Sts(_as(org, creds)).get_caller_identity().body
    assert (ident.account_id, ident.identity_type) == (PROD, "AssumedRoleUser")
    assert ident.arn == f"acs:ram::{PROD}:assumed-role/dwdiag-scanner/sweep-prod"
    users = Ram(_as(org, creds)).list_users(ram.ListUsersRequest()).body.users.user
    assert [u.user_name for u in users] == ["etl_prod"]
    projects = DataWorks(_as(org, creds)).list_projects(dw.ListProjectsRequest()).body.paging_info.projects
    assert [p.id for p in projects] == [51101]
    # the management account's own key still reads its own tenant
    own = DataWorks(make_config(org, "cn-hangzhou", **SCANNER)).list_projects(dw.ListProjectsRequest())
    assert [p.id for p in own.body.paging_info.projects] == [50001]


def test_each_member_keeps_its_regions(org):
    creds = _assume(org, ANALYTICS).credentials
    shanghai = DataWorks(_as(org, creds, "cn-shanghai")).list_projects(dw.ListProjectsRequest()).body
    hangzhou = DataWorks(_as(org, creds, "cn-hangzhou")).list_projects(dw.ListProjectsRequest()).body
    assert [p.id for p in shanghai.paging_info.projects] == [51201]
    assert hangzhou.paging_info.projects == [] or hangzhou.paging_info.total_count == 0


def test_member_calls_go_to_the_members_log_and_quota(org):
    prod = _assume(org, PROD).credentials
    analytics = _assume(org, ANALYTICS).credentials
    org.add_quota(account=PROD, name="dw", product="dataworks", qps=1000, daily=1)
    org.clear_requests()
    DataWorks(_as(org, prod)).list_projects(dw.ListProjectsRequest())
    with pytest.raises(ClientException) as err:  # prod's daily quota of one is spent
        DataWorks(_as(org, prod)).list_projects(dw.ListProjectsRequest())
    assert err.value.code == "Throttling.Api.Risk"
    DataWorks(_as(org, analytics, "cn-shanghai")).list_projects(dw.ListProjectsRequest())  # its own bucket
    assert [(r.action, r.status) for r in org.requests(PROD)] == [("ListProjects", 200), ("ListProjects", 429)]
    assert [(r.action, r.account_id) for r in org.requests(ANALYTICS)] == [("ListProjects", ANALYTICS)]
    assert org.requests() == []  # the management account's log saw none of it
    assert len(org.requests("*")) == 3


def test_member_faults_stay_in_the_member(org):
    creds = _assume(org, PROD).credentials
    org.add_fault(account=PROD, product="ram", actions=["ListUsers"], kind="error", status=403,
                  code="NoPermission")
    with pytest.raises(ClientException) as err:
        Ram(_as(org, creds)).list_users(ram.ListUsersRequest())
    assert err.value.code == "NoPermission"
    assert Ram(make_config(org, "cn-hangzhou", **SCANNER)).list_users(ram.ListUsersRequest()).body.users.user


def test_expire_control_ends_every_issued_token(org):
    creds = _assume(org, PROD).credentials
    assert Sts(_as(org, creds)).get_caller_identity().body.account_id == PROD
    req = urllib.request.Request(org.url() + "/_emulator/sts/expire", method="POST", data=b"")
    with urllib.request.urlopen(req, timeout=5) as resp:
        assert json.loads(resp.read())["expired"] >= 1
    with pytest.raises(ClientException) as err:
        Sts(_as(org, creds)).get_caller_identity()
    assert (err.value.code, err.value.status_code) == ("InvalidSecurityToken.Expired", 400)
    fresh = _assume(org, PROD).credentials  # a refresh gets a working key
    assert Sts(_as(org, fresh)).get_caller_identity().body.account_id == PROD


def test_request_log_control_per_account(org):
    creds = _assume(org, PROD).credentials
    Sts(_as(org, creds)).get_caller_identity()
    with urllib.request.urlopen(org.url() + f"/_emulator/requests?account={PROD}", timeout=5) as resp:
        records = json.loads(resp.read())
    assert [r["action"] for r in records] == ["GetCallerIdentity"]


# --- the organization's multi-account trail, seen from a member ----------------------------------

ORG_TRAIL_ARN = f"acs:actiontrail:cn-hangzhou:{MGMT}:trail/org-audit"


def _trail_names(client: ActionTrail, **kw) -> list:
    return [t.name for t in client.describe_trails(at.DescribeTrailsRequest(**kw)).body.trail_list]


def test_members_see_the_management_accounts_multi_account_trail(org):
    creds = _assume(org, ANALYTICS).credentials  # analytics has no trail of its own
    home, shanghai = ActionTrail(_as(org, creds)), ActionTrail(_as(org, creds, "cn-shanghai"))
    assert _trail_names(home) == [], "IncludeOrganizationTrail defaults to false"
    [trail] = home.describe_trails(at.DescribeTrailsRequest(include_organization_trail=True)).body.trail_list
    assert (trail.name, trail.is_organization_trail, trail.organization_id) == ("org-audit", True, "rd-org01")
    assert (trail.trail_arn, trail.home_region, trail.trail_region) == (ORG_TRAIL_ARN, "cn-hangzhou", "All")
    assert (trail.status, trail.event_rw) == ("Enable", "All") and trail.sls_project_arn
    # another region lists it only as a shadow of its home region
    assert _trail_names(shanghai, include_organization_trail=True) == []
    assert _trail_names(shanghai, include_organization_trail=True, include_shadow_trails=True) == ["org-audit"]
    # its status is the management trail's, asked in its home region as a multi-account trail
    status = home.get_trail_status(at.GetTrailStatusRequest(name="org-audit", is_organization_trail=True)).body
    assert status.is_logging is True and status.sls_log_store_status is True
    for client, kind in ((home, None), (shanghai, True)):
        with pytest.raises(ClientException) as err:
            client.get_trail_status(at.GetTrailStatusRequest(name="org-audit", is_organization_trail=kind))
        assert err.value.code == "TrailNotFoundException"
    assert {r.account_id for r in org.requests(ANALYTICS)} == {ANALYTICS}, "served in the member's own log"
    assert not [r for r in org.requests() if r.product == "actiontrail"]


def test_a_member_with_a_trail_of_its_own_sees_both_and_the_management_account_its_own(org):
    prod = ActionTrail(_as(org, _assume(org, PROD).credentials))
    assert _trail_names(prod) == ["prod-writes"]
    assert _trail_names(prod, include_organization_trail=True) == ["prod-writes", "org-audit"]
    own = ActionTrail(make_config(org, "cn-hangzhou", **SCANNER))
    [trail] = own.describe_trails(at.DescribeTrailsRequest(include_organization_trail=True)).body.trail_list
    assert (trail.name, trail.trail_arn) == ("org-audit", ORG_TRAIL_ARN), "listed once, as its own"


# --- world validation ----------------------------------------------------------------------------

MEMBER = {"AccountId": "5000000000000011", "DisplayName": "m"}


@pytest.mark.parametrize("org_block, expected", [
    ({"members": [{**MEMBER, "Status": "Active"}]}, "organization.members.0.Status"),
    ({"members": [{**MEMBER, "AccountId": "12"}]}, "organization.members.0.AccountId"),
    ({"members": [{**MEMBER, "FolderId": "fd-nowhere"}]}, "members.0.FolderId: fd-nowhere"),
    ({"members": [MEMBER, MEMBER]}, "members.1.AccountId: 5000000000000011 is listed twice"),
    ({"members": [{**MEMBER, "roles": {"r": {"deny": "maybe"}}}]}, "organization.members.0.roles.r.deny"),
    ({"members": [{**MEMBER, "roles": {"a": {}, "A": {}}}]}, "differ only in case"),
    ({"members": [{**MEMBER, "tenant": {"regions": {"cn-hangzhou": {"bogus": 1}}}}]},
     "organization.members.0.tenant.regions.cn-hangzhou.bogus"),
    ({"members": [{**MEMBER, "tenant": {"account_id": "5000000000000099"}}]}, "is not this member's AccountId"),
    ({"folders": [{"FolderId": "fd-a", "FolderName": "a", "ParentFolderId": "fd-b"}]}, "ParentFolderId fd-b"),
])
def test_bad_organization_blocks_are_named(org_block, expected):
    with pytest.raises(WorldError) as err:
        load_world({"account_id": "5000000000000001", "organization": org_block})
    assert expected in str(err.value)


def test_bad_block_in_yaml_names_the_line():
    text = ("account_id: '5000000000000001'\norganization:\n  members:\n"
            "    - AccountId: '5000000000000011'\n      DisplayName: m\n      JoinMethod: adopted\n")
    with pytest.raises(WorldError) as err:
        load_world(text)
    assert "organization.members.0.JoinMethod (line 6)" in str(err.value)


def test_member_tenant_from_a_file(tmp_path):
    (tmp_path / "members").mkdir()
    (tmp_path / "members" / "prod.yaml").write_text("ram_users: [{UserId: '1', UserName: u}]\n")
    (tmp_path / "bad.yaml").write_text("regions:\n  cn-hangzhou:\n    nothing: 1\n")
    outer = tmp_path / "org.yaml"
    outer.write_text("account_id: '5000000000000001'\norganization:\n  members:\n"
                     "    - {AccountId: '5000000000000011', DisplayName: p, tenant: members/prod.yaml}\n")
    world = load_world(outer)
    tenant = world.organization.members[0].tenant
    assert (tenant.account_id, tenant.ram_users[0].UserName) == ("5000000000000011", "u")
    outer.write_text(outer.read_text().replace("members/prod.yaml", "bad.yaml"))
    with pytest.raises(WorldError) as err:
        load_world(outer)
    assert "organization.members.0.tenant" in str(err.value) and "regions.cn-hangzhou.nothing (line 3)" in str(err.value)
    outer.write_text(outer.read_text().replace("bad.yaml", "missing.yaml"))
    with pytest.raises(WorldError, match="no such world file"):
        load_world(outer)


def test_a_key_belongs_to_one_account():
    key = {"AccessKeyId": "AKIDdup", "AccessKeySecret": "s"}
    with pytest.raises(WorldError, match="AKIDdup is held by both"):
        load_world({"account_id": "5000000000000001", "credentials": {"access_keys": [key]},
                    "organization": {"members": [{**MEMBER, "tenant": {"credentials": {"access_keys": [key]}}}]}})
