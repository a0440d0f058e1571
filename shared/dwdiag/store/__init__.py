"""The store: one small I/O interface (write, read, list, copy, delete) over a local folder or an OSS bucket.

It knows keys and bytes, not runs: what goes where is dwdiag.publish's business."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterable, Iterator, Optional, Protocol

if TYPE_CHECKING:  # typing only: importing the store must not load the client layer or any SDK
    from dwdiag.clients.credentials import Credentials
    from dwdiag.settings import Settings

JSON_CONTENT_TYPE = "application/json; charset=utf-8"
TEXT_CONTENT_TYPE = "text/plain; charset=utf-8"
BINARY_CONTENT_TYPE = "application/octet-stream"


class Store(Protocol):
    def write(self, key: str, data: Any) -> None: ...

    def write_text(self, key: str, text: str, content_type: str = TEXT_CONTENT_TYPE) -> None: ...

    def write_bytes(self, key: str, body: bytes, content_type: str = BINARY_CONTENT_TYPE) -> None: ...

    def write_chunks(self, key: str, chunks: Iterable[bytes], content_type: str = JSON_CONTENT_TYPE) -> None: ...

    def read(self, key: str) -> Optional[Any]: ...

    def read_bytes(self, key: str) -> Optional[bytes]: ...

    def open(self, key: str) -> Optional[IO[bytes]]: ...  # a binary file to read from (close it), or None

    def exists(self, key: str) -> bool: ...

    def list(self, prefix: str) -> Iterator[str]: ...  # the keys under a prefix, in key order

    def copy(self, source: str, destination: str) -> None: ...  # on the server side where it can be

    def delete(self, key: str) -> None: ...  # a key that is not there is fine

    def location(self, key: str) -> str: ...

    def presign(self, key: str, expires_seconds: int) -> Optional[str]: ...  # a URL that reads key, if any


class StoreError(OSError):
    """A store operation failed. An OSError, so callers that already handle file errors handle this too.

    The message names the bucket, the key and the service's error code; it is built from those fields
    only, never from the request, so it cannot carry the AccessKey secret or the security token.
    """

    def __init__(self, message: str, *, bucket: str = "", key: str = "", code: str = "",
                 status: Optional[int] = None, request_id: str = "") -> None:
        super().__init__(message)
        self.bucket, self.key, self.code, self.status, self.request_id = bucket, key, code, status, request_id


def encode(data: Any) -> bytes:
    try:
        return (json.dumps(data, ensure_ascii=False, indent=2, sort_keys=False) + "\n").encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate from a tenant string: ASCII escapes keep it valid JSON
        return (json.dumps(data, ensure_ascii=True, indent=2, sort_keys=False) + "\n").encode("ascii")


def key_parts(key: str) -> list[str]:
    """The parts of a store key; empty parts (double slashes) are dropped, '.' and '..' refused."""
    parts = [p for p in key.split("/") if p]
    if not parts or any(p in (".", "..") for p in parts):
        raise ValueError(f"bad store key {key!r}")
    return parts


class LocalStore:
    """A folder. Writes are atomic (temporary file, fsync, rename) so a crash never leaves half a file."""

    def __init__(self, root: os.PathLike | str) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        return self.root.joinpath(*key_parts(key))

    def write(self, key: str, data: Any) -> None:
        self.write_bytes(key, encode(data))

    def write_text(self, key: str, text: str, content_type: str = TEXT_CONTENT_TYPE) -> None:
        self.write_bytes(key, text.encode("utf-8"))

    def write_bytes(self, key: str, body: bytes, content_type: str = BINARY_CONTENT_TYPE) -> None:
        self.write_chunks(key, (body,), content_type)

    def write_chunks(self, key: str, chunks: Iterable[bytes], content_type: str = JSON_CONTENT_TYPE) -> None:
        # A file has no content type; the argument is accepted so both stores take the same calls.
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                for chunk in chunks:
                    fh.write(chunk)
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

    def read_bytes(self, key: str) -> Optional[bytes]:
        path = self._path(key)
        return path.read_bytes() if path.is_file() else None

    def open(self, key: str) -> Optional[IO[bytes]]:
        try:
            return self._path(key).open("rb")
        except (FileNotFoundError, IsADirectoryError):
            return None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

    def list(self, prefix: str) -> Iterator[str]:
        base = self.root.joinpath(*key_parts(prefix)) if prefix.strip("/") else self.root
        if not base.is_dir():
            return iter(())
        keys = ("/".join(p.relative_to(self.root).parts) for p in base.rglob("*")
                if p.is_file() and not p.name.startswith("."))  # a dot file is a write in progress
        return iter(sorted(keys))

    def copy(self, source: str, destination: str) -> None:
        with self._path(source).open("rb") as fh:
            self.write_chunks(destination, iter(lambda: fh.read(1 << 20), b""), BINARY_CONTENT_TYPE)

    def delete(self, key: str) -> None:
        path = self._path(key)
        if not path.is_dir():  # a folder (a key prefix) is not an object
            path.unlink(missing_ok=True)

    def location(self, key: str) -> str:
        return str(self._path(key))

    def presign(self, key: str, expires_seconds: int) -> Optional[str]:
        return None  # a folder has no URLs to hand out; its location is the path


def open_store(destination: str, settings: Optional["Settings"] = None,
               credentials: Optional["Credentials"] = None) -> Store:
    """A folder path, or oss://bucket/prefix (region and endpoint from the DWDIAG_OSS_* settings)."""
    if not destination.startswith("oss://"):
        return LocalStore(destination)
    bucket, _, prefix = destination[len("oss://"):].partition("/")
    if not bucket:
        raise ValueError(f"{destination!r} names no bucket; write oss://bucket/prefix")
    try:
        return _oss_store(bucket, prefix, settings, credentials)
    except ValueError as exc:
        # The CLI shows this to someone who may have no cloud account: say what else works.
        raise ValueError(f"cannot write to {destination}: {exc} (or give a local folder instead)") from None


def store_from_settings(settings: "Settings", output: Optional[str],
                        credentials: Optional["Credentials"] = None) -> Optional[Store]:
    """--output wins; else the DWDIAG_OSS_BUCKET bucket under DWDIAG_OSS_PREFIX; else no store."""
    if output:
        return open_store(output, settings, credentials)
    if settings.oss_bucket:
        return _oss_store(settings.oss_bucket, settings.oss_prefix, settings, credentials)
    return None


def _oss_store(bucket: str, prefix: str, settings: Optional["Settings"],
               credentials: Optional["Credentials"]) -> Store:
    from dwdiag.settings import Settings
    from dwdiag.store.oss import OssStore, endpoint_for

    settings = settings if settings is not None else Settings()
    region = settings.oss_region
    return OssStore(bucket, prefix, region=region, credentials=credentials,
                    endpoint=endpoint_for(settings.endpoint_oss, region))
