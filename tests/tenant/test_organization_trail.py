"""ActionTrail across accounts: in an organization run over the emulated Resource Directory
(dwdiag_emulator/worlds/organization.yaml), a member with no trail of its own passes actiontrail_audit
by its organization's multi-account trail, and the result names that trail and the management
account that owns it."""

from __future__ import annotations

from importlib import resources
from typing import Iterator

import pytest

from dwdiag import organization
from dwdiag.clients import Credentials
from dwdiag.clients.retry import RetryPolicy
from dwdiag.settings import Settings
from dwdiag.sweep import Sweep
from dwdiag_emulator import Emulator

pytestmark = pytest.mark.emulator

WORLD = resources.files("dwdiag_emulator.worlds").joinpath("organization.yaml")
MGMT, PROD, ANALYTICS = "5000000000000001", "5000000000000011", "5000000000000012"
SCANNER = Credentials("AKIDorgScanner", "orgScannerSecret")
REGIONS = ["cn-hangzhou", "cn-shanghai"]
PRODUCTS = ("dataworks", "maxcompute", "actiontrail", "ram", "sts", "resourcedirectory")


@pytest.fixture
def org() -> Iterator[Emulator]:
    emu = Emulator(WORLD)
    with emu.running():
        yield emu


def sweep_of(emu: Emulator, settings: Settings) -> Sweep:
    urls = {region: emu.url(region) for region in emu.endpoints}
    endpoints = {p: {**urls, "*": emu.url()} for p in PRODUCTS}
    return Sweep(settings, SCANNER, endpoints,
                 retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.01, max_attempts=2))


def run_org(emu: Emulator, store=None, **settings) -> tuple:
    s = Settings(regions=REGIONS, **{"accounts": "resource-directory", **settings})
    result = organization.run(s, source="scan", sweep=sweep_of(emu, s), now=emu.backend.now(), store=store)
    return s, result


def test_a_member_without_a_trail_passes_by_the_management_accounts_multi_account_trail(org):
    _, result = run_org(org, categories=["platform_config"])
    audits = {(f.account_id, f.region): f for f in result.findings if f.item_id == "actiontrail_audit"}
    for region in REGIONS:  # analytics has no trail; org-audit (home cn-hangzhou) covers all regions
        found = audits[(ANALYTICS, region)]
        assert found.status.value == "pass", found.result
        assert f"multi-account trail org-audit (owned by account {MGMT}, resource directory rd-org01)" in found.result
    # prod-data's own trail records write events only: it passes by the organization's trail as well
    assert f"owned by account {MGMT}" in audits[(PROD, "cn-hangzhou")].result
    # its status was asked in the member's own session, in the trail's home region, once; the emulator
    # answers org-audit only to IsOrganizationTrail=true, so the 200 says it was asked as a multi-account trail
    asked = [r for r in org.requests(ANALYTICS) if r.action == "GetTrailStatus"]
    assert [(r.region, r.params["Name"], r.status) for r in asked] == [("cn-hangzhou", "org-audit", 200)]
