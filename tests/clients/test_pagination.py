"""`_pages` over a scripted fake client: each paging kind's stop rules and its guards."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable, Union

import pytest

from dwdiag.clients.errors import MALFORMED, PAGINATION, ClientError
from dwdiag.clients.operations import Operation, operation
from dwdiag.clients.session import _pages

Answer = Union[dict, Callable[[dict], dict]]


class FakeClient:
    """What `_pages` needs of a Client: `.product` and `.call(op, params)`; answers from a script."""

    product = "dataworks"

    def __init__(self, *answers: Answer) -> None:
        self.answers = list(answers)
        self.sent: list[dict] = []

    def call(self, op: Operation, params: dict[str, Any]) -> dict:
        self.sent.append(dict(params))
        if not self.answers:
            raise AssertionError(f"unexpected call {len(self.sent)} with {params}")
        answer = self.answers.pop(0)
        return answer(params) if callable(answer) else answer


def pages(client: FakeClient, op: Operation, **params: Any) -> list[dict]:
    return list(_pages(client, op, op.paging, dict(params)))


# --- page number (DataWorks) ----------------------------------------------------------------

TRUSTED = operation("dataworks", "list_projects")          # PagingInfo.Projects, TotalCount trusted
UNTRUSTED = operation("dataworks", "list_data_sources")    # TotalCount not trusted: short page stops


def dw_page(items: list, total: Any = None, key: str = "Projects") -> dict:
    info: dict[str, Any] = {key: items}
    if total is not None:
        info["TotalCount"] = total
    return {"PagingInfo": info, "RequestId": "r"}


def test_the_paging_records():
    assert TRUSTED.paging.total == ("PagingInfo", "TotalCount")
    assert UNTRUSTED.paging.total == ()
    assert operation("maxcompute", "list_projects").paging.kind == "marker"
    assert operation("actiontrail", "lookup_events").paging.kind == "token"
    assert operation("ram", "list_users").paging.truncated == ("IsTruncated",)


def test_page_number_stops_on_total_count():
    client = FakeClient(dw_page([1, 2], 5), dw_page([3, 4], 5), dw_page([5], 5))
    got = pages(client, TRUSTED, PageSize=2)
    assert [p["PagingInfo"]["Projects"] for p in got] == [[1, 2], [3, 4], [5]]
    assert [s["PageNumber"] for s in client.sent] == [1, 2, 3]
    assert {s["PageSize"] for s in client.sent} == {2}


def test_page_number_stops_on_total_count_even_when_the_last_page_is_full():
    client = FakeClient(dw_page([1, 2], 4), dw_page([3, 4], 4))
    assert len(pages(client, TRUSTED, PageSize=2)) == 2        # no third call for an empty page


def test_default_page_size_is_sent():
    client = FakeClient(dw_page([1], 1))
    pages(client, TRUSTED)
    assert client.sent == [{"PageSize": 100, "PageNumber": 1}]


def test_caller_parameters_are_kept_on_every_page():
    client = FakeClient(dw_page([1, 2], 3, "ProjectMembers"), dw_page([3], 3, "ProjectMembers"))
    pages(client, operation("dataworks", "list_project_members"), ProjectId=1001, PageSize=2)
    assert [s["ProjectId"] for s in client.sent] == [1001, 1001]


def test_untrusted_total_stops_on_a_short_page():
    client = FakeClient(dw_page([1, 2], 99, "DataSources"), dw_page([3], 99, "DataSources"))
    assert len(pages(client, UNTRUSTED, PageSize=2)) == 2


def test_untrusted_total_stops_on_an_empty_page():
    client = FakeClient(dw_page([1, 2], 99, "DataSources"), dw_page([], 99, "DataSources"))
    assert len(pages(client, UNTRUSTED, PageSize=2)) == 2


def test_a_short_page_does_not_stop_when_total_count_says_more():
    """The server capped the page size below the one asked for: keep going until TotalCount."""
    client = FakeClient(dw_page([1, 2, 3], 7), dw_page([4, 5, 6], 7), dw_page([7], 7))
    got = pages(client, TRUSTED, PageSize=10)
    assert sum(len(p["PagingInfo"]["Projects"]) for p in got) == 7
    assert [s["PageNumber"] for s in client.sent] == [1, 2, 3]


def test_without_total_count_a_trusted_operation_falls_back_to_the_short_page():
    client = FakeClient(dw_page([1, 2]), dw_page([3]))
    assert len(pages(client, TRUSTED, PageSize=2)) == 2


def test_an_empty_first_page_with_zero_total_is_an_empty_list():
    client = FakeClient(dw_page([], 0))
    assert len(pages(client, TRUSTED)) == 1


def test_a_missing_items_key_counts_as_an_empty_page():
    client = FakeClient({"PagingInfo": {"TotalCount": 0}})
    assert len(pages(client, TRUSTED)) == 1


def test_an_empty_page_with_a_non_zero_total_raises():
    client = FakeClient(dw_page([1, 2], 5), dw_page([], 5))
    it = _pages(client, TRUSTED, TRUSTED.paging, {"PageSize": 2})
    assert next(it)["PagingInfo"]["Projects"] == [1, 2]
    with pytest.raises(ClientError) as caught:
        list(it)
    assert caught.value.code == PAGINATION == "InvalidPagination"
    assert (caught.value.product, caught.value.operation) == ("dataworks", "ListProjects")


def test_an_empty_first_page_with_a_non_zero_total_raises():
    with pytest.raises(ClientError) as caught:
        pages(FakeClient(dw_page([], 3)), TRUSTED)
    assert caught.value.code == PAGINATION


@pytest.mark.parametrize("items", [{"a": 1}, "x", 3])
def test_a_non_list_at_the_items_path_raises_malformed(items):
    with pytest.raises(ClientError) as caught:
        pages(FakeClient(dw_page(items, 1)), TRUSTED)
    assert caught.value.code == MALFORMED


def test_the_page_cap_raises():
    op = replace(TRUSTED, paging=replace(TRUSTED.paging, max_pages=3))
    client = FakeClient(*[dw_page([n], 100) for n in range(10)])
    with pytest.raises(ClientError) as caught:
        pages(client, op, PageSize=1)
    assert caught.value.code == PAGINATION
    assert len(client.sent) == 3


def test_the_page_cap_allows_exactly_max_pages():
    op = replace(TRUSTED, paging=replace(TRUSTED.paging, max_pages=3))
    client = FakeClient(dw_page([1], 3), dw_page([2], 3), dw_page([3], 3))
    assert len(pages(client, op, PageSize=1)) == 3


# --- NextToken (ActionTrail LookupEvents) ---------------------------------------------------

EVENTS = operation("actiontrail", "lookup_events")


def events(items: list, token: Any = None) -> dict:
    body: dict[str, Any] = {"Events": items, "RequestId": "r"}
    if token is not None:
        body["NextToken"] = token
    return body


def test_next_token_is_followed_until_empty():
    client = FakeClient(events([1, 2], "t1"), events([3, 4], "t2"), events([5], ""))
    got = pages(client, EVENTS, MaxResults=2)
    assert sum(len(p["Events"]) for p in got) == 5
    assert client.sent == [{"MaxResults": 2}, {"MaxResults": 2, "NextToken": "t1"},
                           {"MaxResults": 2, "NextToken": "t2"}]


def test_next_token_absent_stops():
    client = FakeClient(events([1]))
    assert len(pages(client, EVENTS)) == 1
    assert client.sent == [{"MaxResults": 50}]


def test_a_token_kind_page_ignores_short_pages():
    client = FakeClient(events([], "t1"), events([1], "t2"), events([2]))
    assert len(pages(client, EVENTS, MaxResults=50)) == 3


def test_a_repeated_next_token_raises():
    client = FakeClient(events([1], "t1"), events([2], "t2"), events([3], "t1"), events([4], "t3"))
    with pytest.raises(ClientError) as caught:
        pages(client, EVENTS)
    assert caught.value.code == PAGINATION
    assert len(client.sent) == 3


def test_the_same_token_twice_in_a_row_raises():
    client = FakeClient(events([1], "t1"), events([2], "t1"), events([3], "t9"))
    with pytest.raises(ClientError) as caught:
        pages(client, EVENTS)
    assert caught.value.code == PAGINATION


def test_the_token_cap_raises():
    op = replace(EVENTS, paging=replace(EVENTS.paging, max_pages=4))
    client = FakeClient(*[events([n], f"t{n}") for n in range(10)])
    with pytest.raises(ClientError) as caught:
        pages(client, op)
    assert caught.value.code == PAGINATION
    assert len(client.sent) == 4


def test_non_list_events_raise_malformed():
    with pytest.raises(ClientError) as caught:
        pages(FakeClient({"Events": {"e": 1}, "NextToken": "t"}), EVENTS)
    assert caught.value.code == MALFORMED


# --- marker (MaxCompute ListProjects, RAM ListUsers) ----------------------------------------

MC = operation("maxcompute", "list_projects")
RAM = operation("ram", "list_users")


def mc_page(items: list, marker: Any = None, key: str = "marker") -> dict:
    data: dict[str, Any] = {"projects": items}
    if marker is not None:
        data[key] = marker
    return {"data": data, "requestId": "r"}


def test_maxcompute_marker_is_followed():
    client = FakeClient(mc_page(["a", "b"], "m1"), mc_page(["c"], ""))
    got = pages(client, MC, maxItem=2)
    assert [p["data"]["projects"] for p in got] == [["a", "b"], ["c"]]
    assert client.sent == [{"maxItem": 2}, {"maxItem": 2, "marker": "m1"}]


def test_maxcompute_next_token_spelling_is_read_too():
    client = FakeClient(mc_page(["a"], "n1", key="NextToken"), mc_page(["b"]))
    pages(client, MC)
    assert client.sent[1]["marker"] == "n1"


def test_a_repeated_marker_raises():
    client = FakeClient(mc_page(["a"], "m1"), mc_page(["b"], "m1"))
    with pytest.raises(ClientError) as caught:
        pages(client, MC)
    assert caught.value.code == PAGINATION


def ram_page(users: list, marker: Any = None, truncated: Any = None) -> dict:
    body: dict[str, Any] = {"Users": {"User": users}, "RequestId": "r"}
    if marker is not None:
        body["Marker"] = marker
    if truncated is not None:
        body["IsTruncated"] = truncated
    return body


def test_ram_marker_followed_while_truncated():
    client = FakeClient(ram_page(["u1"], "m1", True), ram_page(["u2"], "m2", True), ram_page(["u3"], None, False))
    assert len(pages(client, RAM, MaxItems=1)) == 3
    assert [s.get("Marker") for s in client.sent] == [None, "m1", "m2"]


def test_is_truncated_false_stops_even_with_a_marker():
    client = FakeClient(ram_page(["u1"], "stale-marker", False), ram_page(["u2"]))
    assert len(pages(client, RAM)) == 1
    assert len(client.sent) == 1


def test_ram_non_list_users_raise_malformed():
    with pytest.raises(ClientError) as caught:
        pages(FakeClient({"Users": {"User": {"UserName": "u"}}, "IsTruncated": False}), RAM)
    assert caught.value.code == MALFORMED
