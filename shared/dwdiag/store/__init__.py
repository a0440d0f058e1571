"""The store: one small interface (write, read, exists) over a local folder (and, later, OSS)."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any, Optional, Protocol


class Store(Protocol):
    def write(self, key: str, data: Any) -> None: ...

    def read(self, key: str) -> Optional[Any]: ...

    def location(self, key: str) -> str: ...


def encode(data: Any) -> bytes:
    return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")


class LocalStore:
    """A folder. Writes are atomic (temporary file, fsync, rename) so a crash never leaves half a file."""

    def __init__(self, root: os.PathLike | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        parts = [p for p in key.split("/") if p]
        if not parts or any(p in (".", "..") for p in parts):
            raise ValueError(f"bad store key {key!r}")
        return self.root.joinpath(*parts)

    def write(self, key: str, data: Any) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(encode(data))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def read(self, key: str) -> Optional[Any]:
        path = self._path(key)
        if not path.exists():
            return None
        return json.loads(path.read_text(encoding="utf-8"))

    def location(self, key: str) -> str:
        return str(self._path(key))


def open_store(destination: str) -> Store:
    if destination.startswith("oss://"):
        raise ValueError("writing to OSS is not available in this version; give a local folder to --output")
    return LocalStore(destination)
