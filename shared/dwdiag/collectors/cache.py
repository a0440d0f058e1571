"""Answers that cannot change, kept between runs so a nightly re-sweep fetches only what may have.

What is immutable: the detail of an executed deployment package, a committed file version, the
items of a finished pipeline run, the snapshots saved before a run, and ActionTrail events that
are already in the past. Entries not used by a run are dropped when it is saved, so the cache
holds what the current window needs and no more.
"""

from __future__ import annotations

import json
import threading
from typing import Any, Optional

# Entries are kept as JSON text: tens of thousands of small dicts would cost ten times the memory.
VERSION = 2


class EvidenceCache:
    def __init__(self, saved: Optional[dict[str, Any]] = None) -> None:
        ok = isinstance(saved, dict) and saved.get("version") == VERSION and isinstance(saved.get("entries"), dict)
        self._old: dict[str, Any] = saved["entries"] if ok else {}
        self._new: dict[str, Any] = {}
        self._lock = threading.Lock()
        self.hits = 0

    def get(self, kind: str, key: str) -> Any:
        name = f"{kind}|{key}"
        with self._lock:
            text = self._new.get(name, self._old.get(name))
            if not isinstance(text, str):
                return None
            self._new[name] = text
            self.hits += 1
        try:
            return json.loads(text)
        except ValueError:
            return None  # a damaged entry costs a call, never a result

    def put(self, kind: str, key: str, value: Any) -> None:
        text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
        with self._lock:
            self._new[f"{kind}|{key}"] = text

    def dump(self) -> dict[str, Any]:
        with self._lock:
            return {"version": VERSION, "entries": dict(self._new)}


def cache_key(region: str) -> str:
    return f"cache/{region}.json"
