"""The bundled demo tenant shows every item failing and passing somewhere, and every kind of result."""

from __future__ import annotations

from collections import defaultdict

from dwdiag import catalog
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings


# One account's all-region trail shows as a shadow trail in every region, so a single tenant can
# only pass (or only fail) the audit item everywhere; tests/checks/test_platform_config.py has both.
ACCOUNT_WIDE = {"actiontrail_audit"}


def test_every_item_has_a_fail_and_a_pass(demo):
    seen = defaultdict(set)
    for f in evaluate(demo, Settings(datasource_access_strict=True)).findings:
        seen[f.item_id].add(f.status.value)
    for item in catalog.ITEM_IDS:
        wanted = {"pass"} if item in ACCOUNT_WIDE else {"pass", "fail"}
        assert wanted <= seen[item], f"{item}: {sorted(seen[item])}"


def test_error_manual_and_not_applicable_all_appear(demo):
    statuses = {f.status.value for f in evaluate(demo, Settings()).findings}
    assert statuses == {"pass", "fail", "error", "manual", "not_applicable"}
