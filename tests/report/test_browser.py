"""The report in a real browser (headless Debian chromium): it renders the demo run, its filters narrow the
rows, a click shows the evidence (and a fail's plan, whose Copy buttons copy its exact texts), nothing is fetched,
nothing logs an error, and tenant markup stays text.
An organization run's page has its accounts' overview, an account filter and an account column; a single
account's has none of them."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from dwdiag import catalog
from dwdiag.report import iter_report_parts, iter_run_report_parts
from tests.report.organization import ANALYTICS, NEW, PROD, SANDBOX, org_run
from tests.support.report import HOSTILE, hostile_plan, hostile_result, open_page

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # a real Chromium, when installed

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT = ROOT / "build" / "report-screenshot.png"


def _findings(latest_run) -> list[dict]:
    folder, _ = latest_run
    return [f for p in sorted(folder.glob("**/findings.json")) for f in json.loads(p.read_text())["findings"]]


def _rows(driver):
    return [r for r in driver.find_elements("css selector", "#findings-body tr.finding") if r.is_displayed()]


def _select(driver, element_id: str, value: str) -> None:
    from selenium.webdriver.support.ui import Select

    Select(driver.find_element("id", element_id)).select_by_value(value)


def _text(driver, element_id: str) -> str:
    return driver.find_element("id", element_id).text


def _severe(driver) -> list[dict]:
    return [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]


def _requests(driver) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


@pytest.fixture
def page(browser, demo_store):
    open_page(browser, demo_store / "latest" / "report.html")
    return browser


def test_renders_the_demo_run_with_the_summarys_counts(page, latest_run):
    _, summary = latest_run
    assert _text(page, "run-id") == summary["run_id"]
    assert _text(page, "run-regions") == ", ".join(sorted(summary["regions"]))
    for risk, n in summary["totals"]["open_by_risk"].items():
        assert _text(page, f"count-open-{risk}") == str(n)
    for status, n in summary["totals"]["by_status"].items():
        assert _text(page, f"count-status-{status}") == str(n)
    for category, counts in summary["by_category"].items():
        for risk, n in counts["open_by_risk"].items():
            assert page.find_element("id", f"cat-{category}-open-{risk}").text == f"{risk} {n}"
    assert len(_rows(page)) == summary["findings"]
    statuses = [r.get_attribute("data-status") for r in _rows(page)]
    assert statuses[: summary["totals"]["by_status"]["fail"]] == ["fail"] * summary["totals"]["by_status"]["fail"]
    # The trend: one point per risk and run, the two demo runs.
    assert len(page.find_elements("css selector", "#trend-chart circle.high")) == 2
    assert _severe(page) == []
    _rows(page)[0].click()  # the screenshot shows the evidence of the first finding too
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.save_screenshot(str(SCREENSHOT))


@pytest.mark.parametrize("element_id, attribute, value", [
    ("f-risk", "data-risk-level", "high"),
    ("f-status", "data-status", "fail"),
    ("f-region", "data-region", "ap-southeast-1"),
    ("f-category", "data-category", "data_production"),
])
def test_each_filter_narrows_the_rows(page, latest_run, element_id, attribute, value):
    key = attribute[len("data-"):].replace("-", "_")
    expected = Counter(f[key] for f in _findings(latest_run))[value]
    assert 0 < expected < len(_findings(latest_run))
    _select(page, element_id, value)
    rows = _rows(page)
    assert len(rows) == expected
    assert {r.get_attribute(attribute) for r in rows} == {value}
    assert _text(page, "shown").startswith(f"{expected} of ")


def test_workspace_filter_and_filters_combine(page, latest_run):
    findings = _findings(latest_run)
    workspace = Counter(f["workspace_id"] for f in findings if f["workspace_id"]).most_common(1)[0][0]
    _select(page, "f-workspace", workspace)
    assert len(_rows(page)) == sum(1 for f in findings if f["workspace_id"] == workspace)
    assert {r.get_attribute("data-workspace") for r in _rows(page)} == {workspace}
    _select(page, "f-status", "fail")
    both = [f for f in findings if f["workspace_id"] == workspace and f["status"] == "fail"]
    assert len(_rows(page)) == len(both)
    page.find_element("id", "f-reset").click()
    assert len(_rows(page)) == len(findings)


def test_clicking_a_finding_shows_its_evidence(page, latest_run):
    by_fp = {f["fingerprint"]: f for f in _findings(latest_run)}
    row = next(r for r in _rows(page) if by_fp[r.get_attribute("data-fingerprint")]["evidence"])
    row.click()
    detail = row.find_element("xpath", "following-sibling::tr[1]")
    assert "detail" in detail.get_attribute("class") and detail.is_displayed()
    shown = detail.find_element("css selector", "pre.evidence").text
    assert json.loads(shown) == by_fp[row.get_attribute("data-fingerprint")]["evidence"]
    row.click()
    assert not detail.is_displayed()


def test_no_network_and_no_links_but_the_docs(page, latest_run):
    urls = _requests(page)
    assert any(u.endswith("/latest/report.html") for u in urls), "the performance log sees the page's own load"
    assert [u for u in urls if not u.startswith("file://")] == []
    links = page.execute_script(
        "return Array.from(document.querySelectorAll('[src],[href]')).map(e => e.getAttribute('src') || e.getAttribute('href'))")
    assert links and set(links) <= {item.doc_url for item in catalog.ITEMS}
    assert page.execute_script("return document.querySelectorAll('img,iframe,object,embed,link').length") == 0
    assert _severe(page) == []


def test_hostile_tenant_strings_render_as_text_and_run_nothing(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException

    result = hostile_result()
    # Each fail with its plan (which names the hostile project), and one whose doc is not an http(s) URL.
    extra = result.findings[0].replace(remediation=hostile_plan(HOSTILE[0]), fingerprint="f" * 32).public()
    path = tmp_path / "report.html"
    path.write_text("".join(iter_report_parts(result, extra_findings=[extra])), encoding="utf-8")
    open_page(browser, path)
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 - the property raises when no alert() ran
    names = {r.find_element("css selector", "td.object").text.split("\n")[0] for r in _rows(browser)}
    assert names == set(HOSTILE)
    assert _text(browser, "problems") == "<b>bold</b> problem"
    assert browser.execute_script("return document.querySelectorAll('img, #problems b, #findings-body script').length") == 0
    assert len(browser.find_elements("css selector", "script")) == 2  # the data block and the page's script
    _rows(browser)[0].click()
    assert "</script>" in browser.find_element("css selector", "pre.evidence").text
    browser.execute_script("document.querySelectorAll('#findings-body tr.finding:not(.open)').forEach(r => r.click())")
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 - the property raises when no alert() ran
    texts = [e.get_attribute("textContent") for e in browser.find_elements("css selector", "section.fix .fix-text pre")]
    assert len(texts) == len(HOSTILE) + 1 and all(any(n in t for t in texts) for n in HOSTILE)
    assert browser.execute_script("return document.querySelectorAll('img, section.fix script, section.fix b').length") == 0
    hrefs = {a.get_attribute("href") for a in browser.find_elements("css selector", "section.fix a")}
    assert hrefs and all(h.startswith("https://") for h in hrefs), "a javascript: doc is no link"
    docs = [d.text for d in browser.find_elements("css selector", "section.fix dd") if d.text.startswith("javascript:")]
    assert docs == [f"javascript:alert('{HOSTILE[0]}')"]
    assert _severe(browser) == []


# What each opened fail's "How to fix" shows, read back from the page in one call.
READ_PLANS = """
return Array.from(document.querySelectorAll('#findings-body tr.detail')).map(function (d) {
  var fix = d.querySelector('section.fix');
  var dd = function (li, k) {
    var dt = Array.from(li.querySelectorAll(':scope > dl > dt')).find(function (t) { return t.textContent === k; });
    return dt ? dt.nextElementSibling : null;
  };
  var tx = function (e) { return e ? e.textContent : null; };
  return {fp: d.previousElementSibling.getAttribute('data-fingerprint'), fix: !!fix,
    summary: fix && tx(fix.querySelector('.fix-summary')),
    command: fix && tx(fix.querySelector('.fix-auto .fix-command pre')),
    steps: fix ? Array.from(fix.querySelectorAll('li.fix-step')).map(function (li) {
      var doc = dd(li, 'Documentation'), a = doc && doc.querySelector('a');
      var rev = dd(li, 'Reversible');
      return {n: tx(li.querySelector('.step-n')), kind: li.getAttribute('data-kind'),
        text: tx(li.querySelector('.fix-text pre')), copy: !!li.querySelector('.fix-text button.copy'),
        who: tx(dd(li, 'Who may run it')), breaks: tx(dd(li, 'May break')),
        reversible: rev && tx(rev.firstChild), undo: tx(li.querySelector('.fix-undo pre')),
        doc: a ? a.getAttribute('href') : tx(doc), rel: a && a.rel, target: a && a.target};
    }) : []};
});
"""


def _clipboard(driver):
    """The clipboard's text, or None where the harness gives the page no clipboard permission."""
    try:
        driver.execute_cdp_cmd("Browser.grantPermissions",
                               {"permissions": ["clipboardReadWrite", "clipboardSanitizedWrite"]})
        text = driver.execute_async_script(
            "var done = arguments[0]; navigator.clipboard.readText().then(done, function () { done(null); });")
    except Exception:  # noqa: BLE001 - no CDP or no permission: the test checks what it can without one
        return None
    return text


def test_opening_a_fail_shows_how_to_fix_it_and_copy_copies_the_exact_text(page, latest_run):
    from selenium.webdriver.support.ui import WebDriverWait

    by_fp = {f["fingerprint"]: f for f in _findings(latest_run)}
    page.execute_script("document.querySelectorAll('#findings-body tr.finding').forEach(r => r.click())")
    shown = {p["fp"]: p for p in page.execute_script(READ_PLANS)}
    assert len(shown) == len(by_fp)
    fails = [fp for fp, f in by_fp.items() if f["status"] == "fail"]
    assert fails and {fp for fp, p in shown.items() if p["fix"]} == set(fails), "a plan for each fail, none else"
    for fp in fails:
        plan, drawn = by_fp[fp]["remediation"], shown[fp]
        assert drawn["summary"] == plan["summary"]
        automatable = all(s["automatable"] for s in plan["steps"])
        assert drawn["command"] == (f"dwdiag fix apply --finding {fp}" if automatable else None)
        assert len(drawn["steps"]) == len(plan["steps"])
        for n, (step, s) in enumerate(zip(drawn["steps"], plan["steps"]), 1):
            # The texts exactly as written (multi-line statements kept), the shared strings put back.
            assert step == {"n": f"{n}.", "kind": s["kind"], "text": s["text"], "copy": True, "who": s["who"],
                            "breaks": s["breaks"], "reversible": {"yes": "Yes", "no": "No: a one-way change",
                                                                  "partly": "Partly"}[s["reversible"]],
                            "undo": s.get("undo"), "doc": s["doc"], "rel": "noopener noreferrer",
                            "target": "_blank"}
    assert any("\n" in s["text"] for fp in fails for s in by_fp[fp]["remediation"]["steps"])
    assert any(shown[fp]["command"] for fp in fails) and not all(shown[fp]["command"] for fp in fails)

    # Copy: the first automatable fail's step, then its fix apply command.
    fp = next(fp for fp in fails if shown[fp]["command"])
    detail = page.find_element("css selector", f"tr.finding[data-fingerprint='{fp}'] + tr.detail")
    step_button = detail.find_element("css selector", "li.fix-step .fix-text button.copy")
    command_button = detail.find_element("css selector", ".fix-auto button.copy")
    assert step_button.text == command_button.text == "Copy"
    before = _clipboard(page)
    page.execute_script("arguments[0].scrollIntoView({block: 'center'})", step_button)
    step_button.click()
    expected = by_fp[fp]["remediation"]["steps"][0]["text"]
    if before is None:  # no clipboard permission here: the text is in a <pre> the fallback selects
        assert detail.find_element("css selector", "li.fix-step .fix-text pre").get_attribute("textContent") == expected
    else:
        WebDriverWait(page, 5).until(lambda d: _clipboard(d) == expected)
        assert step_button.text == "Copied"
        command_button.click()
        WebDriverWait(page, 5).until(lambda d: _clipboard(d) == f"dwdiag fix apply --finding {fp}")
    # Clicking a plan's button does not close the finding.
    assert detail.is_displayed()
    assert _severe(page) == []


def _open_org(browser, tmp_path, **kwargs):
    summary, findings = org_run(**kwargs)
    path = tmp_path / "report.html"
    path.write_bytes("".join(iter_run_report_parts(summary, findings)).encode("utf-8"))
    open_page(browser, path)
    return findings


def _account_rows(driver):
    return driver.find_elements("css selector", "#accounts-body tr.account")


def test_an_organization_run_has_its_accounts_overview_filter_and_column(browser, tmp_path):
    findings = _open_org(browser, tmp_path)
    rows = _account_rows(browser)
    assert [r.get_attribute("data-account") for r in rows] == [SANDBOX, PROD, ANALYTICS, NEW]
    sandbox, prod, _, new = rows
    assert "unreachable" in sandbox.get_attribute("class").split()
    assert sandbox.find_element("css selector", "td.swept .pill").text == "role not assumed"
    assert "NoPermission" in sandbox.find_element("css selector", "td.swept .why").text
    assert sandbox.find_element("css selector", "td.errors").text == "2"
    opens = [prod.find_element("css selector", f"td.open-{r}").text for r in ("high", "medium", "low")]
    assert opens == ["2", "0", "1"]
    assert prod.find_element("css selector", "td.name").text.split("\n") == ["prod-data", PROD]
    assert "not-swept" in new.get_attribute("class").split() and "CreateVerifying" in new.text
    assert new.find_elements("css selector", "button") == [], "nothing to show of an account not swept"
    options = [o.get_attribute("value") for o in browser.find_elements("css selector", "#f-account option")]
    assert sorted(options) == sorted(["", PROD, ANALYTICS, SANDBOX])
    assert browser.find_element("id", "findings-account-column").text == "Account"
    assert {r.find_element("css selector", "td.account").text.split("\n")[-1] for r in _rows(browser)} == \
        {PROD, ANALYTICS, SANDBOX}
    assert len(_rows(browser)) == len(findings) and _severe(browser) == []


def test_choosing_an_account_shows_only_its_rows(browser, tmp_path):
    findings = _open_org(browser, tmp_path)
    _select(browser, "f-account", PROD)
    assert {r.get_attribute("data-account") for r in _rows(browser)} == {PROD}
    assert len(_rows(browser)) == sum(1 for f in findings if f["account_id"] == PROD)
    # The overview's button sets the same filter.
    browser.find_element("css selector", f"#accounts-body button[data-account='{SANDBOX}']").click()
    assert browser.find_element("id", "f-account").get_attribute("value") == SANDBOX
    assert {r.get_attribute("data-status") for r in _rows(browser)} == {"error"}
    assert len(_rows(browser)) == sum(1 for f in findings if f["account_id"] == SANDBOX)
    browser.find_element("id", "f-reset").click()
    assert len(_rows(browser)) == len(findings)


def test_findings_of_one_account_have_no_account_filter_or_column(browser, tmp_path):
    _open_org(browser, tmp_path, accounts=[PROD])
    assert len(_account_rows(browser)) == 4, "the overview still lists every account"
    assert browser.find_elements("css selector", "#f-account, #findings-account-column, #accounts-body button") == []


def test_a_single_account_run_has_no_accounts(page):
    assert page.find_elements("css selector", "#accounts, #f-account, #findings-account-column, td.account") == []
    assert len(page.find_elements("css selector", "table.findings thead th")) == 8


def test_hostile_account_names_render_as_text(browser, tmp_path):
    from selenium.common.exceptions import NoAlertPresentException

    names = dict(zip([PROD, ANALYTICS, SANDBOX, NEW], HOSTILE))
    _open_org(browser, tmp_path, names=names, extra={NEW: {"why": "lone \ud800 <b>x</b>", "folder_id": HOSTILE[1]}})
    with pytest.raises(NoAlertPresentException):
        browser.switch_to.alert  # noqa: B018 - the property raises when no alert() ran
    shown = {r.get_attribute("data-account"): r.find_element("css selector", "td.name").text.split("\n")[0]
             for r in _account_rows(browser)}
    assert shown == names
    assert browser.execute_script("return document.querySelectorAll('img, #accounts b, #accounts script').length") == 0
    labels = {o.text for o in browser.find_elements("css selector", "#f-account option")}
    assert {f"{names[a]} ({a})" for a in (PROD, ANALYTICS, SANDBOX)} <= labels
    assert len(browser.find_elements("css selector", "script")) == 2 and _severe(browser) == []
