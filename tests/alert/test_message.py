"""The DingTalk markdown message: content, order, mentions, escaping of tenant strings, and the size cap."""

from __future__ import annotations

import json
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dwdiag.alert.message import body_size, build_message, escape_md, one_line
from tests.support.dingtalk import client
from tests.support.messages import LOCATION, digest, live_markup, make_finding, text_of

def unescape(text: str) -> str:
    """What a CommonMark renderer shows: backslash escapes first, then entities."""
    text = re.sub(r"\\([!-/:-@\[-`{-~])", r"\1", text)
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def test_has_changes():
    assert not digest().has_changes()
    assert digest(new=[make_finding(1)]).has_changes()
    assert digest(resolved=[make_finding(1)]).has_changes()


def test_counts_sections_and_location():
    high, medium = make_finding(1, risk="high"), make_finding(2, risk="medium", item_id="maxcompute_permission_model")
    gone = make_finding(3, risk="low", item_id="maxcompute_backup", name="old_project")
    body = build_message(digest(new=[medium, high], resolved=[gone], errors=4))
    assert body["msgtype"] == "markdown" and "at" not in body
    assert body["markdown"]["title"] == "dwdiag cn-hangzhou: 2 new, 1 resolved"
    text = unescape(text_of(body))
    assert "**Open fails:** high 2 · medium 1 · low 0" in text
    assert "Data computing and storage" in text and "20260101T000000Z-ab12" in text
    assert "**New and regressed fails (2)**" in text and "**Resolved (1)**" in text
    # high risk first, whatever the input order
    assert text.index("1. HIGH · MaxCompute data download control") < text.index(
        "2. MEDIUM · MaxCompute column-level permission management (V2.0 permission model)")
    assert "Object: Project 1 (maxcompute_project project_1) · Workspace: ws-1001" in text
    assert "Result: Download control is off: anyone with table read can download it." in text
    # the doc link is escaped, not dropped: it reads the same once rendered
    assert "Fix: Turn on download control. See https://help.aliyun.com/en/maxcompute/user-guide/download" in text
    # each new fail points to its exact plan, which the report and `dwdiag fix plan` show whole
    assert f"step(s): dwdiag fix plan --finding {high.fingerprint})" in text and "Plan: " in text
    resolved = text[text.index("**Resolved (1)**"):]
    assert "- low · MaxCompute data storage backup · old_project" in resolved
    assert "**Errors:** 4 checks could not conclude" in text
    assert text.rstrip().endswith(f"**Full report:** {LOCATION}")


def test_regressions_are_marked_and_come_first_within_a_risk():
    plain, back = make_finding(1), make_finding(2)
    text = unescape(text_of(build_message(digest(new=[plain, back], regressed={back.fingerprint}))))
    assert "1. HIGH · REGRESSED (passed last run) · " in text
    assert text.index("Project 2") < text.index("Project 1")
    assert text.count("REGRESSED") == 1


def test_no_errors_line_without_errors():
    assert "Errors" not in text_of(build_message(digest(new=[make_finding(1)])))


HOSTILE = [
    "x](http://evil.example)",
    "[click me](http://evil.example/login)",
    "![](http://evil.example/pixel.png)",
    "# title",
    '<a href="http://evil.example">hi</a>',
    "<img src=x onerror=alert(1)>",
    "ok\n# heading\n- item\n> quote",
    "> quote",
    "- dash",
    "+ plus",
    "1. first",
    "3) third",
    "&#91;x&#93;&#40;http://evil.example&#41;",
    "&lt;script&gt;",
    "`code` **bold** _it_ ~~strike~~ | a | b |",
    "back\\slash\\",
    "\u202egnp.exe",
]


@pytest.mark.parametrize("hostile", HOSTILE)
def test_tenant_strings_cannot_inject_markdown(hostile):
    f = make_finding(1, name=hostile, object_id=hostile, result=hostile, suggestion=hostile,
                     workspace_id=hostile)
    gone = make_finding(2, name=hostile)
    body = build_message(digest(new=[f], resolved=[gone], report_location=hostile))
    text = text_of(body)
    live = live_markup(text)
    assert "](" not in live and "![" not in live and "<" not in live and ">" not in live
    assert "`" not in live and "**" not in live.replace("**Open fails:**", "").replace(
        "**Errors:**", "").replace("**Full report:**", "").replace("**New and regressed fails (1)**", "").replace(
        "**Resolved (1)**", "").split("**1. HIGH")[0]
    for line in text.split("\n"):
        assert not line.startswith(("#", ">")) or line.startswith("#### dwdiag cn-hangzhou")
        assert not re.match(r"\s*([-+]|\d+[.)])\s", line) or line.startswith("- high · ")
    assert "\u202e" not in text
    # and it still reads as written, on one line
    shown = " ".join(hostile.replace("\u202e", "").split())
    assert f"Result: {shown}" in unescape(text)


def test_escape_md_examples():
    assert escape_md("x](http://evil.example)") == r"x\]\(http://evil.example\)"
    assert escape_md("# title") == r"\# title"
    assert escape_md("<a href=x>") == "&lt;a href=x&gt;"
    assert escape_md("- item") == r"\- item"
    assert escape_md("12. item") == r"12\. item"
    assert escape_md("a\nb\r\nc") == "a b c"
    assert escape_md("x" * 50, 10) == "x" * 9 + "…"
    assert escape_md("ab\ud800cd") == "abcd"  # a lone surrogate would break the UTF-8 body


def test_truncation_happens_before_escaping():
    # Cutting "\\[" after escaping could leave a lone backslash that escapes our own markup.
    text = escape_md("[" * 600, 10)
    assert live_markup(text) == "…"


def test_mentions_only_for_new_high_risk():
    mobiles = ["13800000000", "+86-13900000000"]
    medium = build_message(digest(new=[make_finding(1, risk="medium")], at_mobiles=mobiles))
    assert "at" not in medium and "@" not in text_of(medium)
    resolved_high = build_message(digest(resolved=[make_finding(1, risk="high")], at_mobiles=mobiles))
    assert "at" not in resolved_high
    high = build_message(digest(new=[make_finding(1, risk="medium"), make_finding(2, risk="high")],
                                at_mobiles=mobiles))
    assert high["at"] == {"atMobiles": mobiles, "isAtAll": False}
    assert "@13800000000 @+86-13900000000" in text_of(high)
    nobody = build_message(digest(new=[make_finding(1, risk="high")]))
    assert "at" not in nobody
    bad = build_message(digest(new=[make_finding(1, risk="high")], at_mobiles=["[x](http://e)", "13800000000"]))
    assert bad["at"]["atMobiles"] == ["13800000000"]


def _many(n: int, long: bool = True) -> list:
    risks = ["low", "medium", "high"]
    filler = '项目 "quoted" \\ back\\slash [x](y) ' * (40 if long else 1)
    return [make_finding(i, risk=risks[i % 3], name=f"项目_{i} " + filler[:300], result=filler,
                         suggestion="Fix it. " + filler) for i in range(n)]


@pytest.mark.parametrize("max_bytes", [20000, 8000, 3000])
def test_size_cap_with_thousands_of_long_findings(max_bytes):
    new, gone = _many(3000), _many(2000)
    regressed = {new[5].fingerprint}
    body = build_message(digest(new=new, resolved=gone, regressed=regressed), max_bytes=max_bytes)
    encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
    assert len(encoded) == body_size(body) < max_bytes
    text = unescape(text_of(body))
    shown = len(re.findall(r"^\*\*\d+\. ", text, re.M))
    assert 0 < shown < 3000
    assert f"... and {3000 - shown} more new findings; see the report" in text
    assert "more resolved findings; see the report" in text
    assert body["markdown"]["title"] == "dwdiag cn-hangzhou: 3000 new, 2000 resolved"
    # the kept ones are the most important: the regression first, then high risk
    assert re.search(r"^\*\*1\. HIGH · REGRESSED", text, re.M)
    assert "MEDIUM" not in text.split("... and")[0] or shown > 1000
    assert text.rstrip().endswith(f"**Full report:** {LOCATION}")


def test_small_runs_are_not_summarised():
    body = build_message(digest(new=_many(5, long=False), resolved=_many(3, long=False)))
    assert "more" not in text_of(body) and text_of(body).count("Object:") == 5


def test_the_cap_is_tight():
    # The accounting is exact: the cut leaves less than one more finding's worth of room.
    new = _many(500)
    body = build_message(digest(new=new), max_bytes=20000)
    assert 20000 - body_size(body) < body_size(build_message(digest(new=new[:1]))) + 200


def test_capped_message_is_accepted_by_the_receiver(receiver, clock):
    body = build_message(digest(new=_many(3000), resolved=_many(1000), at_mobiles=["13800000000"]))
    client(receiver, clock).send(body)
    assert len(receiver.accepted) == 1 and receiver.accepted[0].json() == body


@pytest.mark.slow
def test_absurd_max_bytes_is_refused():
    with pytest.raises(ValueError):
        build_message(digest(new=_many(2)), max_bytes=200)
    d = digest(new=_many(40), resolved=_many(40))
    floor = body_size(build_message(digest(), max_bytes=10**6))
    for max_bytes in range(floor, floor + 1200, 7):  # never over, whatever the cut: a message or a refusal
        try:
            assert body_size(build_message(d, max_bytes=max_bytes)) < max_bytes
        except ValueError:
            pass


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("[]()!#<>&;`*_~|\\-+.1 \nab:/")) | st.characters(), max_size=80))
def test_escaping_is_inert_and_faithful(value):
    text = escape_md(value)
    live = live_markup(text)
    assert "](" not in live and "<" not in live and ">" not in live and "\n" not in text
    assert not text.startswith(("#", "-", "+", ">")) and not re.match(r"\d+[.)]", text)
    assert unescape(text) == one_line(value)


@pytest.mark.parametrize("n_new,n_resolved", [(1, 0), (3, 0), (2, 2), (0, 4), (6, 3)])
def test_the_cap_is_exact(n_new, n_resolved):
    d = digest(new=_many(n_new, long=False), resolved=_many(n_resolved, long=False))
    full = body_size(build_message(d, max_bytes=10**6))
    everything = build_message(d, max_bytes=full + 1)
    assert body_size(everything) == full and "more" not in text_of(everything)
    cut = build_message(d, max_bytes=full)
    assert body_size(cut) < full and "more" in text_of(cut)
