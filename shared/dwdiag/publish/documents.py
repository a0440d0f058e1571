"""Findings documents read back a piece at a time.

A region's findings document runs to tens of MB (100,000 findings). Parsed whole, its bytes, its text and
its objects are in memory at once, several times the document. Here it is read from the store as a
stream with an incremental parser (ijson, its C backend where there is one): `head` gives the document's
other keys (run id, run paths, the resolved and carried lists), `findings` gives its findings one at a
time. Each opens the object on its own, so a reader that needs both reads it twice, never holds it.
"""

from __future__ import annotations

from typing import Any, Iterator, Optional

import ijson

from dwdiag.store import Store, StoreError

FINDINGS = "findings"


def head(store: Store, key: str) -> Optional[dict[str, Any]]:
    """The document's top-level keys but its findings; None when there is no such object."""
    f = store.open(key)
    if f is None:
        return None
    builder = ijson.ObjectBuilder()
    try:
        with f:
            for prefix, event, value in ijson.parse(f, use_float=True):
                if prefix == "" and event == "map_key" and value == FINDINGS:
                    continue  # the findings' key, and below their array: `findings` reads them
                if prefix == FINDINGS or prefix.startswith(FINDINGS + "."):
                    continue
                builder.event(event, value)
    except ijson.JSONError as exc:
        raise _not_json(store, key, exc) from None
    doc = builder.value
    if not isinstance(doc, dict):
        raise StoreError(f"{store.location(key)} is not a findings document (a JSON object)", key=key,
                         code="NotJSON")
    return doc


def findings(store: Store, key: str, missing: Optional[str] = None) -> Iterator[dict[str, Any]]:
    """The document's findings, one at a time; none when there is no such object, unless `missing` says
    why it must be there (then a StoreError with that reason)."""
    f = store.open(key)
    if f is None:
        if missing:
            raise StoreError(f"{store.location(key)} {missing}", key=key, code="NoSuchKey")
        return
    try:
        with f:
            yield from ijson.items(f, f"{FINDINGS}.item", use_float=True)
    except ijson.JSONError as exc:
        raise _not_json(store, key, exc) from None


def _not_json(store: Store, key: str, exc: Exception) -> StoreError:
    return StoreError(f"{store.location(key)} is not JSON: {exc}", key=key, code="NotJSON")
