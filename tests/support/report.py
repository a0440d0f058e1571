"""The HTML report read back: its tags and scripts (parse), the run data it embeds (page_data), a run whose
tenant strings are hostile markup (HOSTILE, hostile_result), and a report opened in the browser (open_page)."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from html.parser import HTMLParser
from pathlib import Path

from dwdiag.models.findings import Category, Finding, RiskLevel, Status, fingerprint
from dwdiag.models.remediation import Remediation, Step
from dwdiag.models.run import RunResult
from dwdiag.models.snapshot import EvidenceSnapshot
from dwdiag.models.summary import RunSummary


class Page(HTMLParser):
    """Every tag with its attributes, and the text of each <script>."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.scripts: list[tuple[dict, str]] = []
        self._in_script: dict | None = None

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "script":
            self._in_script = dict(attrs)
            self.scripts.append((self._in_script, ""))

    def handle_data(self, data):
        if self._in_script is not None:
            attrs, text = self.scripts[-1]
            self.scripts[-1] = (attrs, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None


def parse(text: str) -> Page:
    page = Page()
    page.feed(text)
    page.close()
    return page


def page_data(page: Page) -> dict:
    (text,) = [t for a, t in page.scripts if a.get("type") == "application/json"]
    return json.loads(text)


HOSTILE = ["<img src=x onerror=alert(1)>", "</script><script>alert(1)</script>", "<!--", "@JS@"]


def hostile_result() -> RunResult:
    now = datetime(2026, 11, 1, tzinfo=timezone.utc)
    findings = [Finding(
        item_id="maxcompute_backup", category=Category.computing_storage, status=Status.fail,
        risk_level=RiskLevel.high, region="cn-hangzhou", object_type="maxcompute_project", object_id=name,
        object_name=name, workspace_id=name, result=f"Project {name} keeps no backup.", suggestion=name,
        evidence={"name": name, "</script>": [name]}, fingerprint=fingerprint("maxcompute_backup", "cn-hangzhou",
                                                                            "maxcompute_project", name))
        for name in HOSTILE]
    summary = RunSummary.build(findings, run_id="20261101T000000Z-hostile", source="evaluate", started_at=now,
                               finished_at=now, evaluated_at=now, regions=["cn-hangzhou"],
                               categories=[Category.computing_storage], problems=["<b>bold</b> problem"])
    return RunResult(run_id=summary.run_id, snapshot=EvidenceSnapshot(collected_at=now, regions=[]),
                     findings=findings, summary=summary, categories=[Category.computing_storage])


def open_page(driver, path: Path) -> None:
    """Load a report and wait until its script has drawn it; drains the logs of earlier pages."""
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get_log("browser")
    driver.get_log("performance")
    driver.get(path.resolve().as_uri())
    WebDriverWait(driver, 10).until(lambda d: d.find_element("tag name", "body").get_attribute("data-ready") == "1")


def hostile_plan(name: str) -> Remediation:
    """A plan whose every text carries `name` (a hostile string), and a doc that is no http(s) URL."""
    return Remediation(summary=f"Fix {name}.", note=f"note {name}", steps=[Step(
        kind="console", text=f"Console > Projects > {name}\nthen Save </script>", who=f"owner of {name}",
        reversible="no", breaks=f"jobs of {name}", doc=f"javascript:alert('{name}')")])
