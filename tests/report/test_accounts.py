"""An organization run's report: one overview row per account (those not swept too, with why; a refusing member
first and marked), and the findings' accounts that the account filter and column are drawn from; tenant names
stay data; a single-account run's page carries none of it. What the browser draws of it is in test_browser.py."""

from __future__ import annotations

import itertools

import pytest

from dwdiag.cli import demo_snapshot
from dwdiag.evaluate import evaluate
from dwdiag.report import iter_run_report_parts
from dwdiag.report.html import JS, embed_json, iter_report_parts, run_data
from dwdiag.settings import Settings
from tests.report.organization import ANALYTICS, NEW, PROD, REFUSAL, SANDBOX, UNREACHABLE, org_run
from tests.support.report import HOSTILE, page_data, parse


def render(summary, findings, history=()) -> str:
    return "".join(iter_run_report_parts(summary, findings, history, regions=sorted(summary.regions)))


@pytest.fixture(scope="module")
def org_page():
    summary, findings = org_run()
    return summary, findings, page_data(parse(render(summary, findings)))


def test_one_overview_row_per_account_worst_first(org_page):
    _, _, data = org_page
    rows = data["accounts"]
    # The refusing member first, then the swept ones by their open fails (prod-data: 2 high), then the one left out.
    assert [r["account_id"] for r in rows] == [SANDBOX, PROD, ANALYTICS, NEW]
    sandbox, prod, analytics, new = rows
    assert prod == {"account_id": PROD, "name": "prod-data", "folder_id": "fd-prod01", "status": "CreateSuccess",
                    "swept": "yes", "unreachable": False, "why": "", "counted": True, "findings": 4, "errors": 0,
                    "open_by_risk": {"high": 2, "medium": 0, "low": 1}}
    assert analytics["open_by_risk"] == {"high": 0, "medium": 1, "low": 0} and analytics["findings"] == 3


def test_a_member_whose_role_could_not_be_assumed_stands_out_with_why(org_page):
    _, _, data = org_page
    (sandbox,) = [r for r in data["accounts"] if r["account_id"] == SANDBOX]
    assert sandbox["unreachable"] is True and sandbox["swept"] == UNREACHABLE
    assert sandbox["errors"] == sandbox["findings"] == 2
    assert sandbox["open_by_risk"] == {"high": 0, "medium": 0, "low": 0}
    # Why, from the run's problem that names it, without the place the summary prefixed it with.
    assert sandbox["why"] == REFUSAL
    assert not any(r["unreachable"] for r in data["accounts"] if r["account_id"] != SANDBOX)


def test_an_account_not_swept_has_its_status_and_why_and_no_counts(org_page):
    _, _, data = org_page
    (new,) = [r for r in data["accounts"] if r["account_id"] == NEW]
    assert new["swept"] == "no" and new["status"] == "CreateVerifying" and new["folder_id"] == "fd-dev01"
    assert new["why"] == "not swept: its status in the resource directory is CreateVerifying"
    assert new["counted"] is False and new["findings"] == new["errors"] == 0


def test_the_findings_carry_their_accounts_for_the_filter_and_the_column(org_page):
    _, findings, data = org_page
    assert data["findings"] == findings
    assert {f["account_id"] for f in data["findings"]} == {PROD, ANALYTICS, SANDBOX}
    # The script draws the filter and the column when the findings span more than one account.
    for name in ("accounts()", '"f-account"', "FILTERS.account_id", "MULTI", '"c-account"'):
        assert name in JS


def test_a_summary_entry_of_an_unexpected_shape_gives_a_row_of_blanks():
    summary, findings = org_run(extra={NEW: {"totals": "?", "findings": True, "name": 7, "why": None}})
    summary.accounts["5000000000000099"] = "not a dict"
    rows = {r["account_id"]: r for r in page_data(parse(render(summary, findings)))["accounts"]}
    assert rows[NEW]["name"] == "7" and rows[NEW]["counted"] is False and rows[NEW]["findings"] == 0
    assert rows["5000000000000099"]["name"] == rows["5000000000000099"]["swept"] == ""


def test_hostile_display_names_folders_and_whys_stay_data():
    hostile = HOSTILE + ["lone \ud800 surrogate", "@DATA@ \udfff"]
    names = dict(zip([PROD, ANALYTICS, SANDBOX, NEW], hostile))
    summary, findings = org_run(names=names, extra={NEW: {"why": hostile[5], "folder_id": hostile[1],
                                                          "status": hostile[0]}})
    text = render(summary, findings)
    text.encode("utf-8")  # what the store is written: a lone surrogate does not stop the page
    page = parse(text)
    assert len(page.scripts) == 2, "no display name opened or closed a script"
    assert not any(tag == "img" for tag, _ in page.tags)
    data = page_data(page)
    rows = {r["account_id"]: r for r in data["accounts"]}
    assert {a: rows[a]["name"] for a in names} == names
    assert rows[NEW]["why"] == hostile[5] and rows[NEW]["folder_id"] == hostile[1] and rows[NEW]["status"] == hostile[0]
    outside = text.replace(embed_json({k: v for k, v in data.items() if k != "findings"})[1:-1], "")
    for name in hostile:
        if "<" in name:
            assert name not in text, "tenant markup appears only JSON-escaped"
        assert name not in outside
    assert text.count(JS) == 1 and "@JS@" not in outside and "@DATA@" not in outside


def test_a_single_account_run_has_no_accounts_on_its_page():
    result = evaluate(demo_snapshot(), Settings(), run_id="20261128T020000Z-single")
    assert not result.summary.accounts
    data = page_data(parse("".join(iter_report_parts(result))))
    assert list(data) == ["run", "categories", "items", "history", "shared", "findings"], "no accounts"
    assert len({f.get("account_id") for f in data["findings"]}) <= 1, "no account filter or column"


def test_an_organization_run_whose_findings_are_of_one_account_still_lists_every_account():
    summary, findings = org_run(accounts=[PROD])
    data = page_data(parse(render(summary, findings)))
    assert [r["account_id"] for r in data["accounts"]] == [SANDBOX, PROD, ANALYTICS, NEW]
    assert {f["account_id"] for f in data["findings"]} == {PROD}, "one account: no filter and no column"


def test_the_page_is_still_written_as_it_is_read():
    summary, findings = org_run()
    taken = []

    def lazily():
        for f in findings:
            taken.append(f)
            yield f

    parts = iter_run_report_parts(summary, lazily())
    head = list(itertools.islice(parts, 3))
    assert "<!DOCTYPE html>" in head[0] and taken == [], "nothing of the findings is read before the page starts"
    rest = "".join(parts)
    assert taken == findings and rest.endswith("</html>\n")
    assert run_data(summary, iter(()))["accounts"], "the accounts' rows come from the summary, not the findings"
