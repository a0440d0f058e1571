"""A finding: one result of one item on one object, with exactly the fields of the spec."""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Mapping
from datetime import date
from enum import Enum
from typing import Annotated, Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, PlainSerializer, PlainValidator, TypeAdapter
from pydantic.dataclasses import dataclass
from pydantic_core import to_jsonable_python

from dwdiag.models.remediation import Remediation


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


class FindingEvidence(Mapping[str, Any]):
    """A finding's evidence, read-only, held as compact JSON text.

    Evidence is written once (already redacted) and read only to be written out, and as text it
    takes a third of the memory of nested dicts. Reads parse it again; `to_dict()` gives a copy.
    """

    __slots__ = ("text",)

    def __init__(self, value: Mapping[str, Any]) -> None:
        self.text = json.dumps(to_jsonable_python(dict(value)), ensure_ascii=False, separators=(",", ":"))

    def to_dict(self) -> dict[str, Any]:
        return json.loads(self.text)

    def __getitem__(self, key: str) -> Any:
        return self.to_dict()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.to_dict())

    def __len__(self) -> int:
        return len(self.to_dict())

    def __contains__(self, key: object) -> bool:
        return key in self.to_dict()

    def get(self, key: str, default: Any = None) -> Any:
        return self.to_dict().get(key, default)

    def keys(self):  # type: ignore[override] - one parse, not one per key
        return self.to_dict().keys()

    def values(self):  # type: ignore[override]
        return self.to_dict().values()

    def items(self):  # type: ignore[override]
        return self.to_dict().items()

    def __eq__(self, other: object) -> bool:
        if isinstance(other, FindingEvidence):
            return self.to_dict() == other.to_dict()
        if isinstance(other, Mapping):
            return self.to_dict() == dict(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"FindingEvidence({self.text})"


def _evidence(value: Any) -> FindingEvidence:
    if isinstance(value, FindingEvidence):
        return value
    if not isinstance(value, Mapping):
        raise ValueError(f"evidence must be an object, got {type(value).__name__}")
    return FindingEvidence(value)


Evidence = Annotated[FindingEvidence, PlainValidator(_evidence),
                     PlainSerializer(lambda e: e.to_dict(), return_type=dict[str, Any])]


# A large tenant yields ~100,000 findings per region, so a finding is a slotted dataclass (pydantic
# validates it all the same): a BaseModel instance carries a dict and a fields-set, about 1.2 KB more.
@dataclass(slots=True, config=ConfigDict(extra="forbid", use_enum_values=False))
class Finding:
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
    evidence: Evidence
    fingerprint: str
    # The Alibaba Cloud account the object belongs to (absent for a snapshot that does not say). A finding is
    # one (account_id, fingerprint): the fingerprint alone stays what it was before organization sweeps.
    account_id: Optional[str] = None
    # Set when the run is compared with the previous one (see dwdiag.diff); absent otherwise.
    state: Optional[Literal["new", "existing", "resolved"]] = None
    first_seen: Optional[str] = None
    regression: Optional[bool] = None
    # Set when an unexpired waiver accepts this fail or manual result; the status stays as it was.
    waived: Optional[bool] = None
    waiver: Optional[AppliedWaiver] = None
    # On a `fail`, the exact steps that fix it (dwdiag.remediation), added when the finding is written out.
    remediation: Optional[Remediation] = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Finding":
        """Read a finding back from its JSON form (a stored run, a CSV row); unknown keys are an error."""
        return _ADAPTER.validate_python(data)

    def to_dict(self) -> dict[str, Any]:
        """Every field, JSON-ready, the absent ones as None."""
        return _ADAPTER.dump_python(self, mode="json")

    def replace(self, **changes: Any) -> "Finding":
        return dataclasses.replace(self, **changes)

    def public(self) -> dict[str, Any]:
        data = self.to_dict()
        for key in DIFF_FIELDS + WAIVER_FIELDS + ("account_id", "remediation"):
            if data[key] is None:
                del data[key]
        return data


_ADAPTER: TypeAdapter[Finding] = TypeAdapter(Finding)

DIFF_FIELDS = ("state", "first_seen", "regression")
WAIVER_FIELDS = ("waived", "waiver")
