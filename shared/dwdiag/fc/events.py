"""Function Compute events: a timer's JSON bytes with a string payload, or an on-demand payload object."""

from __future__ import annotations

import json
from typing import Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from dwdiag.errors import UserError, describe_validation
from dwdiag.waivers import Waiver


class Shard(BaseModel):
    """Set by a fan-out parent: this invocation sweeps one part of a run."""

    model_config = ConfigDict(extra="forbid")

    run_id: str = Field(pattern=r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$")
    index: int = Field(ge=0)
    total: int = Field(ge=1)


class Payload(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regions: Union[Literal["all"], list[str], None] = None  # None: DWDIAG_REGIONS
    workspaces: list[str] = Field(default_factory=list)
    settings: dict[str, Any] = Field(default_factory=dict)  # overrides of DWDIAG_* settings, by field name
    run_id: Optional[str] = Field(default=None, pattern=r"^[0-9]{8}T[0-9]{6}Z-[0-9a-f]{6}$")
    shard: Optional[Shard] = None
    # Set by an invocation that ran out of time for the next one of the same run: the how-many-th piece this is.
    continuation: int = Field(default=0, ge=0)
    alert: bool = True
    # Which accounts (DWDIAG_ACCOUNTS): `self`, `resource-directory`, or account ids; None: the setting.
    accounts: Union[Literal["self", "resource-directory"], list[str], None] = None
    # Set by an organization run's fan-out: the account this invocation sweeps (through its member role).
    account: Optional[str] = Field(default=None, pattern=r"^\d{16}$")
    folder_id: Optional[str] = None  # the account's folder whose alert route it takes (its own or one above it)
    waivers: list[Waiver] = Field(default_factory=list)  # same schema as a waiver file; added to DWDIAG_WAIVERS_FILE

    @field_validator("regions", mode="before")
    @classmethod
    def _one_region(cls, value: Any) -> Any:
        if isinstance(value, str) and value != "all":
            return [r.strip() for r in value.split(",") if r.strip()]
        return value

    @field_validator("regions")
    @classmethod
    def _not_empty(cls, value: Any) -> Any:
        if isinstance(value, list) and not value:
            raise ValueError("name at least one region, or \"all\"")
        return value


class TimerEvent(BaseModel):
    model_config = ConfigDict(extra="ignore")

    triggerTime: str
    triggerName: str
    payload: Optional[str] = None


def decode(event: Any) -> Any:
    if isinstance(event, (bytes, bytearray)):
        event = event.decode("utf-8", errors="replace")
    if isinstance(event, str):
        if not event.strip():
            return {}
        try:
            return json.loads(event)
        except json.JSONDecodeError as exc:
            raise UserError(f"the event is not JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}") from None
    return event


def parse_event(event: Any) -> tuple[Payload, Optional[TimerEvent]]:
    """Return the payload, and the timer event around it if this is a timer invocation."""
    data = decode(event)
    if not isinstance(data, dict):
        raise UserError(f"the event must be a JSON object, not {type(data).__name__}")
    timer = None
    if "triggerName" in data and "triggerTime" in data:
        try:
            timer = TimerEvent.model_validate(data)
        except ValidationError as exc:
            raise UserError(describe_validation(exc, what="the timer event is malformed")) from None
        try:
            data = decode(timer.payload or "")
        except UserError as exc:
            raise UserError(f"the timer's payload: {exc}") from None
        if not isinstance(data, dict):
            raise UserError("the timer's payload must be a JSON object such as {\"regions\": \"all\"}")
    try:
        return Payload.model_validate(data), timer
    except ValidationError as exc:
        raise UserError(describe_validation(exc, what="the payload is invalid")) from None
