"""The DingTalk message links to the run's report: an OSS presigned GET URL (moto stands in for OSS),
or the report's path in a local store."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from pydantic import ValidationError

from dwdiag.cli import demo_snapshot
from dwdiag.alert.deliver import report_location
from dwdiag.pipeline import write_and_alert
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag.publish.writer import prefix_of
from tests.support.oss import REGION


def report_key(result) -> str:
    return f"{prefix_of(result)}/report.html"


WEEK = 7 * 24 * 3600


@pytest.fixture(scope="module")
def result():
    return evaluate(demo_snapshot(), Settings(), run_id="20261128T020000Z-linked")


def _unescape(text: str) -> str:
    """What DingTalk's markdown shows (see tests/alert/test_message.py)."""
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


@pytest.fixture
def keyed_store(moto_server, bucket):
    """Long-term AccessKey credentials: the only kind a link is presigned with."""
    from dwdiag.clients import Credentials
    from dwdiag.store.oss import OssStore

    server, _ = moto_server
    return OssStore(bucket, "results/", region=REGION, endpoint=server.url,
                    credentials=Credentials("LTAI-long-term", "long-term-secret-canary"))


def test_sts_credentials_give_no_link_since_it_would_carry_the_token(oss_store):
    oss_store.write_text("runs/x/report.html", "<p>hi</p>", "text/html; charset=utf-8")
    assert oss_store.presign("runs/x/report.html", 3600) is None


def test_oss_presign_is_a_signed_get_url_with_the_expiry(keyed_store):
    oss_store = keyed_store
    oss_store.write_text("runs/x/report.html", "<p>hi</p>", "text/html; charset=utf-8")
    url = oss_store.presign("runs/x/report.html", 3600)
    parts = urlsplit(url)
    query = parse_qs(parts.query)
    assert parts.scheme in ("http", "https") and parts.path.endswith(f"/{oss_store.bucket}/results/runs/x/report.html")
    assert query["x-oss-signature-version"] == ["OSS4-HMAC-SHA256"] and query["x-oss-signature"][0]
    assert 3590 <= int(query["x-oss-expires"][0]) <= 3600  # the SDK counts from its own signing moment
    assert f"/{REGION}/oss/aliyun_v4_request" in query["x-oss-credential"][0]
    assert "x-oss-security-token" not in query and "long-term-secret-canary" not in url


def test_local_store_has_no_urls(tmp_path):
    assert LocalStore(tmp_path).presign("latest/report.html", 60) is None


def test_expiry_setting_defaults_to_and_is_capped_at_seven_days(monkeypatch):
    assert Settings().report_url_expiry_seconds == WEEK
    monkeypatch.setenv("DWDIAG_REPORT_URL_EXPIRY_SECONDS", "86400")
    assert Settings().report_url_expiry_seconds == 86400
    monkeypatch.setenv("DWDIAG_REPORT_URL_EXPIRY_SECONDS", str(WEEK + 1))
    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.slow
def test_dingtalk_message_links_the_presigned_report(keyed_store, s3, result, monkeypatch):
    oss_store = keyed_store
    monkeypatch.setenv("DWDIAG_REPORT_URL_EXPIRY_SECONDS", "86400")
    sent: list[dict] = []
    write_and_alert(oss_store, result, Settings(), send=sent.append)
    assert sent, "the first run of a store has new findings to announce"
    texts = [body["markdown"]["text"] for body in sent]
    # The link is whole and unescaped: a cut or backslash-escaped presigned URL would not open.
    urls = [re.search(r"\*\*Full report:\*\* \[open the report\]\((\S+)\)", t).group(1) for t in texts]
    for url in urls:
        query = parse_qs(urlsplit(url).query)
        assert urlsplit(url).path.endswith(f"/results/{report_key(result)}")
        assert 86390 <= int(query["x-oss-expires"][0]) <= 86400 and query["x-oss-signature"][0]
    # The object the link names is there, as a web page (moto answers an unsigned-looking GET with 403).
    head = s3.head_object(Bucket=oss_store.bucket, Key=f"results/{report_key(result)}")
    assert head["ContentType"] == "text/html; charset=utf-8"


def test_local_store_message_names_the_report_file(tmp_path, result):
    store = LocalStore(tmp_path)
    assert report_location(store, result, Settings()) == str(tmp_path / report_key(result))
    sent: list[dict] = []
    write_and_alert(store, result, Settings(), send=sent.append)
    assert (tmp_path / report_key(result)).is_file()
    assert all(str(tmp_path / report_key(result)) in _unescape(b["markdown"]["text"]) for b in sent)
