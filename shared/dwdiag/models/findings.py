"""A finding: one result of one item on one object, with exactly the fields of the spec."""

from __future__ import annotations

import hashlib
from datetime import date
from enum import Enum
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict


class Category(str, Enum):
    computing_storage = "computing_storage"
    data_transmission = "data_transmission"
    data_production = "data_production"
    platform_config = "platform_config"

    @property
    def title(self) -> str:
        return CATEGORY_TITLES[self]


CATEGORY_TITLES = {
    Category.computing_storage: "Data computing and storage",
    Category.data_transmission: "Data transmission security",
    Category.data_production: "Standardized data production",
    Category.platform_config: "Platform security configuration",
}


class Status(str, Enum):
    fail = "fail"
    passed = "pass"
    error = "error"
    not_applicable = "not_applicable"
    manual = "manual"


class RiskLevel(str, Enum):
    low = "low"
    medium = "medium"
    high = "high"

    @property
    def rank(self) -> int:
        return {"low": 1, "medium": 2, "high": 3}[self.value]


def fingerprint(item_id: str, region: str, object_type: str, object_id: str) -> str:
    """Stable across runs: the same risk on the same object always hashes the same."""
    key = "\x1f".join((item_id, region, object_type, object_id))
    # surrogatepass: a tenant name may hold a lone surrogate (a JSON escape); it must still hash.
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()[:32]


class AppliedWaiver(BaseModel):
    """The waiver that accepted this risk (see dwdiag.waivers), copied onto the finding so a reader sees why."""

    model_config = ConfigDict(extra="forbid")

    reason: str
    owner: str
    expires: date
    matched_by: Literal["fingerprint", "item_id+object"]


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid", use_enum_values=False)

    item_id: str
    category: Category
    status: Status
    risk_level: RiskLevel
    region: str
    object_type: str
    object_id: str
    object_name: str
    workspace_id: Optional[str]
    result: str
    suggestion: str
    evidence: dict[str, Any]
    fingerprint: str
    # Set when the run is compared with the previous one (see dwdiag.diff); absent otherwise.
    state: Optional[Literal["new", "existing", "resolved"]] = None
    first_seen: Optional[str] = None
    regression: Optional[bool] = None
    # Set when an unexpired waiver accepts this fail or manual result; the status stays as it was.
    waived: Optional[bool] = None
    waiver: Optional[AppliedWaiver] = None

    def public(self) -> dict[str, Any]:
        data = self.model_dump(mode="json")
        for key in DIFF_FIELDS + WAIVER_FIELDS:
            if data[key] is None:
                del data[key]
        return data


DIFF_FIELDS = ("state", "first_seen", "regression")
WAIVER_FIELDS = ("waived", "waiver")
