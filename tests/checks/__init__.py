"""Builders shared by the rule tests: API-shaped dicts, validated through the evidence models.

Every builder returns the wire shape (PascalCase API names, our snake_case containers) so the
tests exercise the models' parsing as well as the rules.
"""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from dwdiag.checks import load_all
from dwdiag.models.findings import Category
from dwdiag.evaluate import evaluate_category
from dwdiag.settings import Settings

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
REGION = "cn-hangzhou"
RULES = load_all()


def ms(when: datetime) -> int:
    return int(when.timestamp() * 1000)


def ago(days: float = 0, seconds: float = 0) -> datetime:
    return NOW - timedelta(days=days, seconds=seconds)


def call_error(operation: str, code: str = "Forbidden.Access", http_status: Optional[int] = 403,
               product: str = "dataworks", message: str = "You are not authorized to perform this operation.",
               **extra: Any) -> dict:
    return {"product": product, "operation": operation, "code": code, "message": message,
            "http_status": http_status, "request_id": "req-1", "region": REGION, **extra}


THROTTLED = {"code": "Throttling.Api.Risk", "http_status": 429, "message": "exceeded your daily available limit"}


def workspace(wid: int = 10001, name: str = "retail", status: str = "Available",
              standard: Optional[bool] = True) -> dict:
    ws = {"Id": wid, "Name": name, "DisplayName": name.replace("_", " "), "Status": status,
          "Owner": "1234567890123456"}
    if standard is not None:
        ws["DevEnvironmentEnabled"] = standard
    return ws


def entry(eid: int, env: Optional[str], props: Any = None, *, as_json: bool = False, **fields: Any) -> dict:
    """One Dev/Prod entry of a data source or compute resource; props may be sent as a JSON string."""
    cp = dict(props or {})
    if env is not None:
        cp = {"envType": env, **cp}
    out: dict[str, Any] = {"Id": eid, "ConnectionPropertiesMode": "UrlMode",
                           "ConnectionProperties": json.dumps(cp) if as_json else cp,
                           "CreateUser": "200000000000001"}
    out.update(fields)
    return out


def run(item: str, evidence, settings: Optional[Settings] = None, now: datetime = NOW):
    return RULES[item](evidence, settings or Settings(), now)


def statuses(outcomes) -> dict[str, str]:
    return {o.obj.id: o.status.value for o in outcomes}


def by_id(outcomes) -> dict:
    found = {}
    for o in outcomes:
        assert o.obj.id not in found, f"two outcomes for {o.obj.id}"
        found[o.obj.id] = o
    return found


def only(outcomes):
    outcomes = list(outcomes)
    assert len(outcomes) == 1, [(o.obj.id, o.status.value, o.result) for o in outcomes]
    return outcomes[0]


def findings_json(evidence, category: Category, settings: Optional[Settings] = None) -> tuple[list, str]:
    """Run the whole category through evaluation; return the findings and their public JSON."""
    found = evaluate_category(evidence, category, REGION, settings or Settings(), NOW)
    return found, json.dumps([f.public() for f in found], ensure_ascii=False)
