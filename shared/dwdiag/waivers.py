"""Waivers: a person accepts a fail (or attests a manual result) until a date.

A waiver file is YAML, `waivers: [...]`; each waiver names its finding by `fingerprint`, or by `item_id`
plus `object` (an fnmatch pattern on object_id, `*` also matching `/`) and optionally `region` (a
pattern too), and says `reason`, `owner` and `expires` (a date, the last day it holds). A waived
finding keeps its status and gains `waived: true` and the waiver; it is left out of alerts and of
the open-risk counts. A waiver past its date matches nothing, so the finding comes back by itself.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator, model_validator

from dwdiag.errors import UserError
from dwdiag.models.findings import AppliedWaiver, Finding, Status

WAIVABLE = (Status.fail, Status.manual)


class WaiverError(UserError):
    """A waiver file or payload that does not validate: one line naming the entry, field and line."""


class Waiver(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    fingerprint: Optional[str] = Field(default=None, pattern=r"^[0-9a-f]{32}$")
    item_id: Optional[str] = None
    object: Optional[str] = Field(default=None, min_length=1)
    region: Optional[str] = Field(default=None, min_length=1)
    # Only this account's finding (an organization run); without it, a waiver holds in every account.
    account: Optional[str] = Field(default=None, pattern=r"^\d{16}$")
    reason: str = Field(min_length=1)
    owner: str = Field(min_length=1)
    expires: date
    _line: Optional[int] = PrivateAttr(default=None)  # where it stands in its file, for the lint

    @field_validator("item_id")
    @classmethod
    def _known_item(cls, value: Optional[str]) -> Optional[str]:
        from dwdiag.catalog import ITEM_IDS

        if value is not None and value not in ITEM_IDS:
            raise ValueError(f"unknown item id {value!r}; `dwdiag items` lists the 17 ids")
        return value

    @field_validator("expires", mode="before")
    @classmethod
    def _date_only(cls, value: Any) -> Any:
        # YAML reads 2026-12-31 as a date but a bare number as an int, which pydantic would take as epoch seconds.
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            raise ValueError("give a date such as 2026-12-31")
        return value

    @model_validator(mode="after")
    def _one_key(self) -> "Waiver":
        by_item = self.item_id is not None or self.object is not None or self.region is not None
        if self.fingerprint is not None and by_item:
            raise ValueError("give either fingerprint, or item_id and object, not both")
        if self.fingerprint is None and (self.item_id is None or self.object is None):
            raise ValueError("give fingerprint, or item_id and object (an fnmatch pattern on object_id)")
        return self

    @property
    def line(self) -> Optional[int]:
        return self._line

    def key(self) -> str:
        if self.fingerprint:
            return f"fingerprint {self.fingerprint}"
        return f"{self.item_id} {self.object}" + (f" in {self.region}" if self.region else "")

    def active(self, on: date) -> bool:
        return on <= self.expires

    def matches(self, finding: Finding) -> Optional[str]:
        """How this waiver names the finding ("fingerprint" or "item_id+object"), or None."""
        if self.account is not None and finding.account_id != self.account:
            return None
        if self.fingerprint is not None:
            return "fingerprint" if finding.fingerprint == self.fingerprint else None
        if finding.item_id != self.item_id or not fnmatchcase(finding.object_id, self.object or ""):
            return None
        if self.region is not None and not fnmatchcase(finding.region, self.region):
            return None
        return "item_id+object"


class WaiverFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    waivers: list[Waiver]


def load_waivers(path: str) -> list[Waiver]:
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise WaiverError(f"cannot read waiver file {path}: {getattr(exc, 'strerror', None) or exc}") from None
    return parse_waivers(text, path)


def parse_waivers(text: str, name: str = "waivers") -> list[Waiver]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise WaiverError(_one_line(f"{name}{where}: not valid YAML: {problem}")) from None
    try:
        waivers = WaiverFile.model_validate({} if data is None else data).waivers
    except ValidationError as exc:
        raise WaiverError(_one_line(_describe(exc, name, yaml.compose(text, Loader=yaml.SafeLoader)))) from None
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    for index, waiver in enumerate(waivers):
        waiver._line = _line_of(root, ["waivers", index])
    return waivers


def _describe(exc: ValidationError, name: str, root: Any) -> str:
    # A misspelt key also makes its field "missing": name the misspelling, which says what to fix.
    errors = sorted(exc.errors(include_url=False), key=lambda e: e.get("type") != "extra_forbidden")
    first = errors[0]
    loc = list(first.get("loc", ()))
    line = _line_of(root, loc) if root is not None else None
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in loc).lstrip(".") or "(top level)"
    value = first.get("input")
    shown = f" (got {repr(value)[:60]})" if isinstance(value, (str, int, float, bool, date)) else ""
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    where = f" line {line}" if line else ""
    msg = str(first.get("msg", "invalid")).removeprefix("Value error, ")
    return f"{name}{where}: {path}: {msg}{shown}{more}"


def _line_of(node: Any, loc: list[Any]) -> Optional[int]:
    """Follow the error path through the yaml nodes; the deepest node reached gives the line."""
    if node is None:
        return None
    line = node.start_mark.line + 1
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            match = [(k, v) for k, v in node.value if getattr(k, "value", None) == str(part)]
            if not match:
                break
            key, node = match[0]
            line = key.start_mark.line + 1
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
            line = node.start_mark.line + 1
        else:
            break
    return line


def _one_line(text: str) -> str:
    return " ".join(text.split())


def today_utc() -> date:
    return datetime.now(timezone.utc).date()


def find_waiver(waivers: list[Waiver], finding: Finding, on: date) -> Optional[tuple[Waiver, str]]:
    """The waiver that holds for a finding on a day: a fingerprint waiver before a pattern one."""
    if finding.status not in WAIVABLE:
        return None
    hits = [(w, how) for w in waivers if w.active(on) for how in [w.matches(finding)] if how]
    hits.sort(key=lambda hit: hit[1] != "fingerprint")
    return hits[0] if hits else None


def apply_waivers(findings: list[Finding], waivers: list[Waiver], on: date) -> int:
    """Mark the waived findings in place; returns how many. `on` is the day the rules were evaluated
    for, so a re-evaluation of old evidence judges the waivers as they stood then."""
    count = 0
    for finding in findings:
        hit = find_waiver(waivers, finding, on)
        if hit is None:
            continue
        waiver, how = hit
        finding.waived = True
        finding.waiver = AppliedWaiver(reason=waiver.reason, owner=waiver.owner, expires=waiver.expires,
                                       matched_by=how)
        count += 1
    return count


def lint(waivers: list[Waiver], findings: list[Finding], *, today: date, name: str, against: str) -> list[str]:
    """One line per problem: a waiver past its date, or one that names no fail or manual finding."""
    problems = []
    for index, waiver in enumerate(waivers):
        where = f"{name} line {waiver.line}" if waiver.line else name
        label = f"{where}: waivers[{index}] ({waiver.key()}, owner {waiver.owner})"
        if not waiver.active(today):
            problems.append(f"{label}: expired on {waiver.expires.isoformat()}")
            continue
        matched = [f for f in findings if waiver.matches(f)]
        if not any(f.status in WAIVABLE for f in matched):
            seen = sorted({f.status.value for f in matched})
            hint = f" (it names only {', '.join(seen)} results)" if seen else ""
            problems.append(f"{label}: matches no fail or manual finding of {against}{hint}")
    return problems
