"""Fixtures: the requests moto's OSS receives during a test. moto itself, its buckets and the OSS store on
them are fixtures of tests/support/oss.py."""

from __future__ import annotations

import pytest


@pytest.fixture
def requests_seen(moto_server):
    """The requests moto receives during this test."""
    _, app = moto_server
    start = len(app.requests)

    class Seen:
        def __call__(self):
            return app.requests[start:]

    return Seen()
