"""The HTML builder without a browser: one self-contained page, a strict CSP, and inert embedded data."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from dwdiag import catalog
from dwdiag.cli import demo_snapshot
from dwdiag.remediation import plan as remediation_plan
from dwdiag.report.html import CSS, JS, content_security_policy, embed_json, iter_report_parts, unshare
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from tests.support.report import HOSTILE, hostile_result, page_data, parse


def on_the_page(finding: dict) -> dict:
    """A public finding as the page carries it: its plan's steps without their `call`."""
    plan = finding.get("remediation")
    if not plan:
        return finding
    steps = [{k: v for k, v in step.items() if k != "call"} for step in plan["steps"]]
    return {**finding, "remediation": {**plan, "steps": steps}}


def build_report(result, history=(), **kwargs) -> str:
    return "".join(iter_report_parts(result, history, **kwargs))


@pytest.fixture(scope="module")
def demo_page():
    result = evaluate(demo_snapshot(), Settings(), run_id="20261128T020000Z-unit")
    return result, build_report(result)


def _sha(text: str) -> str:
    return base64.b64encode(hashlib.sha256(text.encode()).digest()).decode()


def test_the_page_carries_the_run(demo_page):
    result, text = demo_page
    data = page_data(parse(text))
    assert data["run"]["run_id"] == result.run_id
    # Each fail with its plan, as the findings documents hold it (less the steps' calls, which their texts spell out).
    assert unshare(data)["findings"] == [on_the_page(remediation_plan.public(f)) for f in result.findings]
    assert [f for f in data["findings"] if f["status"] == "fail" and not f.get("remediation")] == []
    assert set(data["items"]) == set(catalog.ITEM_IDS)
    assert data["run"]["categories"] == [c.value for c in result.categories]


def test_nothing_is_fetched_and_the_only_links_are_the_docs(demo_page):
    _, text = demo_page
    page = parse(text)
    for tag, attrs in page.tags:
        assert tag not in ("img", "link", "iframe", "object", "embed", "base", "form"), tag
        assert "src" not in attrs and "href" not in attrs, (tag, attrs)
        assert not any(k.startswith("on") for k in attrs), (tag, attrs)
    # Outside the data (where evidence may quote endpoints, as text) the only URL is the SVG namespace;
    # the doc links the script makes come from the catalog, checked against https:// before use.
    data = embed_json(page_data(page))
    assert text.count(data) == 1
    assert re.findall(r"https?://[^\s\"'<>\\]+", text.replace(data, "")) == ["http://www.w3.org/2000/svg"]
    assert "@import" not in CSS and "url(" not in CSS
    assert not re.search(r"\b(fetch|XMLHttpRequest|WebSocket|EventSource|sendBeacon|innerHTML|outerHTML|"
                         r"insertAdjacentHTML|document\.write|eval)\b", JS)


def test_csp_forbids_the_network_and_allows_only_our_own_script_and_style(demo_page):
    _, text = demo_page
    page = parse(text)
    (meta,) = [a for t, a in page.tags if t == "meta" and a.get("http-equiv") == "Content-Security-Policy"]
    policy = dict(d.strip().split(" ", 1) for d in meta["content"].split(";"))
    assert meta["content"] == content_security_policy()
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'none'"
    assert policy["img-src"] == "'none'" and policy["base-uri"] == "'none'" and policy["form-action"] == "'none'"
    (code,) = [t for a, t in page.scripts if "type" not in a]
    assert code == JS and policy["script-src"] == f"'sha256-{_sha(JS)}'"
    assert policy["style-src"] == f"'sha256-{_sha(CSS)}'" and f"<style>{CSS}</style>" in text
    # The CSP comes before anything it governs.
    assert text.index("Content-Security-Policy") < text.index("<style>") < text.index("<script")


def test_embedded_json_cannot_close_its_script_or_open_a_comment():
    data = {"a": "</script><script>alert(1)</script>", "b": "<!-- x -->", "c": "]]> & \u2028", "<": ">"}
    text = embed_json(data)
    assert "<" not in text and ">" not in text and "&" not in text
    assert json.loads(text) == data


def test_hostile_strings_stay_data():
    text = build_report(hostile_result())
    page = parse(text)
    assert len(page.scripts) == 2, "no tenant string opened or closed a script"
    data = page_data(page)
    assert sorted(f["object_name"] for f in data["findings"]) == sorted(HOSTILE)
    assert not any(tag == "img" for tag, _ in page.tags)
    for name in [n for n in HOSTILE if "<" in n]:
        assert name not in text, "tenant markup appears only JSON-escaped"
    # The page's script is intact even though a tenant is named after a template marker.
    assert text.count(JS) == 1 and "@JS@" not in text.replace(embed_json(data), "")
