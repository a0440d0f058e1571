"""Plain-text tables for people: the catalog, and findings grouped by category and risk."""

from __future__ import annotations

import textwrap
from typing import Iterable

from dwdiag.catalog import ItemMeta
from dwdiag.models.findings import Category, Finding, RiskLevel, Status
from dwdiag.models.summary import Counts, RunSummary

SHOWN_BY_DEFAULT = (Status.fail, Status.error, Status.manual)
STATUS_ORDER = {Status.fail: 0, Status.error: 1, Status.manual: 2, Status.passed: 3, Status.not_applicable: 4}


def table(headers: list[str], rows: Iterable[list[str]]) -> str:
    rows = [list(map(str, r)) for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in rows]) for i, h in enumerate(headers)]
    line = lambda cells: "  ".join(c.ljust(w) for c, w in zip(cells, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


def items_table(items: list[ItemMeta]) -> str:
    return table(["ID", "CATEGORY", "RISK", "OBJECT", "TITLE"],
                 [[i.id, i.category.value, i.default_risk.value, i.object_type, i.title] for i in items])


def _risk_line(counts: Counts) -> str:
    risks = " · ".join(f"{r.value} {counts.open_by_risk.get(r.value, 0)}" for r in reversed(list(RiskLevel)))
    others = ", ".join(f"{s.value} {counts.by_status.get(s.value, 0)}" for s in Status if s is not Status.fail)
    return f"open risks: {risks}   ({others})"


def _sort_key(f: Finding):
    # A waived result is listed after the open ones of its status: a person accepted it until a date.
    return (STATUS_ORDER[f.status], bool(f.waived), -f.risk_level.rank, f.item_id, f.account_id or "", f.region,
            f.object_id)


def findings_report(findings: list[Finding], summary: RunSummary, *, show_all: bool = False,
                    width: int = 100) -> str:
    shown = set(Status) if show_all else set(SHOWN_BY_DEFAULT)
    out = [f"DataWorks platform security diagnostics, run {summary.run_id}",
           f"regions: {', '.join(summary.regions) or 'none'}; results as of "
           f"{summary.evaluated_at:%Y-%m-%d %H:%M %Z}", ""]
    organization = bool(summary.accounts)
    if organization:  # who was swept, and who was not and why, before any finding
        out[-1:] = [f"accounts: {len(summary.accounts)}"]
        for account, about in summary.accounts.items():
            name = f" ({about['name']})" if about.get("name") else ""
            state = "swept" if about.get("swept") == "yes" else about.get("why") or about.get("swept") or "not swept"
            out.append(f"  {account}{name}: {state}")
        out.append("")
    for category in summary.categories:
        mine = sorted((f for f in findings if f.category is category), key=_sort_key)
        out.append(f"{Category(category).title}: {_risk_line(summary.by_category[Category(category).value])}")
        listed = [f for f in mine if f.status in shown]
        for f in listed:
            status = f"{f.status.value} (waived)" if f.waived else f.status.value
            where = f"{f.account_id}/{f.region}" if organization and f.account_id else f.region
            out.append(f"  {f.risk_level.value.upper():<6} {status:<14} {f.item_id}  [{where}] "
                       f"{f.object_name}")
            out.extend(textwrap.wrap(f.result, width=width, initial_indent=" " * 9, subsequent_indent=" " * 9))
            if f.waived and f.waiver:
                w = f.waiver
                out.extend(textwrap.wrap(f"waived by {w.owner} until {w.expires.isoformat()}: {w.reason}",
                                         width=width, initial_indent=" " * 9, subsequent_indent=" " * 11))
        hidden = len(mine) - len(listed)
        if hidden:
            out.append(f"  ... and {hidden} passed or not applicable (--all shows them)")
        out.append("")
    out.append(f"Total: {summary.findings} results; {_risk_line(summary.totals)}")
    for problem in summary.problems:
        out.append(f"note: {problem}")
    return "\n".join(out)
