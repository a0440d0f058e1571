"""The evidence snapshot: everything a run collected, saved with the run and re-evaluable offline."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal, Optional, Union

from pydantic import Field, field_validator, model_validator

from dwdiag.models.common import Plain
from dwdiag.models.computing_storage import ComputingStorageEvidence
from dwdiag.models.data_production import DataProductionEvidence
from dwdiag.models.data_transmission import DataTransmissionEvidence
from dwdiag.models.findings import Category
from dwdiag.models.platform_config import PlatformConfigEvidence

CategoryEvidence = Union[
    ComputingStorageEvidence, DataTransmissionEvidence, DataProductionEvidence, PlatformConfigEvidence
]


class RegionEvidence(Plain):
    region: str = Field(min_length=1)
    computing_storage: Optional[ComputingStorageEvidence] = None
    data_transmission: Optional[DataTransmissionEvidence] = None
    data_production: Optional[DataProductionEvidence] = None
    platform_config: Optional[PlatformConfigEvidence] = None

    @model_validator(mode="after")
    def _scope(self) -> "RegionEvidence":
        for category in Category:
            evidence = self.for_category(category)
            if evidence is None:
                continue
            if evidence.region and evidence.region != self.region:
                raise ValueError(f"{category.value}.region is {evidence.region}, inside region {self.region}")
            evidence.region = self.region
        return self

    def for_category(self, category: Category) -> Optional[CategoryEvidence]:
        return getattr(self, category.value)


def _signin_events(data: dict) -> list[dict]:
    found = []
    for region in data.get("regions") or []:
        production = region.get("data_production") if isinstance(region, dict) else None
        identities = production.get("identities") if isinstance(production, dict) else None
        for ident in identities or []:
            events = ident.get("signin_events") if isinstance(ident, dict) else None
            found += [e for e in events or [] if isinstance(e, dict)]
    return found


class EvidenceSnapshot(Plain):
    # 2: sign-in events keep their event name (looked up by ServiceName and User since version 2).
    schema_version: Literal[1, 2] = 2
    collected_at: datetime
    account_id: Optional[str] = None
    regions: list[RegionEvidence]

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """Version 1 looked sign-ins up by EventName=ConsoleSignin, so every event it kept is one."""
        if not isinstance(data, dict) or data.get("schema_version") != 1:
            return data
        for event in _signin_events(data):
            event.setdefault("event_name", "ConsoleSignin")
        return {**data, "schema_version": 2}

    @field_validator("collected_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("collected_at needs a time zone, e.g. 2026-11-28T02:00:00Z")
        return value

    @field_validator("regions")
    @classmethod
    def _unique_regions(cls, value: list[RegionEvidence]) -> list[RegionEvidence]:
        names = [r.region for r in value]
        if len(names) != len(set(names)):
            raise ValueError("each region may appear only once")
        return value

    def dump(self) -> dict:
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)
