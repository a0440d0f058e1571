"""What every rule stands on: registration by name, the per-workspace helper, unreadable entries, purity."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import pytest

import dwdiag.checks
from dwdiag import catalog
from dwdiag.checks import (
    RULES, Outcome, in_workspace, load_all, per_workspace, rule, unreadable_entry, workspace_obj, workspaces_unlisted,
)
from dwdiag.models.common import EnvEntry, Workspace
from dwdiag.models.data_production import DataProductionEvidence
from dwdiag.models.findings import Status

from . import NOW, REGION, call_error, entry, workspace

CHECKS = Path(dwdiag.checks.__file__).parent


def evidence(*workspaces: dict, **fields) -> DataProductionEvidence:
    return DataProductionEvidence.model_validate({"region": REGION, "workspaces": list(workspaces), **fields})


def ws(wid: int, status: str = "Available", **fields) -> dict:
    return {"workspace": workspace(wid, f"ws{wid}", status=status), **fields}


def seen(ws) -> Outcome:
    return Outcome(Status.passed, workspace_obj(ws.workspace), f"judged {ws.workspace.id}")


# --- @rule ------------------------------------------------------------------------------------

def test_every_item_has_one_rule_registered_under_its_function_name():
    rules = load_all()
    assert set(rules) == set(catalog.ITEM_IDS)
    assert all(fn.__name__ == item_id for item_id, fn in rules.items())


def test_a_rule_named_after_no_item_fails_at_registration():
    def maxcompute_bakcup(ev, settings, now):
        return []

    with pytest.raises(RuntimeError, match="maxcompute_bakcup: no catalog item"):
        rule(maxcompute_bakcup)
    assert "maxcompute_bakcup" not in RULES


def test_a_second_rule_for_an_item_fails_at_registration():
    load_all()
    original = RULES["maxcompute_backup"]

    def maxcompute_backup(ev, settings, now):
        return []

    with pytest.raises(RuntimeError, match="two rules for maxcompute_backup"):
        rule(maxcompute_backup)
    assert RULES["maxcompute_backup"] is original


def test_rule_takes_no_id():
    with pytest.raises(TypeError, match="takes no item id"):
        rule("maxcompute_backup")


# --- per_workspace ----------------------------------------------------------------------------

def test_unlisted_workspaces_are_one_error_for_every_object_and_nothing_is_judged():
    ev = evidence(ws(1), workspaces_error=call_error("ListProjects"))
    judged = []
    out = per_workspace(ev, "dataworks_member", judged.append)
    assert judged == []
    assert [(o.status, o.obj.type, o.obj.id) for o in out] == [(Status.error, "dataworks_member", "*")]
    assert out[0].result.startswith("DataWorks workspaces could not be checked: ")
    assert out == workspaces_unlisted(ev, "dataworks_member")
    assert workspaces_unlisted(evidence(ws(1)), "dataworks_member") == []


def test_only_available_workspaces_are_judged_in_order_unless_all_are_asked_for():
    ev = evidence(ws(3), ws(1, status="Frozen"), ws(2))
    assert [o.obj.id for o in per_workspace(ev, "dataworks_workspace", seen)] == ["3", "2"]
    assert [o.obj.id for o in per_workspace(ev, "dataworks_workspace", seen, include_unavailable=True)] == \
        ["3", "1", "2"]


def test_a_judge_may_give_one_outcome_or_several():
    ev = evidence(ws(1), ws(2))
    assert len(per_workspace(ev, "dataworks_workspace", lambda w: [seen(w), seen(w)])) == 4
    assert len(per_workspace(ev, "dataworks_workspace", lambda w: iter([]))) == 0


@pytest.mark.parametrize("object_type,object_id", [("dataworks_member", "2/*"), ("dataworks_workspace", "2")])
def test_a_failed_list_is_one_error_for_the_workspace_and_the_others_are_still_judged(object_type, object_id):
    ev = evidence(ws(1), ws(2, members_error=call_error("ListProjectMembers")))
    out = per_workspace(ev, object_type, seen, list_error=lambda w: w.members_error, listing="Members")
    assert [(o.status, o.obj.id) for o in out] == [(Status.passed, "1"), (Status.error, object_id)]
    assert out[1].obj.type == object_type and out[1].obj.workspace_id == "2"
    assert out[1].result.startswith("Members of workspace ws2 could not be checked: ")
    assert out[1].result.endswith("The caller needs a workspace role in the workspace, or the tenant "
                                  "administrator role.")


def test_list_error_and_listing_go_together():
    with pytest.raises(TypeError):
        per_workspace(evidence(), "dataworks_member", seen, list_error=lambda w: w.members_error)
    with pytest.raises(TypeError):
        per_workspace(evidence(), "dataworks_member", seen, listing="Members")


# --- unreadable_entry -------------------------------------------------------------------------

def test_unreadable_entry_names_the_first_entry_whose_properties_did_not_parse():
    obj = in_workspace("dataworks_datasource", Workspace.model_validate(workspace()), "orders")
    readable = EnvEntry.model_validate(entry(1, "Dev", {"host": "h"}))
    broken = [EnvEntry.model_validate({**entry(n, "Prod"), "ConnectionProperties": "{not json"}) for n in (2, 3)]
    assert unreadable_entry(obj, "Data source orders", [readable]) is None
    out = unreadable_entry(obj, "Data source orders", [readable, *broken])
    assert out.status == Status.error and out.obj == obj and out.evidence == {"entry_id": "2"}
    assert out.result.startswith("Data source orders could not be checked: entry 2 has ConnectionProperties ")


# --- purity -----------------------------------------------------------------------------------

FORBIDDEN = ("dwdiag.clients", "dwdiag.collectors", "dwdiag.store", "dwdiag.scan", "dwdiag_emulator",
             "alibabacloud", "aliyun", "oss2", "requests", "urllib", "http", "socket", "time")


@pytest.mark.parametrize("path", sorted(CHECKS.rglob("*.py")), ids=lambda p: str(p.relative_to(CHECKS)))
def test_rules_import_no_network_store_or_clock(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    modules = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
    modules += [n.module or "" for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)]
    bad = [m for m in modules if any(m == f or m.startswith(f + ".") for f in FORBIDDEN)]
    assert not bad, f"{path.name} imports {bad}"


def test_rules_keep_the_rule_signature():
    for item_id, fn in load_all().items():
        assert list(inspect.signature(fn).parameters) == ["ev", "settings", "now"], item_id
        assert fn(*_empty_evidence(item_id), NOW) is not None


def _empty_evidence(item_id: str):
    from dwdiag.models.snapshot import RegionEvidence
    from dwdiag.settings import Settings

    region = RegionEvidence.model_validate({"region": REGION, catalog.get(item_id).category.value: {}})
    return region.for_category(catalog.get(item_id).category), Settings()
