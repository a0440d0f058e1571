"""ActionTrail across accounts: in an organization run over the emulated Resource Directory
(dwdiag_emulator/worlds/organization.yaml), a member with no trail of its own passes actiontrail_audit
by its organization's multi-account trail, and the result names that trail and the management
account that owns it."""

from __future__ import annotations

from typing import Iterator

import pytest

from dwdiag_emulator import Emulator
from tests.support.organization import ANALYTICS, MGMT, PROD, REGIONS, run_org, running_organization

pytestmark = pytest.mark.emulator

@pytest.fixture
def org() -> Iterator[Emulator]:
    with running_organization() as emu:
        yield emu


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
