"""Packed evidence lists read, validate, compare and serialize like the lists they replace."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from dwdiag.models.common import Workspace
from dwdiag.models.data_production import DataProductionEvidence, Member, WorkspaceProduction
from dwdiag.models.packed import Packed, pack


def ws(i: int, members: int = 2, name: str = "name ") -> WorkspaceProduction:
    return WorkspaceProduction(
        workspace=Workspace(id=str(1000 + i), name=f"ws_{i}", status="Available"),
        members=[Member(user_id=f"u{i}-{m}", user_name=f"{name}{m}", roles=[{"Code": "role_project_dev"}])
                 for m in range(members)])


def test_reads_like_a_list():
    items = [ws(i) for i in range(5)]
    ev = DataProductionEvidence(workspaces=items)
    assert isinstance(ev.workspaces, Packed)
    assert len(ev.workspaces) == 5
    assert ev.workspaces[3] == items[3] and ev.workspaces[-1] == items[-1]
    assert ev.workspaces[1:3] == items[1:3]
    assert [w.workspace.id for w in ev.workspaces] == [f"{1000 + i}" for i in range(5)]
    assert ev.workspaces == items and items == list(ev.workspaces)
    assert ev.workspaces != items[:4]


def test_an_entry_read_is_a_copy():
    ev = DataProductionEvidence(workspaces=[ws(0)])
    ev.workspaces[0].members.clear()
    assert len(ev.workspaces[0].members) == 2


def test_validation_errors_keep_their_list_locations():
    with pytest.raises(ValidationError) as err:
        DataProductionEvidence.model_validate({"workspaces": [ws(0).model_dump(by_alias=True), {"workspace": 7}]})
    assert err.value.errors()[0]["loc"][:2] == ("workspaces", 1)


def test_serializes_and_reads_back_like_a_list():
    ev = DataProductionEvidence(workspaces=[ws(i) for i in range(3)])
    dumped = ev.model_dump(mode="json", by_alias=True, exclude_none=True)
    assert [w["workspace"]["Id"] for w in dumped["workspaces"]] == ["1000", "1001", "1002"]
    assert dumped["workspaces"][0]["members"][0]["UserName"] == "name 0"
    assert DataProductionEvidence.model_validate(dumped) == ev
    assert DataProductionEvidence.model_validate_json(ev.model_dump_json(by_alias=True)).workspaces == ev.workspaces


def test_a_lone_surrogate_survives_packing():
    ev = DataProductionEvidence(workspaces=[ws(0, name="x\ud800")])
    assert ev.workspaces[0].members[1].user_name == "x\ud8001"


def test_packing_is_much_smaller_than_the_models():
    big = ws(0, members=500)
    assert len(pack(big)) < len(big.model_dump_json(by_alias=True)) / 3


def test_entries_packed_elsewhere_are_taken_as_they_are():
    packed = Packed.of_packed(WorkspaceProduction, [pack(ws(0)), pack(ws(1))])
    ev = DataProductionEvidence(workspaces=packed)
    assert ev.workspaces is packed and ev.workspaces[1] == ws(1)


def test_evidence_json_is_written_a_workspace_at_a_time_and_reads_as_the_whole(demo):
    import json

    from dwdiag.models.findings import Category
    from dwdiag.redact import redact
    from dwdiag.publish.writer import evidence_document

    for region in demo.regions:
        for category in Category:
            ev = region.for_category(category)
            if ev is None:
                continue
            whole = redact(ev.model_dump(mode="json", by_alias=True, exclude_none=True))
            assert json.loads(b"".join(evidence_document(ev))) == whole
    odd = DataProductionEvidence(workspaces=[ws(0, name="x\ud800")])
    assert json.loads(b"".join(evidence_document(odd)))["workspaces"][0]["members"][0]["UserName"] == "x\ud8000"
    empty = json.loads(b"".join(evidence_document(DataProductionEvidence())))
    assert empty == {"region": "", "workspaces": [], "identities": []}
