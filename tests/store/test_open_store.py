"""Choosing a store: --output (a folder or oss://bucket/prefix), else DWDIAG_OSS_BUCKET, else none."""

from __future__ import annotations

import pytest

from dwdiag.settings import Settings
from dwdiag.store import LocalStore, open_store, store_from_settings
from dwdiag.store.oss import OssStore
from tests.support.oss import REGION, STS


def test_an_oss_url_opens_an_oss_store_from_the_settings(moto_server, bucket, s3):
    url = moto_server[0].url
    settings = Settings(oss_region=REGION, endpoint_oss=url)
    store = open_store(f"oss://{bucket}/team/dw", settings, credentials=STS)
    assert isinstance(store, OssStore) and store.region == REGION and store.endpoint == url
    assert store.location("runs/x.json") == f"oss://{bucket}/team/dw/runs/x.json"
    store.write("runs/x.json", {"v": 1})
    assert s3.get_object(Bucket=bucket, Key="team/dw/runs/x.json")["ContentType"].startswith("application/json")


def test_an_endpoint_map_is_looked_up_by_the_oss_region():
    settings = Settings(oss_region="ap-southeast-1",
                        endpoint_oss={"cn-hangzhou": "http://127.0.0.1:1", "*": "http://127.0.0.1:2"})
    assert open_store("oss://findings", settings, STS).endpoint == "http://127.0.0.1:2"
    settings = Settings(oss_region="cn-hangzhou", endpoint_oss={"cn-hangzhou": "http://127.0.0.1:1"})
    assert open_store("oss://findings", settings, STS).endpoint == "http://127.0.0.1:1"
    settings = Settings(oss_region="ap-southeast-1", endpoint_oss={"cn-hangzhou": "http://127.0.0.1:1"})
    assert open_store("oss://findings", settings, STS).endpoint is None, "no match: the SDK's regional default"


def test_the_settings_come_from_the_environment(monkeypatch):
    monkeypatch.setenv("DWDIAG_OSS_BUCKET", "findings")
    monkeypatch.setenv("DWDIAG_OSS_PREFIX", "/dwdiag/")
    monkeypatch.setenv("DWDIAG_OSS_REGION", REGION)
    monkeypatch.setenv("DWDIAG_ENDPOINT_OSS", '{"cn-hangzhou": "http://127.0.0.1:9"}')
    store = store_from_settings(Settings(), None, STS)
    assert isinstance(store, OssStore) and store.endpoint == "http://127.0.0.1:9"
    assert store.location("latest/a.json") == "oss://findings/dwdiag/latest/a.json"


def test_precedence_output_then_bucket_then_nothing(tmp_path):
    with_bucket = Settings(oss_bucket="findings", oss_prefix="p", oss_region=REGION)
    assert isinstance(store_from_settings(with_bucket, str(tmp_path), STS), LocalStore), "--output wins"
    from_url = store_from_settings(with_bucket, "oss://other/q", STS)
    assert isinstance(from_url, OssStore) and from_url.location("k") == "oss://other/q/k", \
        "an oss:// --output is taken as given, without DWDIAG_OSS_PREFIX"
    from_bucket = store_from_settings(with_bucket, None, STS)
    assert isinstance(from_bucket, OssStore) and from_bucket.location("k") == "oss://findings/p/k"
    assert store_from_settings(Settings(), None, STS) is None
    assert store_from_settings(Settings(), "", STS) is None


def test_what_is_missing_is_said(monkeypatch):
    with pytest.raises(ValueError, match="DWDIAG_OSS_REGION.*local folder"):
        open_store("oss://findings/p", Settings(), STS)
    with pytest.raises(ValueError, match="ALIBABA_CLOUD_ACCESS_KEY_ID.*local folder"):
        open_store("oss://findings/p", Settings(oss_region=REGION))
    with pytest.raises(ValueError, match="names no bucket"):
        open_store("oss:///p", Settings(oss_region=REGION), STS)
    with pytest.raises(ValueError, match="DWDIAG_OSS_REGION"):
        store_from_settings(Settings(oss_bucket="findings"), None, STS)
