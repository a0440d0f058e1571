"""The bundled demo tenant shows every item failing and passing somewhere, and every kind of result."""

from __future__ import annotations

from collections import defaultdict

from dwdiag import catalog
from dwdiag.runner import evaluate
from dwdiag.settings import Settings


def test_every_item_has_a_fail_and_a_pass(demo):
    seen = defaultdict(set)
    for f in evaluate(demo, Settings(datasource_access_strict=True)).findings:
        seen[f.item_id].add(f.status.value)
    for item in catalog.ITEM_IDS:
        assert {"pass", "fail"} <= seen[item], f"{item}: {sorted(seen[item])}"


def test_error_manual_and_not_applicable_all_appear(demo):
    statuses = {f.status.value for f in evaluate(demo, Settings()).findings}
    assert statuses == {"pass", "fail", "error", "manual", "not_applicable"}
