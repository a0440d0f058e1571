"""The DingTalk markdown message for one AlertDigest.

Everything that comes from the tenant (object names and ids, result sentences, suggestions, the report
location) is escaped, so a DataWorks object named `[x](http://evil)` shows as text instead of becoming a
link, an image, a heading or HTML in an ops group that trusts these alerts. The encoded body is kept under
DingTalk's 20000-byte limit (errcode 460101) by summarising the tail of the findings.
"""

from __future__ import annotations

import json
import re
import unicodedata
from typing import Any, Iterable

from dwdiag.alert.digest import AlertDigest
from dwdiag.models.findings import Category, Finding, RiskLevel
from dwdiag.remediation.plan import plan_for

MAX_BYTES = 20000
RISKS = ("high", "medium", "low")

# Per-field caps, applied before escaping (cutting after escaping could leave a dangling backslash
# that would escape our own markup). One finding can then never eat the whole message.
NAME_CAP, ID_CAP, RESULT_CAP, SUGGESTION_CAP, LOCATION_CAP = 160, 160, 500, 500, 600


TRIGGERS_SHOWN = 10  # events named in a watch's alert; the rest are counted


def report_link(location: str) -> str:
    """A URL we made ourselves (a presigned report) becomes a link, whole: a cut or escaped one
    would not open. Anything else (an oss:// or local path) is shown as escaped text."""
    if location.startswith(("https://", "http://")) and not any(c in location for c in "\n\r<>\"'`"):
        safe = location.replace(" ", "%20").replace("(", "%28").replace(")", "%29")
        return f"[open the report]({safe})"
    return escape_md(location, LOCATION_CAP) or "not stored"

# CommonMark's backslash-escapable punctuation that can start structure in a single line.
_MD_SPECIAL = re.compile(r"([\\`*_\[\]()#!|~])")
# `&name;` / `&#91;`: escaped so a tenant cannot spell `[`, `<` etc. as entities either.
_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_LIST_MARKER = re.compile(r"^(\d{1,9})([.)])")
_BIDI = {0x200E, 0x200F, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}
_MOBILE = re.compile(r"^\+?[0-9][0-9-]{2,19}$")


def one_line(value: Any, cap: int | None = None) -> str:
    """Plain single-line text: newlines and control characters become spaces (a newline in a tenant
    string would let it start its own heading or list), bidi overrides and lone surrogates go."""
    value = str(value)
    cut = cap is not None and len(value) > 4 * cap
    if cut:  # enough for `cap` characters even after whitespace runs collapse; spares scanning megabytes
        value = value[: 4 * cap]
    out = []
    for ch in value:
        cat = unicodedata.category(ch)
        if ord(ch) in _BIDI or cat == "Cs":
            continue
        out.append(" " if cat in ("Cc", "Zl", "Zp") else ch)
    text = " ".join("".join(out).split())
    if cap is not None and (cut or len(text) > cap):
        text = text[: cap - 1].rstrip() + "…"
    return text


def escape_md(value: Any, cap: int | None = None) -> str:
    """Tenant text made inert for DingTalk's markdown: shown as written, never interpreted."""
    text = one_line(value, cap)
    text = _MD_SPECIAL.sub(r"\\\1", text)
    text = _ENTITY.sub("&amp;", text)
    # Entities rather than `\<`: a renderer that passes raw HTML through would still see `<a ...>`
    # behind a backslash, but never behind `&lt;`.
    text = text.replace("<", "&lt;").replace(">", "&gt;")
    if text[:1] in ("-", "+"):
        text = "\\" + text
    return _LIST_MARKER.sub(r"\1\\\2", text)


def _item_title(item_id: str) -> str:
    try:
        from dwdiag import catalog

        return catalog.get(item_id).title
    except Exception:  # noqa: BLE001 - an unknown item id still gets its message, titled by the id
        return item_id


def _rank(finding: Finding) -> int:
    return RiskLevel(finding.risk_level).rank


def _category_title(value: str) -> str:
    try:
        return Category(value).title
    except ValueError:
        return value


def _encoded_len(text: str) -> int:
    """Bytes `text` adds inside a JSON string; JSON escapes per character, so lengths add up."""
    return len(json.dumps(text, ensure_ascii=False).encode("utf-8")) - 2


def body_size(body: dict) -> int:
    return len(json.dumps(body, ensure_ascii=False).encode("utf-8"))


def mentions(digest: AlertDigest) -> list[str]:
    """Numbers to @: only for a new high-risk finding, and only well-formed ones (they go into the text)."""
    if not any(RiskLevel(f.risk_level) is RiskLevel.high for f in digest.new):
        return []
    return [m.strip() for m in digest.at_mobiles if _MOBILE.match(str(m).strip())]


def _object(f: Finding) -> str:
    name, oid = one_line(f.object_name), one_line(f.object_id)
    label = escape_md(name or oid, NAME_CAP)
    if oid and oid != name:
        label += f" ({escape_md(f.object_type, 60)} {escape_md(oid, ID_CAP)})"
    else:
        label += f" ({escape_md(f.object_type, 60)})"
    return label


def _new_section(index: int, f: Finding, regressed: bool) -> str:
    risk = RiskLevel(f.risk_level).value.upper()
    tag = " · REGRESSED (passed last run)" if regressed else ""
    lines = [f"**{index}. {risk}{tag} · {escape_md(_item_title(f.item_id), 120)}**",
             f"Object: {_object(f)}" + (f" · Workspace: {escape_md(f.workspace_id, ID_CAP)}"
                                        if f.workspace_id else ""),
             f"Result: {escape_md(f.result, RESULT_CAP)}",
             f"Fix: {escape_md(f.suggestion, SUGGESTION_CAP)}"]
    plan = f.remediation or plan_for(f)
    if plan is not None:  # the exact steps are in the report; the command line prints them too
        runs = " dwdiag fix apply can run it." if plan.automatable else ""
        lines.append(f"Plan: {escape_md(plan.summary, SUGGESTION_CAP)} ({len(plan.steps)} step(s): "
                     f"dwdiag fix plan --finding {escape_md(f.fingerprint, 40)}).{runs}")
    # Blank lines: DingTalk's markdown joins single newlines into one paragraph.
    return "\n\n".join(lines) + "\n\n"


def _resolved_line(f: Finding) -> str:
    return (f"- {RiskLevel(f.risk_level).value} · {escape_md(_item_title(f.item_id), 120)} · "
            f"{escape_md(one_line(f.object_name) or f.object_id, NAME_CAP)}\n")


def _more(count: int, what: str) -> str:
    return f"\n... and {count} more {what}; see the report\n\n"


def _fit(parts: Iterable[str], count: int, budget: int, more_what: str) -> tuple[list[str], int]:
    """The longest prefix of the `count` parts that fits in `budget` bytes, followed by an 'and N more'
    line when they do not all fit. Parts are built lazily: thousands of findings, a few shown."""
    reserve = _encoded_len(_more(count, more_what))
    parts = iter(parts)
    kept: list[str] = []
    used = 0
    for part in parts:
        cost = _encoded_len(part)
        if used + cost > budget - reserve:
            # Everything left may still fit once no 'and N more' line is needed; stop adding at the budget.
            rest, rest_used = [part], used + cost
            for more in parts:
                if rest_used > budget:
                    break
                rest.append(more)
                rest_used += _encoded_len(more)
            if rest_used <= budget and len(kept) + len(rest) == count:
                return kept + rest, rest_used
            break
        kept.append(part)
        used += cost
    else:
        return kept, used
    tail = _more(count - len(kept), more_what)
    return kept + [tail], used + _encoded_len(tail)


def build_message(digest: AlertDigest, max_bytes: int = MAX_BYTES) -> dict:
    """A DingTalk `markdown` message whose encoded body (UTF-8 JSON) is smaller than max_bytes."""
    new = sorted(enumerate(digest.new),
                 key=lambda p: (-_rank(p[1]), p[1].fingerprint not in digest.regressed, p[0]))
    resolved = sorted(enumerate(digest.resolved), key=lambda p: (-_rank(p[1]), p[0]))
    region = one_line(digest.region, 64)
    if digest.account_id:  # an organization run: which account, before which region
        region = f"{one_line(digest.account_id, 20)} {region}"
    title = f"dwdiag {region}: {len(new)} new, {len(resolved)} resolved"
    at = mentions(digest)

    counts = " · ".join(f"{r} {int(digest.open_by_risk.get(r, 0))}" for r in RISKS)
    head = [f"#### dwdiag {escape_md(region)}: {len(new)} new, {len(resolved)} resolved\n\n",
            f"Run {escape_md(digest.run_id, 80)}"
            + (" · " + ", ".join(escape_md(_category_title(c), 80) for c in digest.categories)
               if digest.categories else "") + "\n\n",
            f"**Open fails:** {counts}\n\n"]
    if digest.triggers:  # a watch's re-check: what the change was, by whom, when
        shown = digest.triggers[:TRIGGERS_SHOWN]
        more = len(digest.triggers) - len(shown)
        head.append("**Re-checked after:** " + "; ".join(escape_md(t, 200) for t in shown)
                    + (f"; and {more} more" if more else "") + "\n\n")
    if at:
        # DingTalk only renders the mention when `@<mobile>` is also in the text.
        head.append(" ".join(f"@{m}" for m in at) + "\n\n")
    tail = []
    if digest.errors:
        tail.append(f"**Errors:** {int(digest.errors)} checks could not conclude; see the report\n\n")
    tail.append(f"**Full report:** {report_link(digest.report_location)}\n")

    new_head = [f"**New and regressed fails ({len(new)})**\n\n"] if new else []
    res_head = [f"**Resolved ({len(resolved)})**\n\n"] if resolved else []
    sections = (_new_section(i, f, f.fingerprint in digest.regressed) for i, (_, f) in enumerate(new, 1))
    lines = (_resolved_line(f) + ("\n" if i == len(resolved) else "") for i, (_, f) in enumerate(resolved, 1))

    body: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": title, "text": ""}}
    if at:
        body["at"] = {"atMobiles": at, "isAtAll": False}
    fixed = head + new_head + res_head + tail
    budget = max_bytes - 1 - body_size(body) - sum(_encoded_len(p) for p in fixed)
    # New findings first: they are what the alert is for; resolved ones get what room is left.
    keep = _encoded_len(_more(len(resolved), "resolved findings")) if resolved else 0  # room to say so
    if budget < keep + (_encoded_len(_more(len(new), "new findings")) if new else 0):
        raise ValueError(f"max_bytes={max_bytes} leaves no room for the message itself")
    kept_new, used = _fit(sections, len(new), budget - keep, "new findings")
    kept_res, _ = _fit(lines, len(resolved), budget - used, "resolved findings")
    body["markdown"]["text"] = "".join(_join(head, new_head, kept_new, res_head, kept_res, tail))
    if body_size(body) >= max_bytes:  # the accounting above is exact; this guards against its regressions
        raise RuntimeError(f"DingTalk message is {body_size(body)} bytes, over {max_bytes}")
    return body


def _join(*groups: Iterable[str]) -> Iterable[str]:
    for group in groups:
        yield from group


def organization_message(summary: dict[str, Any], location: str, max_bytes: int = MAX_BYTES) -> dict:
    """The organization's digest for the default robot: a line per account (the most open high-risk fails
    first), counts only, never an account's findings; accounts not swept say why."""
    accounts = summary.get("accounts") or {}

    def open_risk(about: dict, risk: str) -> int:
        return int(((about.get("totals") or {}).get("open_by_risk") or {}).get(risk, 0))

    def errors(about: dict) -> int:
        return int(((about.get("totals") or {}).get("by_status") or {}).get("error", 0))

    order = sorted(accounts.items(), key=lambda kv: (kv[1].get("swept") != "yes", -open_risk(kv[1], "high"),
                                                     -open_risk(kv[1], "medium"), kv[0]))
    swept = sum(1 for _, a in order if a.get("swept") == "yes")
    run_id = escape_md(summary.get("run_id", ""), 80)
    title = f"dwdiag organization: {swept} of {len(order)} accounts swept"
    totals = summary.get("totals") or {}
    counts = " · ".join(f"{r} {int((totals.get('open_by_risk') or {}).get(r, 0))}" for r in RISKS)
    changes = summary.get("changes") or {}
    head = [f"#### {escape_md(title)}\n\n", f"Run {run_id}\n\n", f"**Open fails:** {counts}"
            f" · new {int(changes.get('new', 0))} · resolved {int(changes.get('resolved', 0))}\n\n"]
    tail = [f"**Full report:** {report_link(location)}\n"]

    def line(account: str, about: dict) -> str:
        name = escape_md(about.get("name") or "", NAME_CAP)
        who = f"{escape_md(account, 20)}" + (f" ({name})" if name else "")
        if about.get("swept") != "yes":
            why = escape_md(about.get("why") or about.get("swept") or "not swept", RESULT_CAP)
            return f"- {who}: {why}\n"
        risks = " · ".join(f"{r} {open_risk(about, r)}" for r in RISKS)
        return f"- {who}: open {risks}" + (f" · errors {errors(about)}" if errors(about) else "") + "\n"

    body: dict[str, Any] = {"msgtype": "markdown", "markdown": {"title": one_line(title, 64), "text": ""}}
    budget = max_bytes - 1 - body_size(body) - sum(_encoded_len(p) for p in head + tail)
    kept, _ = _fit((line(a, about) for a, about in order), len(order), budget, "accounts")
    body["markdown"]["text"] = "".join(_join(head, kept, ["\n"], tail))
    return body
