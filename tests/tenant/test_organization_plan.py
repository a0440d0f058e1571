"""The organization run's pieces, the largest first, sized from the last run of the same category."""

from __future__ import annotations

from dwdiag import organization
from dwdiag.collectors.accounts import Accounts, Member
from dwdiag.publish import layout
from dwdiag.store import LocalStore

SMALL, LARGE, NEW = Member("1001"), Member("1002"), Member("1003")
REGION = "cn-hangzhou"


def record(store, run_id: str, category: str, member: Member, plan: dict) -> None:
    prefix = layout.run_prefix(run_id)
    store.write(layout.part_record(prefix, category, layout.place(member.account_id, REGION)),
                {"run_id": run_id, "summary": {"plan": {REGION: plan}}})
    store.write(layout.history_entry(run_id), {"run_id": run_id, "categories": [category]})


def whole(seconds: float, workspaces: int, left: int) -> dict:
    return {"workspaces": workspaces, "workspaces_left": left, "projects": 0, "projects_left": 0,
            "seconds_at_least": seconds}


def order(store, category="data_production") -> list[str]:
    pieces = organization.plan(store, Accounts([SMALL, LARGE, NEW], organization=True), [REGION], category)
    return [p.member.account_id for p in pieces]


def test_pieces_are_sized_from_the_last_run_of_their_own_category(tmp_path):
    store = LocalStore(tmp_path)
    record(store, "20261127T010000Z-aaaaaa", "data_production", SMALL, whole(10, 10, 10))
    record(store, "20261127T010000Z-aaaaaa", "data_production", LARGE, whole(500, 200, 200))
    # A later run of another category: its parts say nothing of data_production's sizes.
    record(store, "20261128T010000Z-bbbbbb", "platform_config", SMALL, whole(1, 1, 1))
    assert order(store) == ["1003", "1002", "1001"], "never swept first, then the largest"


def test_a_place_that_went_on_in_pieces_is_sized_as_a_whole(tmp_path):
    store = LocalStore(tmp_path)
    # LARGE's part record is its last piece's plan: 20 of 400 workspaces were left, 50 s of them.
    record(store, "20261127T010000Z-aaaaaa", "data_production", LARGE, whole(50, 400, 20))
    record(store, "20261127T010000Z-aaaaaa", "data_production", SMALL, whole(100, 40, 40))
    pieces = organization.plan(store, Accounts([SMALL, LARGE], organization=True), [REGION], "data_production")
    assert [(p.member.account_id, p.estimate_s) for p in pieces] == [("1002", 1000.0), ("1001", 100.0)]


def test_a_last_piece_that_only_published_leaves_the_place_unknown_and_early(tmp_path):
    store = LocalStore(tmp_path)
    record(store, "20261127T010000Z-aaaaaa", "data_production", LARGE, whole(0, 400, 0))
    record(store, "20261127T010000Z-aaaaaa", "data_production", SMALL, whole(100, 40, 40))
    pieces = organization.plan(store, Accounts([SMALL, LARGE], organization=True), [REGION], "data_production")
    assert [(p.member.account_id, p.estimate_s) for p in pieces] == [("1002", None), ("1001", 100.0)]
