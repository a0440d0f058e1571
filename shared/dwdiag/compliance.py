"""Compliance mappings: which framework controls each item supports, and a run's coverage per control.

The mappings are data (dwdiag/catalog/compliance/*.yaml), kept apart from the rules so that an
auditor's view can change without touching a check. Loading validates them: every item id named
exists, control ids are unique within a framework, and each of the 17 items is mapped somewhere.
"""

from __future__ import annotations

from collections import Counter
from importlib import resources
from typing import Any, Iterable, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from dwdiag.errors import UserError
from dwdiag.models.findings import Finding, Status

COUNTED = ("pass", "fail", "error", "manual", "not_applicable")


class Control(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(min_length=1)
    title: str = Field(min_length=3)
    items: tuple[str, ...] = Field(min_length=1)
    confirmed: bool = True  # false: the id could not be checked against the framework's own text


class Framework(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9.-]+$")
    title: str
    version: str
    source_url: str = Field(pattern=r"^https://")
    notes: str = ""
    controls: tuple[Control, ...] = Field(min_length=1)

    def items(self) -> set[str]:
        return {i for c in self.controls for i in c.items}


class MappingError(RuntimeError):
    """A mapping file that is wrong: a bug in the shipped data, found when it loads."""


def parse_framework(text: str, name: str) -> Framework:
    try:
        return Framework.model_validate(yaml.safe_load(text))
    except (yaml.YAMLError, ValidationError) as exc:
        raise MappingError(f"{name}: {exc}") from None


def check(frameworks: Iterable[Framework], item_ids: Iterable[str]) -> None:
    """Raise MappingError on an unknown item id, a repeated control id, or an item no framework maps."""
    known, mapped = set(item_ids), set()
    for fw in frameworks:
        unknown = sorted(fw.items() - known)
        if unknown:
            raise MappingError(f"{fw.id}: unknown item id(s) {', '.join(unknown)}")
        repeated = [cid for cid, n in Counter(c.id for c in fw.controls).items() if n > 1]
        if repeated:
            raise MappingError(f"{fw.id}: control id(s) listed twice: {', '.join(repeated)}")
        mapped |= fw.items()
    missing = sorted(known - mapped)
    if missing:
        raise MappingError(f"item(s) mapped in no framework: {', '.join(missing)}")


def load_frameworks() -> dict[str, Framework]:
    from dwdiag.catalog import ITEM_IDS

    folder = resources.files("dwdiag.catalog.compliance")
    frameworks = [parse_framework(f.read_text(encoding="utf-8"), f.name)
                  for f in sorted(folder.iterdir(), key=lambda f: f.name) if f.name.endswith(".yaml")]
    check(frameworks, ITEM_IDS)
    return {fw.id: fw for fw in frameworks}


def find_framework(name: str, frameworks: Optional[dict[str, Framework]] = None) -> Framework:
    """By id, or by an unambiguous start of one ("mlps", "cis")."""
    frameworks = frameworks if frameworks is not None else load_frameworks()
    if name in frameworks:
        return frameworks[name]
    hits = [fw for fid, fw in frameworks.items() if fid.startswith(name.lower())]
    if len(hits) == 1:
        return hits[0]
    raise UserError(f"no framework {name!r}; known: {', '.join(sorted(frameworks))}")


def coverage(framework: Framework, findings: list[Finding]) -> list[dict[str, Any]]:
    """Per control: its items and how their results came out (waived fails and manuals counted apart too)."""
    rows = []
    for control in framework.controls:
        mine = [f for f in findings if f.item_id in control.items]
        statuses = Counter(f.status.value for f in mine)
        counts = {s: statuses.get(s, 0) for s in COUNTED}
        counts["waived"] = sum(1 for f in mine if f.waived)
        counts["open"] = sum(1 for f in mine if f.status is Status.fail and not f.waived)
        rows.append({"id": control.id, "title": control.title, "confirmed": control.confirmed,
                     "items": list(control.items), "counts": counts})
    return rows


def document(framework: Framework, findings: list[Finding], source: str) -> dict[str, Any]:
    return {"framework": {"id": framework.id, "title": framework.title, "version": framework.version,
                          "source_url": framework.source_url, "notes": framework.notes},
            "source": source, "controls": coverage(framework, findings)}


def render(doc: dict[str, Any]) -> str:
    from dwdiag.render import table

    fw = doc["framework"]
    head = [f"{fw['title']} ({fw['version']}): coverage from {doc['source']}", ""]
    rows = []
    for c in doc["controls"]:
        n = c["counts"]
        rows.append([c["id"] + ("" if c["confirmed"] else " *"), n["pass"], n["fail"], n["waived"], n["error"],
                     n["manual"], n["not_applicable"], c["title"]])
    body = table(["CONTROL", "PASS", "FAIL", "WAIVED", "ERROR", "MANUAL", "N/A", "TITLE"], rows)
    items = [f"  {c['id']}: {', '.join(c['items'])}" for c in doc["controls"]]
    tail = ["", "Items per control:", *items]
    if any(not c["confirmed"] for c in doc["controls"]):
        tail.append("* control id not confirmed against the framework's text (see the mapping's notes)")
    return "\n".join(head + [body] + tail)
