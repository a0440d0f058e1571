"""Building blocks shared by every evidence model: wire-name aliasing, call errors, JSON-ish fields."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from typing import Annotated, Any, Optional

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, model_validator
from pydantic.alias_generators import to_camel, to_pascal

from dwdiag.redact import redact, redact_text


class PascalWire(BaseModel):
    """An API object whose wire names are PascalCase (DataWorks, RAM, ActionTrail trails)."""

    model_config = ConfigDict(alias_generator=to_pascal, populate_by_name=True, extra="ignore")


class CamelWire(BaseModel):
    """An API object whose wire names are camelCase (MaxCompute)."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="ignore")


class Plain(BaseModel):
    """Our own containers: snake_case names, unknown keys rejected so a typo in a snapshot is caught."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


def _as_text(value: Any) -> Any:
    # IDs arrive as numbers from some APIs and as strings from others; compare them as strings.
    if isinstance(value, bool):
        raise ValueError("expected an id, got a boolean")
    if isinstance(value, (int, float)):
        return str(int(value))
    return value


IdStr = Annotated[str, BeforeValidator(_as_text)]

# API times without a zone are UTC (RAM and ActionTrail document UTC).
UtcDatetime = Annotated[datetime, AfterValidator(lambda d: d if d.tzinfo else d.replace(tzinfo=timezone.utc))]


def _json_object(value: Any) -> Any:
    """Accept an object or a JSON string holding an object; secrets are redacted on the way in."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ValueError(f"not valid JSON ({len(value)} characters)") from None
    if not isinstance(value, dict):
        raise ValueError(f"expected a JSON object, got {type(value).__name__}")
    return redact(value)


JsonObject = Annotated[Optional[dict[str, Any]], BeforeValidator(_json_object)]


class CallError(Plain):
    """One failed API call: enough to say which API failed and why, with no secret in it."""

    product: str
    operation: str
    code: str
    message: str = ""
    http_status: Optional[int] = None
    request_id: Optional[str] = None
    region: Optional[str] = None

    def model_post_init(self, __context: Any) -> None:
        self.message = redact_text(self.message)[:500]

    def describe(self) -> str:
        status = f" (HTTP {self.http_status})" if self.http_status else ""
        text = f"{self.product} {self.operation} failed: {self.code}{status}"
        message = self.message.strip().rstrip(".")
        return f"{text}: {message}" if message else text

    @property
    def denied(self) -> bool:
        code = self.code.lower()
        return self.http_status == 403 or "forbidden" in code or "nopermission" in code or "denied" in code


def get_ci(mapping: Optional[dict[str, Any]], *keys: str) -> Any:
    """Look a key up in an API dict, ignoring case (ConnectionProperties keys vary in case)."""
    if not mapping:
        return None
    lowered = {str(k).lower(): v for k, v in mapping.items()}
    for key in keys:
        if key.lower() in lowered:
            return lowered[key.lower()]
    return None


def same(a: Any, b: Any) -> bool:
    """Case-insensitive equality for enum-like API values (envType, Status, authType, ...)."""
    if a is None or b is None:
        return False
    return str(a).strip().lower() == str(b).strip().lower()


def window_start_ms(now: datetime, days: int) -> int:
    """The start of a look-back window as the epoch milliseconds DataWorks times use."""
    return int((now - timedelta(days=days)).timestamp() * 1000)


class Workspace(PascalWire):
    """A DataWorks workspace as ListProjects (2024-05-18) returns it."""

    id: IdStr
    name: str = ""
    display_name: Optional[str] = None
    status: Optional[str] = None
    owner: Optional[IdStr] = None
    dev_environment_enabled: Optional[bool] = None

    @property
    def available(self) -> bool:
        return same(self.status, "Available")

    @property
    def standard_mode(self) -> bool:
        return self.dev_environment_enabled is True

    @property
    def label(self) -> str:
        return self.name or self.id


class EnvEntry(PascalWire):
    """One environment entry (Dev or Prod) of a data source or compute resource group."""

    id: IdStr
    qualified_name: Optional[str] = None
    connection_properties_mode: Optional[str] = None
    connection_properties: JsonObject = None
    # Set by the model when ConnectionProperties could not be read: the rule reports `error` for it.
    connection_properties_error: Optional[str] = Field(default=None, alias="connection_properties_error")
    create_user: Optional[IdStr] = None

    @model_validator(mode="before")
    @classmethod
    def _unreadable_properties(cls, data: Any) -> Any:
        return entry_with_bad_properties(data)

    @property
    def env_type(self) -> Optional[str]:
        value = get_ci(self.connection_properties, "envType")
        return str(value) if value is not None else None

    @property
    def is_dev(self) -> bool:
        return same(self.env_type, "Dev")

    @property
    def is_prod(self) -> bool:
        return same(self.env_type, "Prod")

    @property
    def scheduling_identities(self) -> list[str]:
        """The RAM user ids a Prod entry with authType SubAccount names: under authIdentity (the documented key)
        and TaskSubmitter (the key of CreateComputeResource's example), keys in any case. Both are read: when an
        entry carries both and they differ, which one schedules is not documented, so each is checked."""
        props = self.connection_properties
        if not self.is_prod or not same(get_ci(props, "authType"), "SubAccount"):
            return []
        found: list[str] = []
        for key in ("authIdentity", "TaskSubmitter"):
            uid = get_ci(props, key)
            if uid not in (None, "") and str(uid) not in found:
                found.append(str(uid))
        return found


def entry_with_bad_properties(data: Any) -> Any:
    """Before validation: turn unreadable ConnectionProperties into an error note instead of a failure."""
    if not isinstance(data, dict):
        return data
    for key in ("ConnectionProperties", "connection_properties"):
        if key in data:
            try:
                _json_object(data[key])
            except ValueError as exc:
                data = {k: v for k, v in data.items() if k != key}
                data["connection_properties_error"] = f"ConnectionProperties {exc}"
    return data


class RegionScoped(Plain):
    """Base of the four category evidence models: what one region answered for one category."""

    region: str = ""
