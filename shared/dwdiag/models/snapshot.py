"""The evidence snapshot: everything a run collected, saved with the run and re-evaluable offline."""

from __future__ import annotations

from datetime import datetime
from typing import Literal, Optional, Union

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

EVIDENCE_TYPES: dict[Category, type] = {
    Category.computing_storage: ComputingStorageEvidence,
    Category.data_transmission: DataTransmissionEvidence,
    Category.data_production: DataProductionEvidence,
    Category.platform_config: PlatformConfigEvidence,
}


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


class EvidenceSnapshot(Plain):
    schema_version: Literal[1] = 1
    collected_at: datetime
    account_id: Optional[str] = None
    regions: list[RegionEvidence]

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
