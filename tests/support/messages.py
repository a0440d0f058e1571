"""Findings and alert digests to build DingTalk messages from, and readers of the message's markdown."""

from __future__ import annotations

import re

from dwdiag.alert.digest import AlertDigest
from dwdiag.models.findings import Category, Finding, RiskLevel, Status, fingerprint

LOCATION = "oss://dwdiag-findings/prod/runs/20260101T000000Z-ab12/"


def make_finding(n: int = 0, *, risk: str = "high", item_id: str = "maxcompute_download_control",
                 status: Status = Status.fail, name: str | None = None, object_id: str | None = None,
                 result: str = "Download control is off: anyone with table read can download it.",
                 suggestion: str = "Turn on download control. See https://help.aliyun.com/en/maxcompute/user-guide/download",
                 workspace_id: str | None = "ws-1001", region: str = "cn-hangzhou") -> Finding:
    object_id = object_id if object_id is not None else f"project_{n}"
    return Finding(
        item_id=item_id,
        category=Category.computing_storage,
        status=status,
        risk_level=RiskLevel(risk),
        region=region,
        object_type="maxcompute_project",
        object_id=object_id,
        object_name=name if name is not None else f"Project {n}",
        workspace_id=workspace_id,
        result=result,
        suggestion=suggestion,
        evidence={"n": n},
        fingerprint=fingerprint(item_id, region, "maxcompute_project", object_id),
    )


def digest(new=(), resolved=(), regressed=(), **kw) -> AlertDigest:
    fields = dict(run_id="20260101T000000Z-ab12", region="cn-hangzhou", categories=["computing_storage"],
                  open_by_risk={"high": 2, "medium": 1}, new=list(new), regressed=set(regressed),
                  resolved=list(resolved), errors=0, report_location=LOCATION, at_mobiles=[])
    fields.update(kw)
    return AlertDigest(**fields)


def text_of(body: dict) -> str:
    return body["markdown"]["text"]


def live_markup(text: str) -> str:
    """The text with every escaped character removed: what is left is what a renderer may interpret."""
    return re.sub(r"\\.", "", text)
