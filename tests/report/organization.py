"""An organization run for the report's tests (test_accounts.py, test_browser.py): three swept accounts (one of
them refusing its role, so all its items are errors) and one left out, as RunSummary.accounts records them."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Optional

from dwdiag.models.findings import Category, Finding, RiskLevel, Status, fingerprint
from dwdiag.models.summary import Counts, RunSummary

PROD, ANALYTICS, SANDBOX, NEW = "5000000000000011", "5000000000000012", "5000000000000013", "5000000000000014"
UNREACHABLE = "no: its role could not be assumed"
ACCOUNTS = {
    PROD: {"name": "prod-data", "folder_id": "fd-prod01", "status": "CreateSuccess", "swept": "yes"},
    ANALYTICS: {"name": "analytics", "folder_id": "fd-dev01", "status": "CreateSuccess", "swept": "yes"},
    SANDBOX: {"name": "sandbox", "folder_id": "fd-sandbox1", "status": "CreateSuccess", "swept": UNREACHABLE},
    NEW: {"name": "new-team", "folder_id": "fd-dev01", "status": "CreateVerifying", "swept": "no",
          "why": "not swept: its status in the resource directory is CreateVerifying"},
}
# (account, item, status, risk, region, object): prod-data fails high and low, analytics medium, and sandbox's
# role was refused, so each of its items is an error.
FINDINGS = [
    (PROD, "maxcompute_backup", "fail", "high", "cn-hangzhou", "prod_dw"),
    (PROD, "maxcompute_backup", "fail", "high", "cn-shanghai", "prod_ods"),
    (PROD, "maxcompute_download_control", "fail", "low", "cn-hangzhou", "prod_dw"),
    (PROD, "maxcompute_permission_model", "pass", "high", "cn-hangzhou", "prod_dw"),
    (ANALYTICS, "maxcompute_data_protection", "fail", "medium", "cn-shanghai", "ana_lab"),
    (ANALYTICS, "maxcompute_backup", "pass", "high", "cn-shanghai", "ana_lab"),
    (ANALYTICS, "maxcompute_storage_encryption", "manual", "medium", "cn-shanghai", "ana_lab"),
    (SANDBOX, "maxcompute_backup", "error", "high", "cn-hangzhou", "all"),
    (SANDBOX, "maxcompute_permission_model", "error", "high", "cn-hangzhou", "all"),
]
REFUSAL = (f"could not assume acs:ram::{SANDBOX}:role/dwdiag-scanner (NoPermission): the role refused this "
           "scanner; every item is an error")
# As RunSummary.combine prefixes a part's problem with its place.
PROBLEM = f"{SANDBOX} cn-hangzhou, cn-shanghai: account {SANDBOX}: {REFUSAL}"


def org_run(names: Optional[dict[str, str]] = None, accounts: Optional[list[str]] = None,
            extra: Optional[dict[str, dict]] = None) -> tuple[RunSummary, list[dict]]:
    """(summary, public findings) of the run. `names` replaces display names (hostile ones, say); `accounts` keeps
    only those accounts' findings (accounts=[PROD]: an organization run whose findings are of one account);
    `extra` adds to (or replaces) what the summary says of an account."""
    now = datetime(2026, 11, 1, 2, tzinfo=timezone.utc)
    findings = [Finding(
        item_id=item, category=Category.computing_storage, status=Status(status), risk_level=RiskLevel(risk),
        region=region, object_type="maxcompute_project", object_id=obj, object_name=obj, workspace_id=None,
        result=f"{item} of {obj}: {status}", suggestion="Fix it.", evidence={"project": obj},
        fingerprint=fingerprint(item, region, "maxcompute_project", obj), account_id=account)
        for account, item, status, risk, region, obj in FINDINGS if accounts is None or account in accounts]
    about: dict[str, dict] = {}
    for account, known in ACCOUNTS.items():
        about[account] = {**known, **({"name": names[account]} if names and account in names else {})}
        mine = [f for f in findings if f.account_id == account]
        if mine:
            about[account].update(findings=len(mine), totals=Counts.of(mine).model_dump())
    for account, more in (extra or {}).items():
        about[account] = {**about.get(account, {}), **more}
    summary = RunSummary.build(findings, run_id="20261101T020000Z-org", source="scan", started_at=now,
                               finished_at=now, evaluated_at=now, regions=["cn-hangzhou", "cn-shanghai"],
                               categories=[Category.computing_storage], accounts=about, problems=[PROBLEM])
    return summary, [f.public() for f in findings]
