"""Documents written a piece at a time read back as the documents built whole."""

from __future__ import annotations

import json

from dwdiag.store import stream


def whole(chunks) -> object:
    return json.loads(b"".join(chunks))


def test_an_object_with_streamed_lists_is_the_object():
    head = {"run_id": "r1", "resolved": [{"a": 1}], "name": "数据"}
    lists = {"findings": iter([{"x": 1}, {"x": 2}]), "more": iter([])}
    assert whole(stream.object_with_lists(head, lists)) == {**head, "findings": [{"x": 1}, {"x": 2}], "more": []}
    assert whole(stream.object_with_lists({}, {"findings": iter([1])})) == {"findings": [1]}
    assert whole(stream.object_with_lists({"a": 1}, {})) == {"a": 1}


def test_arrays_and_lone_surrogates():
    assert whole(stream.array(iter([]))) == []
    assert whole(stream.array({"k": i} for i in range(3))) == [{"k": 0}, {"k": 1}, {"k": 2}]
    odd = "name\ud800"
    assert whole(stream.array([{"n": odd}, {"n": "数据"}])) == [{"n": odd}, {"n": "数据"}]


def test_a_generator_is_consumed_once_and_lazily():
    seen = []

    def items():
        for i in range(3):
            seen.append(i)
            yield i

    chunks = stream.array(items())
    assert seen == []
    next(chunks), next(chunks)
    assert seen == [0]
    assert b"".join(chunks) == b",1,2]\n" and seen == [0, 1, 2]
