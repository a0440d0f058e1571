"""JSON written a piece at a time.

A large region's documents run to tens of MB (93,000 findings, their OCSF events, their rows).
Built whole, each was a list of dicts, then one string, then its bytes: three copies at once.
These helpers yield the bytes one element at a time for `Store.write_chunks`.
"""

from __future__ import annotations

import json
from typing import Any, Iterable, Iterator


def piece(value: Any) -> bytes:
    """Compact JSON as UTF-8; a lone surrogate from a tenant string is written as an ASCII escape."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(value, ensure_ascii=True, separators=(",", ":")).encode("ascii")


def array(items: Iterable[Any]) -> Iterator[bytes]:
    yield b"["
    for n, item in enumerate(items):
        yield (b"," if n else b"") + piece(item)
    yield b"]\n"


def object_with_lists(head: dict[str, Any], lists: dict[str, Iterable[Any]]) -> Iterator[bytes]:
    """`head`'s keys, then each of `lists` as a key whose array is written an element at a time."""
    opened = piece(head)[:-1]  # without its closing brace
    yield opened
    first = opened == b"{"
    for key, items in lists.items():
        yield (b"" if first else b",") + piece(key) + b":"
        first = False
        for chunk in array(items):
            yield chunk.rstrip(b"\n")
    yield b"}\n"
