"""Fixtures: moto's S3 server on 127.0.0.1 (for the OSS store), one fresh bucket per test, and credentials."""

from __future__ import annotations

import itertools
import os

import pytest

from dwdiag.clients import Credentials
from tests.store.moto_oss import start_moto_s3

# Canaries: long and unique, so finding one in an error message or a log means it leaked.
SECRET = "SECRET-CANARY-8c1f0e5b7a2d"
TOKEN = "TOKEN-CANARY-4e9a3b6d1c0f"
STS = Credentials("STS.test-key-id", SECRET, TOKEN)
REGION = "cn-hangzhou"
_names = itertools.count(1)


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
def requests_seen(moto_server):
    """The requests moto receives during this test."""
    _, app = moto_server
    start = len(app.requests)

    class Seen:
        def __call__(self):
            return app.requests[start:]

    return Seen()


@pytest.fixture
def oss_store(moto_server, bucket):
    from dwdiag.store.oss import OssStore

    server, _ = moto_server
    return OssStore(bucket, "results/", region=REGION, endpoint=server.url, credentials=STS)
