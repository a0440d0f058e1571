"""Test-only shim: moto's S3 app served alone on 127.0.0.1, so the OSS SDK can talk to it.

Why not moto's multi-service server: it picks a backend from the Authorization credential scope,
and OSS V4 signs for service `oss`, which it does not know (HTTP 500). Served alone, the S3 app
answers everything. moto's XML carries the S3 namespace, which the OSS SDK's parser does not
expect (lists come back empty), so the middleware strips it. moto does not verify signatures.
See reference/platform.md section 5.3, workaround A.

As a pytest plugin it gives the fixtures `moto_server` (one per session), `s3` (boto3, the independent
witness), `bucket` (a fresh one per test) and `oss_store` (dwdiag's OssStore on that bucket), with
canary STS credentials.
"""

from __future__ import annotations

import itertools
import os
import threading
from typing import Any, Callable, Iterable

import pytest
from werkzeug.serving import make_server

from dwdiag.clients import Credentials

# Canaries: long and unique, so finding one in an error message or a log means it leaked.
SECRET = "SECRET-CANARY-8c1f0e5b7a2d"
TOKEN = "TOKEN-CANARY-4e9a3b6d1c0f"
STS = Credentials("STS.test-key-id", SECRET, TOKEN)
REGION = "cn-hangzhou"
_names = itertools.count(1)

S3_NAMESPACE = b' xmlns="http://s3.amazonaws.com/doc/2006-03-01/"'


class OssCompat:
    """WSGI middleware: record each request's method, path and headers, drop the S3 xmlns, and
    read OSS's x-oss-copy-source as S3's x-amz-copy-source."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()

    def __call__(self, environ: dict, start_response: Callable) -> Iterable[bytes]:
        if "HTTP_X_OSS_COPY_SOURCE" in environ:  # OSS CopyObject names its source in its own header
            environ["HTTP_X_AMZ_COPY_SOURCE"] = environ["HTTP_X_OSS_COPY_SOURCE"]
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        if environ.get("CONTENT_TYPE"):
            headers["content-type"] = environ["CONTENT_TYPE"]
        with self._lock:
            self.requests.append({"method": environ["REQUEST_METHOD"], "path": environ.get("PATH_INFO", ""),
                                  "headers": headers})
        captured: dict[str, Any] = {}

        def capture(status, response_headers, exc_info=None):
            captured["status"], captured["headers"] = status, response_headers

        body = b"".join(self.app(environ, capture)).replace(S3_NAMESPACE, b"")
        fixed = [(k, str(len(body)) if k.lower() == "content-length" else v) for k, v in captured["headers"]]
        start_response(captured["status"], fixed)
        return [body]


class LocalServer:
    """A threaded WSGI server on 127.0.0.1 and a free port; stop() shuts it down and frees the port."""

    def __init__(self, app: Callable, request_handler: Any = None) -> None:
        kwargs = {"request_handler": request_handler} if request_handler else {}
        self._server = make_server("127.0.0.1", 0, app, threaded=True, **kwargs)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, name="local-wsgi", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def start_moto_s3() -> tuple[LocalServer, OssCompat]:
    from moto.moto_server.werkzeug_app import MotoRequestHandler, create_backend_app

    app = OssCompat(create_backend_app("s3"))
    return LocalServer(app, MotoRequestHandler), app


@pytest.fixture(scope="session")
def moto_server():
    server, app = start_moto_s3()
    try:
        yield server, app
    finally:
        server.stop()


@pytest.fixture(scope="session")
def s3(moto_server):
    import boto3
    from botocore.config import Config

    server, _ = moto_server
    # boto3 is the independent witness: it lists and heads what the OSS SDK wrote.
    return boto3.client("s3", endpoint_url=server.url, region_name="us-east-1", aws_access_key_id="testing",
                        aws_secret_access_key="testing", config=Config(s3={"addressing_style": "path"}))


@pytest.fixture
def bucket(s3):
    name = f"dwdiag-test-{os.getpid()}-{next(_names)}"
    s3.create_bucket(Bucket=name)
    return name


@pytest.fixture
def oss_store(moto_server, bucket):
    from dwdiag.store.oss import OssStore

    server, _ = moto_server
    return OssStore(bucket, "results/", region=REGION, endpoint=server.url, credentials=STS)
