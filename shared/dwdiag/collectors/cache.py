"""Answers that cannot change, kept between runs so a nightly re-sweep fetches only what may have.

What is immutable: the detail of an executed deployment package, a committed file version, the
items of a finished pipeline run, the snapshots saved before a run, and ActionTrail events that
are already in the past. Entries not used by a run are dropped when it is saved, so the cache
holds what the current window needs and no more.

Stored as `cache/<region>.jsonl.gz`: a header line, then one line per entry (its name as JSON, a
tab, its value as JSON), gzip-compressed. It is written and read a chunk at a time, so a large
tenant's cache (90,000 entries, 30 MB of JSON) never sits in memory twice as one string.
"""

from __future__ import annotations

import json
import threading
import zlib
from typing import Any, Iterator, Optional

VERSION = 4  # 4: sign-in lookups by ServiceName and User, events keep their eventName
HEADER = json.dumps({"dwdiag_evidence_cache": VERSION}).encode()
CHUNK = 1 << 16


class EvidenceCache:
    def __init__(self, saved: Optional[dict[str, str]] = None) -> None:
        # Entries are kept as JSON text: tens of thousands of small dicts would cost ten times the memory.
        self._old: dict[str, str] = dict(saved or {})
        self._new: dict[str, str] = {}
        self._lock = threading.Lock()
        self.hits = 0

    @classmethod
    def load(cls, body: Optional[bytes]) -> "EvidenceCache":
        """From what `to_bytes` wrote. Anything unreadable is dropped: a damaged cache costs calls, never results."""
        return cls(dict(_entries(body)) if body else None)

    def get(self, kind: str, key: str) -> Any:
        name = f"{kind}|{key}"
        with self._lock:
            text = self._new.get(name, self._old.get(name))
            if text is None:
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

    def to_bytes(self) -> bytes:
        """The entries this run used or added, compressed as they are written out."""
        with self._lock:
            entries = list(self._new.items())
        gz = zlib.compressobj(6, zlib.DEFLATED, 31)  # 31: a gzip stream, readable with zcat
        out = [gz.compress(HEADER + b"\n")]
        for name, text in entries:
            line = json.dumps(name, ensure_ascii=True) + "\t" + text + "\n"
            out.append(gz.compress(line.encode("utf-8", "surrogatepass")))
        out.append(gz.flush())
        return b"".join(out)


def _lines(body: bytes) -> Iterator[bytes]:
    gz = zlib.decompressobj(31)
    rest = b""
    try:
        for start in range(0, len(body), CHUNK):
            rest += gz.decompress(body[start:start + CHUNK])
            *lines, rest = rest.split(b"\n")
            yield from lines
        rest += gz.flush()
    except zlib.error:
        return  # the entries read so far are whole lines; the damaged tail is dropped
    if rest:
        yield rest


def _entries(body: bytes) -> Iterator[tuple[str, str]]:
    lines = _lines(body)
    if next(lines, None) != HEADER:
        return  # another version or not a cache at all: start empty
    for line in lines:
        head, tab, tail = line.partition(b"\t")
        try:
            name = json.loads(head)
            text = tail.decode("utf-8", "surrogatepass")
        except ValueError:
            continue
        if tab and isinstance(name, str):
            yield name, text


def cache_key(where: str) -> str:
    """The cache of one place (`<account>/<region>`): an account's answers are never another's."""
    return f"cache/{where}.jsonl.gz"
