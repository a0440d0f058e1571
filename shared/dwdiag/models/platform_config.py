"""Evidence for `platform_config`: ActionTrail trails and their logging status."""

from __future__ import annotations

from typing import Optional

from pydantic import Field

from dwdiag.models.common import RegionScoped, CallError, PascalWire


class TrailStatus(PascalWire):
    is_logging: Optional[bool] = None
    oss_bucket_status: Optional[bool] = None
    sls_log_store_status: Optional[bool] = None
    latest_delivery_time: Optional[str] = None
    latest_delivery_error: Optional[str] = None


class Trail(PascalWire):
    name: str
    status: Optional[str] = None
    event_rw: Optional[str] = Field(default=None, alias="EventRW")
    trail_region: Optional[str] = None
    home_region: Optional[str] = None
    sls_project_arn: Optional[str] = None
    oss_bucket_name: Optional[str] = None
    max_compute_project_arn: Optional[str] = None
    is_organization_trail: Optional[bool] = None
    organization_id: Optional[str] = None
    trail_arn: Optional[str] = None
    trail_status: Optional[TrailStatus] = Field(default=None, alias="trail_status")
    trail_status_error: Optional[CallError] = Field(default=None, alias="trail_status_error")


    @property
    def destinations(self) -> list[str]:
        """Where the trail delivers its events for keeping: SLS, OSS or MaxCompute."""
        named = (("SLS", self.sls_project_arn), ("OSS", self.oss_bucket_name),
                 ("MaxCompute", self.max_compute_project_arn))
        return [kind for kind, value in named if value]

    @property
    def owner_account(self) -> Optional[str]:
        """The account that holds the trail: the account segment of `TrailArn`
        (`acs:actiontrail:<region>:<account>:trail/<name>`, the DescribeTrails example). DescribeTrails
        has no owner field; for a multi-account trail seen from a member this is the management account
        that created it (UNCONFIRMED: docs/evidence.md#actiontrail_audit). None when the ARN is absent or
        not of that form."""
        parts = (self.trail_arn or "").split(":", 4)
        if len(parts) == 5 and parts[:2] == ["acs", "actiontrail"] and parts[3] and parts[4].startswith("trail/"):
            return parts[3]
        return None


class PlatformConfigEvidence(RegionScoped):
    trails: list[Trail] = Field(default_factory=list)
    trails_error: Optional[CallError] = None
