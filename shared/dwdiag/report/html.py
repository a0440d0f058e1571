"""One self-contained HTML page per run: the console's view of a run, readable offline.

Nothing on the page is fetched: the stylesheet and the script are inline and allowed by their hashes in
a Content-Security-Policy that forbids every network source, so even markup smuggled in by a tenant
string could load nothing and run nothing. The run's data travels as JSON in a non-executable
<script type="application/json"> block with `<`, `>` and `&` escaped, so no tenant string can close it.

The script and the stylesheet are package data, dwdiag/report/assets/report.js and report.css, read once
through importlib.resources and inlined exactly as stored; their CSP hashes are taken from those same strings.
The script builds every element with createElement and textContent, so tenant strings (object names, results,
evidence, account display names and folders, remediation plans) never pass through an HTML parser; its only links
are the catalog's https documentation pages and the plans' http(s) ones (rel="noopener noreferrer").

An organization run (its summary's `accounts`) adds what a single-account page does not have: an overview of the
accounts at the top, one row each (those not swept too, with why), and, when the findings span more than one
account, an account filter and column. The script draws them from the data's `accounts` rows, which this module
makes from the summary; a single-account run's data has no such key and its page is drawn as before.

A `fail` finding carries its remediation plan (dwdiag.remediation), which the script shows, when the row is opened,
as "How to fix": the summary, each step numbered with its kind, its exact text in a <pre> with a Copy button, who
may run it, whether it can be undone (and how), what it may break, its documentation page (a link only when it is
an http(s) URL) and the plan's note; when dwdiag may run every step, the `dwdiag fix apply` command too. Plan texts
name tenant objects; like every other tenant string they are drawn with textContent. The page does not carry a
step's `call` (its text already spells the call out), and the strings that repeat across the findings of one item
(who, breaks, doc, undo, note) travel once: see SHARED.
"""

from __future__ import annotations

import base64
import hashlib
import html
import itertools
import json
import re
from importlib import resources
from typing import Any, Iterable, Iterator, Optional

from dwdiag import catalog
from dwdiag.models.findings import Category
from dwdiag.models.run import RunResult
from dwdiag.models.summary import RunSummary
from dwdiag.remediation import plan as remediation_plan

HTML_CONTENT_TYPE = "text/html; charset=utf-8"
ASSETS = "dwdiag.report.assets"


def read_asset(name: str) -> str:
    """An asset's text exactly as stored: bytes decoded, no newline translation, so what is inlined (and
    hashed) is the file's content."""
    return resources.files(ASSETS).joinpath(name).read_bytes().decode("utf-8")


JS = read_asset("report.js")
CSS = read_asset("report.css")
_MARKER = re.compile(r"@(CSP|TITLE|CSS|DATA|JS)@")

PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="@CSP@">
<meta name="referrer" content="no-referrer">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>@TITLE@</title>
<style>@CSS@</style>
</head>
<body>
<header class="top">
  <h1>DataWorks platform security diagnostics</h1>
  <div class="meta">
    <span>Run <b id="run-id"></b></span><span>Started <b id="run-time"></b></span>
    <span>Evaluated as of <b id="run-evaluated"></b></span><span>Regions <b id="run-regions"></b></span>
    <span>Categories <b id="run-categories"></b></span><span>Source <b id="run-source"></b></span>
  </div>
</header>
<main>
  <noscript><p class="problems">This report draws its tables with JavaScript; allow scripts for this file.</p></noscript>
  <div class="problems" id="problems"></div>
  <div class="row">
    <section class="card overview">
      <h2>Open risks</h2>
      <div class="stats" id="open-risks"></div>
      <div class="sep"></div>
      <div class="stats small" id="by-status"></div>
      <div class="stats small" id="changes"></div>
    </section>
    <section class="card trend">
      <h2>Open fails by risk over the last runs</h2>
      <div id="trend"></div>
    </section>
  </div>
  <div class="cats" id="categories"></div>
  <section class="card">
    <h2>Findings</h2>
    <div class="filters">
      <label>Category<select id="f-category"></select></label>
      <label>Risk<select id="f-risk"></select></label>
      <label>Status<select id="f-status"></select></label>
      <label>Region<select id="f-region"></select></label>
      <label>Workspace<select id="f-workspace"></select></label>
      <label>Search<input id="f-text" type="search" placeholder="object, result, item"></label>
      <button id="f-reset" type="button">Reset</button>
      <span class="shown" id="shown"></span>
    </div>
    <table class="findings">
      <colgroup><col class="c-risk"><col class="c-status"><col class="c-item"><col class="c-obj"><col class="c-ws">
        <col class="c-region"><col class="c-result"><col class="c-sugg"></colgroup>
      <thead><tr><th>Risk</th><th>Status</th><th>Check item</th><th>Object</th><th>Workspace</th><th>Region</th>
        <th>Result</th><th>Suggestion</th></tr></thead>
      <tbody id="findings-body"></tbody>
    </table>
  </section>
</main>
<footer>Written by dwdiag. Click a finding to see the evidence behind it and, for a fail, how to fix it.</footer>
<script type="application/json" id="report-data">@DATA@</script>
<script>@JS@</script>
</body>
</html>
"""


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii") + "'"


def content_security_policy() -> str:
    """Only this page's own style and script, by hash; no source of any kind on the network."""
    return "; ".join([
        "default-src 'none'", f"script-src {_sha256(JS)}", f"style-src {_sha256(CSS)}", "img-src 'none'",
        "font-src 'none'", "connect-src 'none'", "media-src 'none'", "object-src 'none'", "frame-src 'none'",
        "worker-src 'none'", "manifest-src 'none'", "base-uri 'none'", "form-action 'none'",
    ])


def embed_json(data: Any) -> str:
    """JSON that is inert inside <script type="application/json">: `</script>`, `<!--` and `]]>` cannot
    appear (`<`, `>` and `&` only ever occur inside JSON strings, where \\u escapes mean the same)."""
    text = json.dumps(data, ensure_ascii=True, separators=(",", ":"), default=str)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _category_order(value: str) -> int:
    order = [c.value for c in Category]
    return order.index(value) if value in order else len(order)


def report_data(result: RunResult, history: Iterable[dict] = (), extra_findings: Iterable[dict] = (),
                regions: Optional[list[str]] = None, categories: Optional[list[str]] = None) -> dict[str, Any]:
    """What the page shows. `extra_findings` are public findings of the same run written by other shards."""
    return run_data(result.summary, itertools.chain((remediation_plan.public(f) for f in result.findings),
                                                    extra_findings),
                    history, regions=regions, categories=categories or [c.value for c in result.categories])


def run_data(summary: RunSummary, findings: Iterable[dict], history: Iterable[dict] = (),
             regions: Optional[list[str]] = None, categories: Optional[list[str]] = None) -> dict[str, Any]:
    """What the page shows of a run: its summary, its public findings (made one at a time as the page is
    written) and the trend's history entries; an organization run's accounts too."""
    s = summary
    data = {
        "run": {
            "run_id": s.run_id, "source": s.source, "started_at": s.started_at.isoformat(),
            "finished_at": s.finished_at.isoformat(), "evaluated_at": s.evaluated_at.isoformat(),
            "regions": regions or list(s.regions),
            "categories": sorted(categories or [c.value for c in s.categories], key=_category_order),
            "problems": list(s.problems), "changes": dict(s.changes),
        },
        "categories": {c.value: c.title for c in Category},
        "items": {m.id: {"title": m.title, "doc_url": m.doc_url} for m in catalog.ITEMS},
        "history": list(history),
        "shared": dict(SHARED),
        # Last, and made one at a time as the page is written: a large region has 100,000 of them.
        "findings": iter(findings),
    }
    rows = account_rows(s)
    if rows:  # an organization run; a single-account run's data stays exactly what it was
        data["accounts"] = rows
    return data


UNREACHABLE = "no: its role could not be assumed"  # RunSummary.accounts[...]["swept"] of a refusing member
RISKS = ("high", "medium", "low")


def _text(value: Any) -> str:
    return "" if value is None else value if isinstance(value, str) else str(value)


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value > 0 else 0


def _about(problem: str, account_id: str) -> str:
    """A run problem without the place it was prefixed with ("<account> <regions>: account <account>: ...")."""
    _, sep, rest = problem.partition(f"account {account_id}: ")
    return rest if sep and rest else problem


def account_rows(summary: RunSummary) -> list[dict[str, Any]]:
    """The overview's rows of an organization run, one per account its summary knows of, worst first: the
    accounts whose role could not be assumed (every item of theirs is an error), then the swept ones by their
    open fails (high, then medium, then low) and errors, then those not swept. Empty for a single-account run.

    Every tenant string (display name, folder, directory status, why) is passed on as it is, to be embedded as
    JSON and drawn as text; a summary entry of an unexpected shape gives a row of blanks, never a broken page."""
    rows = []
    for account_id, about in summary.accounts.items():
        about = about if isinstance(about, dict) else {}
        totals = about.get("totals") if isinstance(about.get("totals"), dict) else None
        by_status = (totals or {}).get("by_status")
        by_status = by_status if isinstance(by_status, dict) else {}
        open_by_risk = (totals or {}).get("open_by_risk")
        open_by_risk = open_by_risk if isinstance(open_by_risk, dict) else {}
        swept = _text(about.get("swept"))
        unreachable = swept.startswith(UNREACHABLE)
        why = _text(about.get("why"))
        if not why and unreachable:  # the run's problem that names the account says which role and what to do
            why = "; ".join(_about(p, _text(account_id)) for p in summary.problems
                            if isinstance(p, str) and _text(account_id) in p) or swept
        rows.append({
            "account_id": _text(account_id), "name": _text(about.get("name")),
            "folder_id": _text(about.get("folder_id")),
            "status": _text(about.get("deletion_status") or about.get("status")), "swept": swept,
            "unreachable": unreachable, "why": why, "counted": totals is not None,
            "findings": _count(about.get("findings")), "errors": _count(by_status.get("error")),
            "open_by_risk": {r: _count(open_by_risk.get(r)) for r in RISKS},
        })

    def worst_first(row: dict[str, Any]) -> tuple:
        swept = row["swept"] == "yes" or (row["counted"] and not row["swept"])
        group = 0 if row["unreachable"] else 1 if swept else 2
        return (group, *(-row["open_by_risk"][r] for r in RISKS), -row["errors"], row["name"] or row["account_id"],
                row["account_id"])

    return sorted(rows, key=worst_first)


# The plan strings that repeat across findings (the same item's `who`, `breaks`, `doc` and `undo` of each step and
# its `note`) are written once: the first time a string is met it is written out and numbered (0, 1, 2, ... in the
# order met: the plan's fields, then each step's, in the order listed here); later the same string is written as
# its number. The script undoes this before it draws anything (unshare() in report.js; `unshare` below is the same
# in Python). At most `cap` strings are numbered, so the memory of a page being written stays bounded however many
# findings it has; a string met when the table is full is written out every time.
SHARED = {"plan": ["note"], "step": ["who", "breaks", "doc", "undo"], "cap": 4096}
NOT_ON_THE_PAGE = ("call",)  # a step's structured call: its text spells it out


class _Sharer:
    """Writes the findings' plans with their repeated strings shared (SHARED); one per page."""

    def __init__(self, shared: dict[str, Any]) -> None:
        self.plan_fields, self.step_fields, self.cap = shared["plan"], shared["step"], shared["cap"]
        self.numbers: dict[str, int] = {}

    def _ref(self, value: Any) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # only a shared string is ever a number on the page
            value = json.dumps(value, default=str)
        n = self.numbers.get(value)
        if n is not None:
            return n
        if len(self.numbers) < self.cap:
            self.numbers[value] = len(self.numbers)
        return value

    def finding(self, finding: Any) -> Any:
        """The finding as the page carries it (a copy: the caller's dict is left alone)."""
        plan = finding.get("remediation") if isinstance(finding, dict) else None
        if not isinstance(plan, dict):
            return finding
        plan = dict(plan)
        for key in self.plan_fields:
            if key in plan:
                plan[key] = self._ref(plan[key])
        if isinstance(plan.get("steps"), list):
            steps = []
            for step in plan["steps"]:
                if isinstance(step, dict):
                    step = {k: v for k, v in step.items() if k not in NOT_ON_THE_PAGE}
                    for key in self.step_fields:
                        if key in step:
                            step[key] = self._ref(step[key])
                steps.append(step)
            plan["steps"] = steps
        return {**finding, "remediation": plan}


def unshare(data: dict[str, Any]) -> dict[str, Any]:
    """The page's data with the shared strings put back (what report.js's unshare() does): each finding's plan
    as written out, less its steps' `call`. For tests and readers of the page's data."""
    shared = data.get("shared")
    if not shared:
        return data
    seen: list[str] = []

    def take(obj: dict, key: str) -> None:
        if key not in obj:
            return
        value = obj[key]
        if isinstance(value, int) and not isinstance(value, bool):
            obj[key] = seen[value] if 0 <= value < len(seen) else ""
        elif isinstance(value, str) and len(seen) < shared["cap"]:
            seen.append(value)

    data = json.loads(json.dumps(data))
    for finding in data.get("findings", []):
        plan = finding.get("remediation") if isinstance(finding, dict) else None
        if not isinstance(plan, dict):
            continue
        for key in shared["plan"]:
            take(plan, key)
        for step in plan.get("steps") if isinstance(plan.get("steps"), list) else []:
            if isinstance(step, dict):
                for key in shared["step"]:
                    take(step, key)
    return data


def _embed_streaming(data: dict[str, Any]) -> Iterator[str]:
    """embed_json(data), with its findings embedded one at a time (their plans' repeated strings shared)."""
    head = {k: v for k, v in data.items() if k != "findings"}
    sharer = _Sharer(data["shared"]) if data.get("shared") else None
    yield embed_json(head)[:-1] + ("," if head else "") + '"findings":['
    for n, finding in enumerate(data.get("findings", ())):
        yield ("," if n else "") + embed_json(sharer.finding(finding) if sharer else finding)
    yield "]}"


def render_parts(data: dict[str, Any]) -> Iterator[str]:
    """The page in pieces, made as they are read (the findings' JSON one finding at a time)."""
    title = f"dwdiag report {data['run']['run_id']}"
    values = {"CSP": html.escape(content_security_policy()), "TITLE": html.escape(title), "CSS": CSS, "JS": JS}
    # One pass over the template: a value that happens to spell a marker (a tenant named "@JS@") stays text.
    for i, part in enumerate(_MARKER.split(PAGE)):
        if not i % 2:
            yield part
        elif part == "DATA":
            yield from _embed_streaming(data)
        else:
            yield values[part]


def iter_report_parts(result: RunResult, history: Iterable[dict] = (), **kwargs: Any) -> Iterator[str]:
    return render_parts(report_data(result, history, **kwargs))


def iter_run_report_parts(summary: RunSummary, findings: Iterable[dict], history: Iterable[dict] = (),
                          **kwargs: Any) -> Iterator[str]:
    """The page of a run derived from its parts: its summary, its findings, its trend."""
    return render_parts(run_data(summary, findings, history, **kwargs))
