"""The report's "How to fix": every fail's plan travels in the page's data (its repeated strings once, its steps'
calls left out), a pass has none, and plan texts that name hostile tenant objects stay inert data. What the
browser draws of it (steps, Copy buttons, the fix apply badge, links) is in test_browser.py."""

from __future__ import annotations

import json

import pytest

from dwdiag.cli import demo_snapshot
from dwdiag.evaluate import evaluate
from dwdiag.remediation import plan as remediation_plan
from dwdiag.report import iter_run_report_parts
from dwdiag.report import html as report_html
from dwdiag.report.html import JS, SHARED, embed_json, iter_report_parts, unshare
from dwdiag.settings import Settings
from tests.support.report import HOSTILE, hostile_plan, hostile_result, page_data, parse

STEP_FIELDS = ("kind", "text", "who", "reversible", "undo", "breaks", "doc", "automatable")


def on_the_page(finding: dict) -> dict:
    """A written-out finding as the page carries it: its plan's steps without their `call`."""
    plan = finding.get("remediation")
    if not plan:
        return finding
    return {**finding, "remediation": {**plan, "steps": [{k: v for k, v in s.items() if k != "call"}
                                                         for s in plan["steps"]]}}


def render(summary, findings) -> str:
    return "".join(iter_run_report_parts(summary, findings, regions=sorted(summary.regions)))


@pytest.fixture(scope="module")
def demo():
    """(the demo run, its findings as the findings documents hold them, the page's data)."""
    result = evaluate(demo_snapshot(), Settings(), run_id="20261128T020000Z-plans")
    written = [remediation_plan.public(f) for f in result.findings]
    return result, written, page_data(parse(render(result.summary, written)))


def test_every_fail_carries_its_plan_and_nothing_else_does(demo):
    _, written, data = demo
    fails = [f for f in written if f["status"] == "fail"]
    assert fails and all(f["remediation"]["steps"] for f in fails)
    assert unshare(data)["findings"] == [on_the_page(f) for f in written]
    for f in unshare(data)["findings"]:
        if f["status"] != "fail":
            assert "remediation" not in f, f"a {f['status']} finding has no plan"
        else:
            assert f["remediation"]["summary"]
            for step in f["remediation"]["steps"]:
                assert set(step) <= set(STEP_FIELDS) and step["kind"] in ("sql", "api", "console")
                assert step["text"] and step["who"] and step["breaks"] and step["doc"]


def test_a_run_result_gets_its_fails_planned_as_the_published_page_does():
    result = evaluate(demo_snapshot(), Settings(), run_id="20261128T020000Z-result")
    assert all(f.remediation is None for f in result.findings), "plans are made as findings are written out"
    data = unshare(page_data(parse("".join(iter_report_parts(result)))))
    assert data["findings"] == [on_the_page(remediation_plan.public(f)) for f in result.findings]
    assert any(f.get("remediation") for f in data["findings"])


def test_repeated_plan_strings_travel_once_and_the_calls_not_at_all(demo):
    _, written, data = demo
    raw = json.dumps(data)
    assert '"call"' not in raw, "a step's text already spells its call out"
    refs = [s[k] for f in data["findings"] if f.get("remediation") for s in f["remediation"]["steps"]
            for k in SHARED["step"] if isinstance(s.get(k), int)]
    assert refs, "the demo's fails share doc pages, roles and warnings"
    for doc in {s["doc"] for f in written if f.get("remediation") for s in f["remediation"]["steps"]}:
        assert json.dumps(data["findings"]).count(json.dumps(doc)) == 1, f"{doc} is written once"
    # What sharing and leaving the calls out save, against the plans written out in full.
    full = sum(len(embed_json(f)) for f in written)
    assert sum(len(embed_json(f)) for f in data["findings"]) < full


def test_the_shared_strings_come_back_exactly_even_when_the_table_is_full(monkeypatch):
    monkeypatch.setitem(SHARED, "cap", 3)
    step = {"kind": "sql", "text": "t", "who": "w", "reversible": "yes", "breaks": "b", "doc": "d", "undo": None}
    plans = [{"summary": f"s{i}", "note": "n", "steps": [dict(step, who=f"w{i % 4}"), dict(step)]} for i in range(9)]
    odd = [{"summary": "x", "steps": "not a list"}, {"summary": "y", "steps": [["a list"], None, {"who": 7}]},
           "not a plan", {"summary": "z", "note": {"a": 1}, "steps": []}]
    findings = [{"status": "fail", "fingerprint": str(i), "remediation": p} for i, p in enumerate(plans + odd)]
    findings.insert(3, {"status": "pass", "fingerprint": "p"})
    sharer = report_html._Sharer(SHARED)
    carried = [json.loads(embed_json(sharer.finding(f))) for f in findings]
    assert len(sharer.numbers) == 3, "the table is bounded"
    assert any(isinstance(s.get("who"), int) for f in carried[:10] if f.get("remediation")
               for s in f["remediation"]["steps"])
    back = unshare({"shared": dict(SHARED), "findings": carried})["findings"]
    expected = json.loads(json.dumps(findings))
    expected[-3]["remediation"]["steps"][2]["who"] = "7"  # a shared field is always text on the page
    expected[-1]["remediation"]["note"] = '{"a": 1}'
    assert back == expected
    assert [f for f in findings if isinstance(f.get("remediation"), dict)][0]["remediation"]["steps"][0]["who"] == "w0"


def test_the_page_draws_a_plan_only_for_a_fail():
    assert 'f.status === "fail" && isObject(f.remediation)' in JS
    assert "navigator.clipboard.writeText" in JS and "selectNodeContents" in JS, "Copy, else select the text"
    assert 'rel = "noopener noreferrer"' in JS and "/^https?:\\/\\//i.test(doc)" in JS, "only http(s) docs link"


def test_hostile_plan_texts_stay_data():
    result = hostile_result()
    findings = [remediation_plan.public(f) for f in result.findings]
    extra = result.findings[0].replace(remediation=hostile_plan(HOSTILE[0]), fingerprint="f" * 32).public()
    text = render(result.summary, findings + [extra])
    page = parse(text)
    assert len(page.scripts) == 2, "no plan text opened or closed a script"
    assert not any(tag == "img" for tag, _ in page.tags)
    data = unshare(page_data(page))
    plans = [f["remediation"] for f in data["findings"]]
    for name in HOSTILE:
        assert any(name in s["text"] and name in s["who"] for p in plans for s in p["steps"]), name
    assert plans[-1]["steps"][0]["doc"] == f"javascript:alert('{HOSTILE[0]}')", "carried as text, drawn as text"
    outside = text.replace(embed_json(page_data(page)), "")
    for name in [n for n in HOSTILE if "<" in n]:
        assert name not in text, "tenant markup appears only JSON-escaped"
    assert "javascript:" not in outside and text.count(JS) == 1


def test_the_page_is_still_written_a_finding_at_a_time(demo):
    result, written, _ = demo
    taken = []

    def findings():
        for f in written:
            taken.append(f)
            yield f

    parts = iter_run_report_parts(result.summary, findings())
    for part in parts:
        if '"findings":[' in part:
            break
    assert taken == []
    next(parts)
    assert len(taken) == 1, "one finding read per piece written"
