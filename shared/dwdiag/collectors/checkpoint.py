"""A sweep's progress kept in the store, so a restart of the same run fetches nothing twice.

A region is collected in items: its lists (the workspaces, the MaxCompute projects, the trails, the
security strategies, the RAM users), one item per workspace, per MaxCompute project and per scheduling
identity. Each item is written to the store as soon as it is collected, as gzip JSON under the run:

    runs/<date>/<run_id>/checkpoint/<region>/<categories>/<kind>/<name>.json.gz

A restart of the run with the same id (Function Compute's retry of a failed invocation, or the
continuation an invocation queues when its time runs out) reads what is there and collects the rest:
at most the items that were in flight are fetched again. An item whose calls ran into the sweep's
deadline is not kept, since its evidence is incomplete. The run seals its checkpoint (deletes it)
once it is published.

JSON, not the pickles of models/packed.py: what is read back from a bucket is validated as evidence,
never executed.
"""

from __future__ import annotations

import gzip
import json
from typing import Any, Iterable, Optional

from dwdiag.clients.errors import DEADLINE
from dwdiag.models.findings import Category
from dwdiag.store import Store

SUFFIX = ".json.gz"
WORKSPACE, COMPUTE, PROJECT, IDENTITY, REGION = "workspace", "compute", "project", "identity", "region"


def checkpoint_prefix(run_prefix: str, region: str, categories: Iterable[Category]) -> str:
    return f"{run_prefix}/checkpoint/{region}/{'+'.join(sorted(c.value for c in categories))}"


def hit_deadline(doc: Any) -> bool:
    """Whether an item's evidence holds a call that ran out of the sweep's time (so it is incomplete)."""
    return f'"{DEADLINE}"' in json.dumps(doc, ensure_ascii=True)


class Checkpoint:
    """The items one sweep of (run, region, categories) has collected, read and written in the store."""

    def __init__(self, store: Store, prefix: str) -> None:
        self.store, self.prefix = store, prefix
        self._names: dict[str, set[str]] = {}

    def names(self, kind: str) -> set[str]:
        """The items of a kind that are kept (listed once, then kept up to date by `save`)."""
        if kind not in self._names:
            base = f"{self.prefix}/{kind}/"
            self._names[kind] = {key[len(base):-len(SUFFIX)] for key in self.store.list(f"{self.prefix}/{kind}")
                                 if key.startswith(base) and key.endswith(SUFFIX)}
        return self._names[kind]

    def has(self, kind: str, name: str) -> bool:
        return name in self.names(kind)

    def load(self, kind: str, name: str) -> Optional[Any]:
        body = self.store.read_bytes(self._key(kind, name))
        if body is None:
            return None
        try:
            return json.loads(gzip.decompress(body))
        except (OSError, ValueError):
            return None  # a damaged item is collected again

    def save(self, kind: str, name: str, doc: Any) -> bool:
        """Keep an item; False (and nothing written) when its evidence ran into the deadline."""
        if hit_deadline(doc):
            return False
        body = gzip.compress(json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 6)
        self.store.write_bytes(self._key(kind, name), body, "application/gzip")
        self.names(kind).add(name)
        return True

    def seal(self) -> int:
        """Delete every item of this sweep once its run is published; returns how many."""
        keys = list(self.store.list(self.prefix))
        for key in keys:
            self.store.delete(key)
        self._names.clear()
        return len(keys)

    def _key(self, kind: str, name: str) -> str:
        return f"{self.prefix}/{kind}/{name}{SUFFIX}"
