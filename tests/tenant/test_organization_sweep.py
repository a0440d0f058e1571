"""An organization run against the emulated Resource Directory (dwdiag_emulator/worlds/organization.yaml):
the scanning (management) account and its members swept as one run, each member through its own
assumed role, a member that refuses the role an error of its own, every result tagged with its account."""

from __future__ import annotations

import csv
import io
import json
from typing import Iterator

import pytest

from dwdiag import organization
from dwdiag.clients.assume import AssumedRole, role_arn
from dwdiag.models.findings import Category, Status
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag_emulator import Emulator
from tests.support.organization import (ANALYTICS, MGMT, NEW, PROD, REGIONS, SANDBOX, run_org,
                                        running_organization, sweep_of)

pytestmark = pytest.mark.emulator

@pytest.fixture
def org() -> Iterator[Emulator]:
    with running_organization() as emu:
        yield emu


@pytest.mark.slow
def test_every_member_is_swept_in_its_own_account_and_the_refusing_one_is_an_error_of_its_own(org, tmp_path):
    _, result = run_org(org, LocalStore(tmp_path))
    by_account: dict[str, list] = {}
    for f in result.findings:
        by_account.setdefault(f.account_id, []).append(f)
    assert set(by_account) == {MGMT, PROD, ANALYTICS, SANDBOX}, "the not-yet-created member is not swept"

    refused = by_account[SANDBOX]
    assert refused and all(f.status is Status.error for f in refused)
    assert all(role_arn(SANDBOX, "dwdiag-scanner") in f.result and "NoPermission" in f.result for f in refused)
    for account in (MGMT, PROD, ANALYTICS):
        assert not [f for f in by_account[account] if "AssumeRole" in f.result], account

    def status(account: str, item: str, region: str = "cn-hangzhou") -> set[str]:
        return {f.status.value for f in by_account[account] if f.item_id == item and f.region == region}

    assert "fail" in status(PROD, "workspace_admin_count") and status(MGMT, "workspace_admin_count") == {"pass"}
    assert "fail" in status(ANALYTICS, "workspace_admin_count", "cn-shanghai")
    assert "fail" in status(PROD, "maxcompute_data_protection")

    summary = result.summary
    assert summary.accounts[NEW]["swept"] == "no" and "CreateVerifying" in summary.accounts[NEW]["why"]
    assert summary.accounts[SANDBOX]["swept"].startswith("no: its role could not be assumed")
    assert {summary.accounts[a]["swept"] for a in (MGMT, PROD, ANALYTICS)} == {"yes"}
    assert any(SANDBOX in p and "every item is an error" in p for p in summary.problems)

    # Each member was entered through its role, in a session that says it is dwdiag's.
    assumed = [r for r in org.requests("*") if r.action == "AssumeRole"]
    assert {r.params["RoleArn"] for r in assumed} == {role_arn(a, "dwdiag-scanner") for a in (PROD, ANALYTICS, SANDBOX)}
    assert all(r.params["RoleSessionName"] == f"dwdiag-{result.run_id}" for r in assumed)
    assert not [r for r in org.requests(SANDBOX) if r.action != "AssumeRole"], "nothing is called in a refusing member"
    assert [r for r in org.requests(PROD) if r.action == "ListProjects"], "the member's own tenant answered"


@pytest.mark.slow
def test_one_organization_run_in_the_store_with_every_account_in_its_documents(org, tmp_path):
    _, result = run_org(org, LocalStore(tmp_path))
    run = next(tmp_path.glob(f"runs/*/{result.run_id}"))
    for account in (MGMT, PROD, ANALYTICS, SANDBOX):
        for region in REGIONS:
            for category in Category:
                doc = json.loads((run / account / region / category.value / "findings.json").read_text())
                assert doc["account_id"] == account and all(f["account_id"] == account for f in doc["findings"])
                assert (tmp_path / "latest" / account / region / f"{category.value}.json").is_file()
    assert not (run / NEW).exists()

    summary = json.loads((run / "summary.json").read_text())
    assert summary["findings"] == len(result.findings)
    assert set(summary["accounts"]) == {MGMT, PROD, ANALYTICS, SANDBOX, NEW}
    assert sum(a.get("findings", 0) for a in summary["accounts"].values()) == len(result.findings)
    assert summary["shards"]["missing"] == [] and len(summary["shards"]["finished"]) == 4 * len(REGIONS)

    events = json.loads((run / "findings.ocsf.json").read_text())
    assert {e["cloud"]["account"]["uid"] for e in events} == {MGMT, PROD, ANALYTICS, SANDBOX}
    rows = list(csv.DictReader(io.StringIO((run / "findings.csv").read_text(encoding="utf-8-sig"))))
    assert {r["account_id"] for r in rows} == {MGMT, PROD, ANALYTICS, SANDBOX} and len(rows) == len(result.findings)
    assert (run / "report.html").is_file()

    stored = "".join(p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file())
    issued = [r for r in org.requests("*") if r.action == "AssumeRole"]
    assert issued and "orgScannerSecret" not in stored and "STS." not in stored, "no credential in the store"


@pytest.mark.slow
def test_named_accounts_and_exclusions(org):
    _, named = run_org(org, accounts=PROD)
    assert {f.account_id for f in named.findings} == {PROD}
    assert not [r for r in org.requests("*") if r.action == "ListAccounts"], "named accounts are not listed"

    _, rest = run_org(org, exclude_accounts=[PROD, SANDBOX])
    assert {f.account_id for f in rest.findings} == {MGMT, ANALYTICS}
    assert rest.summary.accounts[PROD]["why"].startswith("excluded")

    _, foldered = run_org(org, account_folders=["fd-prod01"])
    assert {f.account_id for f in foldered.findings} <= {PROD} and foldered.findings
    # A folder holds its sub-folders' accounts: the sandbox account is in fd-sandbox1, under fd-dev01.
    _, development = run_org(org, account_folders=["fd-dev01"])
    assert {f.account_id for f in development.findings} == {ANALYTICS, SANDBOX}
    assert development.summary.accounts[PROD]["why"] == "not in DWDIAG_ACCOUNT_FOLDERS"


def test_the_session_is_renewed_before_it_expires(org):
    s = Settings(regions=REGIONS)
    scanner = sweep_of(org, s).session("cn-hangzhou")
    clock = [1_000_000.0]
    role = AssumedRole(scanner, role_arn(PROD, "dwdiag-scanner"), "dwdiag-test", duration_seconds=900,
                       renew_before=600, clock=lambda: clock[0])
    first = role.get_credentials()
    clock[0] = first.get_expiration() - 601
    assert role.get_credentials() is first and role.renewals == 0
    clock[0] = first.get_expiration() - 599
    second = role.get_credentials()
    assert role.renewals == 1 and second.get_access_key_id() != first.get_access_key_id()
    assert first.get_access_key_secret() in role.secrets() and second.get_security_token() in role.secrets()


def test_one_account_whose_part_fails_leaves_the_others_swept_and_says_so(org, monkeypatch):
    real = organization.pipeline.run

    def failing(settings, **kw):
        if kw.get("account") == PROD:
            raise OSError("the store went away")
        return real(settings, **kw)

    monkeypatch.setattr(organization.pipeline, "run", failing)
    _, result = run_org(org)
    assert PROD not in {f.account_id for f in result.findings} and {MGMT, ANALYTICS} <= {f.account_id for f in result.findings}
    assert any(p.startswith(f"account {PROD}: its part failed (OSError)") for p in result.summary.problems)
