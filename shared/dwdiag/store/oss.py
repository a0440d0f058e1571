"""The OSS store: the store interface over one bucket, through the official alibabacloud-oss-v2 SDK.

V4 signing (the SDK's default) with a static STS triple from our own credentials: in Function Compute
that is the context's triple, never the SDK's environment provider, which reads OSS_* variables that
FC does not set. The SDK is imported when a store is made, so importing dwdiag.store loads no SDK.
"""

from __future__ import annotations

import ipaddress
import json
import tempfile
from datetime import timedelta
from typing import IO, TYPE_CHECKING, Any, Iterable, Iterator, Optional, Union
from urllib.parse import urlsplit

from dwdiag.store import BINARY_CONTENT_TYPE, JSON_CONTENT_TYPE, TEXT_CONTENT_TYPE, StoreError, encode, key_parts

if TYPE_CHECKING:
    from dwdiag.clients.credentials import Credentials

SPOOL_BYTES = 16 << 20  # a document larger than this waits on local disk (FC's /tmp) until it is sent
CREDENTIAL_VARIABLES = ("ALIBABA_CLOUD_ACCESS_KEY_ID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                        "ALIBABA_CLOUD_SECURITY_TOKEN")


def endpoint_for(setting: Union[str, dict, None], region: Optional[str]) -> Optional[str]:
    """DWDIAG_ENDPOINT_OSS: a URL, or a map of region -> URL with '*' for any other region."""
    if isinstance(setting, dict):
        setting = setting.get(region or "") or setting.get("*")
    return setting or None


def _path_style(host: str) -> bool:
    # A bucket cannot be a subdomain of an IP address or localhost (a local emulator): put it in the path.
    # Real OSS hosts keep the SDK's virtual-hosted style, which OSS requires.
    if host == "localhost":
        return True
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class OssStore:
    """Objects under oss://bucket/prefix/. A write is one PutObject, so readers see all of it or none."""

    def __init__(self, bucket: str, prefix: str = "", region: Optional[str] = None,
                 endpoint: Optional[str] = None, credentials: Optional["Credentials"] = None) -> None:
        if not bucket:
            raise ValueError("no OSS bucket given (DWDIAG_OSS_BUCKET)")
        if not region:
            raise ValueError(f"no region for OSS bucket {bucket!r}: set DWDIAG_OSS_REGION, such as cn-hangzhou")
        self.bucket = bucket
        self.prefix_parts = key_parts(prefix) if prefix.strip("/") else []
        self.region = region
        self.endpoint = endpoint
        self._credentials = _resolve(credentials)
        self._client = self._make_client()

    def _make_client(self) -> Any:
        import alibabacloud_oss_v2 as oss

        cfg = oss.config.load_default()  # V4 signing, the SDK's timeouts and retryer
        cfg.region = self.region
        cfg.credentials_provider = oss.credentials.StaticCredentialsProvider(
            self._credentials.access_key_id, self._credentials.access_key_secret,
            self._credentials.security_token)
        if self.endpoint:
            url = urlsplit(self.endpoint)
            if not url.scheme or not url.hostname:
                raise ValueError(f"OSS endpoint {self.endpoint!r} is not a URL such as http://127.0.0.1:9000")
            cfg.endpoint = f"{url.scheme}://{url.netloc}"  # the SDK keeps a scheme it is given
            cfg.use_path_style = _path_style(url.hostname)
        return oss.Client(cfg)

    def object_key(self, key: str) -> str:
        return "/".join(self.prefix_parts + key_parts(key))

    def write(self, key: str, data: Any) -> None:
        self._put(key, encode(data), JSON_CONTENT_TYPE)

    def write_text(self, key: str, text: str, content_type: str = TEXT_CONTENT_TYPE) -> None:
        self._put(key, text.encode("utf-8"), content_type)

    def write_bytes(self, key: str, body: bytes, content_type: str = BINARY_CONTENT_TYPE) -> None:
        self._put(key, body, content_type)

    def write_chunks(self, key: str, chunks: Iterable[bytes], content_type: str = JSON_CONTENT_TYPE) -> None:
        """Gathered in a spooled file (memory up to SPOOL_BYTES, then local disk) and sent from there:
        one PutObject, so the object appears whole or not at all."""
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as body:
            for chunk in chunks:
                body.write(chunk)
            body.seek(0)
            self._put(key, body, content_type)

    def _put(self, key: str, body: Union[bytes, IO[bytes]], content_type: str) -> None:
        import alibabacloud_oss_v2 as oss

        name = self.object_key(key)
        request = oss.PutObjectRequest(bucket=self.bucket, key=name, body=body, content_type=content_type)
        self._call("PutObject", name, lambda: self._client.put_object(request))

    def read_bytes(self, key: str) -> Optional[bytes]:
        import alibabacloud_oss_v2 as oss

        name = self.object_key(key)
        request = oss.GetObjectRequest(bucket=self.bucket, key=name)
        result = self._call("GetObject", name, lambda: self._client.get_object(request), missing_ok=True)
        if result is None:
            return None
        return self._call("GetObject", name, lambda: result.body.read())

    def open(self, key: str) -> Optional[IO[bytes]]:
        """The object in a spooled file (memory up to SPOOL_BYTES, then local disk), read from the response
        a block at a time: a large document is never whole in memory, and no connection stays open while
        the caller reads."""
        import alibabacloud_oss_v2 as oss

        name = self.object_key(key)
        request = oss.GetObjectRequest(bucket=self.bucket, key=name)
        result = self._call("GetObject", name, lambda: self._client.get_object(request), missing_ok=True)
        if result is None:
            return None
        spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)

        def fetch() -> None:
            with result.body as body:
                for block in body.iter_bytes(block_size=1 << 20):
                    spool.write(block)

        try:
            self._call("GetObject", name, fetch)
        except BaseException:
            spool.close()
            raise
        spool.seek(0)
        return spool  # type: ignore[return-value]

    def read(self, key: str) -> Optional[Any]:
        body = self.read_bytes(key)
        if body is None:
            return None
        name = self.object_key(key)
        try:
            return json.loads(body)
        except ValueError as exc:  # someone else's object under our prefix: say which, do not guess
            raise StoreError(f"{self.location(key)} is not JSON: {exc}", bucket=self.bucket, key=name,
                             code="NotJSON") from None

    def exists(self, key: str) -> bool:
        name = self.object_key(key)
        # HeadObject answers a missing key with a bare 404 (no code); the SDK's helper maps that to False.
        return bool(self._call("HeadObject", name, lambda: self._client.is_object_exist(self.bucket, name)))

    def list(self, prefix: str) -> Iterator[str]:
        """ListObjectsV2, page by page (the SDK's paginator follows the continuation token)."""
        import alibabacloud_oss_v2 as oss

        base = "/".join(self.prefix_parts)
        start = "/".join(self.prefix_parts + (key_parts(prefix) if prefix.strip("/") else []))
        request = oss.ListObjectsV2Request(bucket=self.bucket, prefix=start + "/" if start else "")
        pages = self._call("ListObjectsV2", start, lambda: iter(self._client.list_objects_v2_paginator()
                                                                .iter_page(request)))
        while True:
            page = self._call("ListObjectsV2", start, lambda: next(pages, None))
            if page is None:
                return
            for obj in page.contents or []:
                yield obj.key[len(base) + 1:] if base else obj.key

    def copy(self, source: str, destination: str) -> None:
        """CopyObject: the bytes never leave OSS."""
        import alibabacloud_oss_v2 as oss

        name = self.object_key(destination)
        request = oss.CopyObjectRequest(bucket=self.bucket, key=name, source_bucket=self.bucket,
                                        source_key=self.object_key(source))
        self._call("CopyObject", name, lambda: self._client.copy_object(request))

    def delete(self, key: str) -> None:
        """DeleteObject. OSS answers 204 whether or not the object was there, so a missing key is fine."""
        import alibabacloud_oss_v2 as oss

        name = self.object_key(key)
        request = oss.DeleteObjectRequest(bucket=self.bucket, key=name)
        self._call("DeleteObject", name, lambda: self._client.delete_object(request), missing_ok=True)

    def location(self, key: str) -> str:
        return f"oss://{self.bucket}/{self.object_key(key)}"

    def presign(self, key: str, expires_seconds: int) -> Optional[str]:
        """A GET URL for the object, signed locally (no request). None with STS credentials: such a
        URL carries the security token itself, and the link goes to a chat group."""
        if self._credentials.security_token:
            return None
        import alibabacloud_oss_v2 as oss

        name = self.object_key(key)
        request = oss.GetObjectRequest(bucket=self.bucket, key=name)
        expires = timedelta(seconds=expires_seconds)
        return self._call("Presign", name, lambda: self._client.presign(request, expires=expires)).url

    def _call(self, operation: str, name: str, call: Any, missing_ok: bool = False) -> Any:
        from alibabacloud_oss_v2 import exceptions

        try:
            return call()
        except exceptions.BaseError as exc:
            cause = exc.unwrap() if isinstance(exc, exceptions.OperationError) else exc
            if missing_ok and isinstance(cause, exceptions.ServiceError) and cause.code == "NoSuchKey":
                return None
            raise self._error(operation, name, cause) from None

    def _error(self, operation: str, name: str, cause: BaseException) -> StoreError:
        from alibabacloud_oss_v2 import exceptions

        if isinstance(cause, exceptions.ServiceError):
            code, status, request_id = cause.code or "Unknown", cause.status_code, cause.request_id or ""
            detail = f"{code} (HTTP {status}, request id {request_id or '-'}): {cause.message or ''}".rstrip(": ")
        else:  # no answer from OSS (connection refused, timeout, TLS): the SDK's class names what happened
            code, status, request_id = type(cause).__name__, None, ""
            inner = cause.unwrap() if hasattr(cause, "unwrap") else None
            detail = f"{code}: {inner or cause}"
        message = _scrub(f"OSS {operation} failed for bucket {self.bucket!r}, key {name!r}: {detail}",
                         self._credentials.secrets())
        return StoreError(message, bucket=self.bucket, key=name, code=code, status=status, request_id=request_id)


def _resolve(credentials: Optional["Credentials"]) -> "Credentials":
    from dwdiag.clients.credentials import Credentials

    credentials = credentials or Credentials.from_environment()
    if credentials is None or not credentials.access_key_id or not credentials.access_key_secret:
        raise ValueError("no credentials for OSS: set " + ", ".join(CREDENTIAL_VARIABLES[:2]) +
                         f" (and {CREDENTIAL_VARIABLES[2]} for STS),"
                         " or pass the Function Compute context's credentials")
    return credentials


def _scrub(text: str, secrets: tuple[str, ...]) -> str:
    # Belt and braces: the message is built from response fields, but an SDK message may echo anything.
    for secret in secrets:
        text = text.replace(secret, "***")
    return text
