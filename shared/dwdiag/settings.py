"""Settings: environment variables with the prefix DWDIAG_ (and, in Function Compute, the event payload)."""

from __future__ import annotations

import os
import re
from typing import Annotated, Any, Literal, Optional, Union

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from dwdiag.models.findings import Category, RiskLevel

ENV_PREFIX = "DWDIAG_"
PRODUCTS = ("dataworks", "maxcompute", "actiontrail", "ram", "emr", "sts", "oss", "fc", "resourcedirectory")
ACCOUNT_ID = r"^\d{16}$"
# The read-only role dwdiag assumes in each member account (deploy/member-role.yml creates it). Not
# ResourceDirectoryAccountAccessRole: that role holds AdministratorAccess, far more than a scanner needs.
DEFAULT_MEMBER_ROLE = "dwdiag-scanner"


def _list(value: Any) -> Any:
    # Lists come as JSON ("[\"a\",\"b\"]") or, friendlier on a command line, comma-separated.
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            import json

            return json.loads(text)
        return [part.strip() for part in text.split(",") if part.strip()]
    return value


StrList = Annotated[list[str], NoDecode]
# A URL, or a JSON object of region -> URL ("*" for any other region): each real region has its own host.
Endpoint = Annotated[Optional[Union[str, dict[str, str]]], NoDecode]


class AlertRoute(BaseModel):
    """A DingTalk robot for some accounts' findings (DWDIAG_ALERT_ROUTES)."""

    model_config = ConfigDict(extra="forbid")

    webhook: SecretStr
    secret: Optional[SecretStr] = None

    @field_validator("webhook")
    @classmethod
    def _https(cls, value: SecretStr) -> SecretStr:
        if not value.get_secret_value().startswith(("https://", "http://")):
            raise ValueError("a robot's webhook is its URL (https://oapi.dingtalk.com/robot/send?access_token=...)")
        return value


# Settings whose values are secrets: a message about a bad one never shows the value.
SECRET_SETTINGS = frozenset({"dingtalk_secret", "dingtalk_webhook", "alert_routes", "remediation_access_key_id",
                             "remediation_access_key_secret", "remediation_security_token"})
# A route's key: an account id, or a resource directory folder (fd-...) or its root (r-...).
ROUTE_KEY = r"^(\d{16}|fd-[A-Za-z0-9]+|r-[A-Za-z0-9]+)$"


WATCH_PRODUCTS = ("dataworks", "maxcompute", "ram", "actiontrail")  # whose write events the watch follows


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="forbid", case_sensitive=False)

    # What to sweep.
    regions: StrList = Field(default_factory=lambda: ["cn-hangzhou"])
    categories: Annotated[list[Category], NoDecode] = Field(default_factory=lambda: list(Category))
    workspaces: StrList = Field(default_factory=list, description="workspace ids to check; empty = all")
    maxcompute_projects: StrList = Field(default_factory=list, description="MaxCompute projects to check; empty = all")
    # Which Alibaba Cloud accounts: `self` (the credentials' own), account ids (each swept through the member
    # role), or `resource-directory` (the directory's members, listed by the management account or a delegated
    # administrator), optionally only those in `account_folders` and never those in `exclude_accounts`.
    accounts: Union[Literal["self", "resource-directory"], Annotated[list[str], NoDecode]] = "self"
    member_role: str = Field(default=DEFAULT_MEMBER_ROLE, pattern=r"^[A-Za-z0-9.\-]{1,64}$")
    account_folders: StrList = Field(default_factory=list)
    exclude_accounts: StrList = Field(default_factory=list)
    # How long an assumed member session lasts (STS DurationSeconds: 900 to the role's MaxSessionDuration),
    # and how long before it expires it is renewed, so a long sweep never calls with an expired token.
    member_session_seconds: int = Field(default=3600, ge=900, le=43200)
    member_session_renew_seconds: int = Field(default=600, ge=60, le=1800)
    enabled_items: StrList = Field(default_factory=list, description="item ids to run; empty = all")
    disabled_items: StrList = Field(default_factory=list)
    risk_overrides: dict[str, RiskLevel] = Field(default_factory=dict)

    # Item parameters (spec/diagnostic-items.md, "configurable").
    permission_model_field: str = "labelSecurity"
    min_retention_days: int = Field(default=1, ge=0, le=30)
    emr_access_mode_keys: StrList = Field(default_factory=lambda: ["accessMode", "emrAccessMode"])
    datasource_access_strict: bool = False
    datasource_isolation_compare: Literal["connection", "target"] = "connection"
    max_admins: int = Field(default=3, ge=0)
    # Whether the workspace owner role counts as an administrator, and as one of a member's roles: the
    # documentation does not say. Unset (the default), a result that depends on it is `manual`.
    count_owner_as_admin: Optional[bool] = None
    count_owner_role: Optional[bool] = None
    member_roles_mode: Literal["any", "separation_of_duties"] = "any"
    login_lookback_days: int = Field(default=90, ge=1, le=3650)
    signin_regions: StrList = Field(default_factory=lambda: ["ap-southeast-1", "cn-hangzhou"])
    deploy_lookback_days: int = Field(default=30, ge=1, le=365)
    # What makes an ActionTrail trail good enough (docs/evidence.md#actiontrail_audit): `strict` also wants
    # a delivery destination (CIS), `intact` is Cloud Config's actiontrail-trail-intact-enabled,
    # `enabled` its actiontrail-enabled (one active trail).
    trail_reading: Literal["strict", "intact", "enabled"] = "strict"

    # How a sweep runs: parallel workers per region, and a time limit for the whole run.
    workers: int = Field(default=16, ge=1, le=256)
    deadline_seconds: Optional[float] = Field(default=None, gt=0)
    # On Function Compute, a sweep that does not fit one invocation continues in the next (its progress kept
    # in the store): the time kept back at the end of each for evaluating, writing and queueing the next, and
    # how far a run may go on before what it has not collected ends as `error`.
    continuation_reserve_seconds: float = Field(default=120, ge=0)
    max_continuations: int = Field(default=24, ge=0)
    max_run_age_seconds: float = Field(default=22 * 3600, gt=0)
    # How long results stay in the store (publish/retention.py): runs, history entries and watch records older
    # than this many days are deleted after each run and by `dwdiag prune`. Unset: kept until you delete them.
    keep_days: Optional[int] = Field(default=None, ge=1, le=36500)

    # Client-side rate limits per quota family (calls per second).
    qps_dataworks: float = Field(default=50, gt=0)
    qps_maxcompute: float = Field(default=50, gt=0)
    qps_actiontrail_lookup: float = Field(default=2, gt=0)
    qps_ram: float = Field(default=20, gt=0)

    # Endpoint overrides: a URL such as http://127.0.0.1:8080 replaces the product's endpoint.
    endpoint_dataworks: Endpoint = None
    endpoint_maxcompute: Endpoint = None
    endpoint_actiontrail: Endpoint = None
    endpoint_ram: Endpoint = None
    endpoint_emr: Endpoint = None
    endpoint_sts: Endpoint = None
    endpoint_oss: Endpoint = None
    endpoint_fc: Endpoint = None
    endpoint_resourcedirectory: Endpoint = None

    # The deployed functions, for fan-out and `dwdiag invoke` (names as in template.yml).
    fc_service: str = "dwdiag"
    fc_function_prefix: str = "dwdiag-"
    fc_region: Optional[str] = None  # where the functions run; default the first region

    # Where results go, and who hears about them.
    oss_bucket: Optional[str] = None
    oss_prefix: str = ""
    oss_region: Optional[str] = None
    dingtalk_webhook: Optional[SecretStr] = None
    dingtalk_secret: Optional[SecretStr] = None
    # Robots per account or folder: {"<account id or folder id>": {"webhook": "...", "secret": "SEC..."}}. An
    # account's findings go to its own robot, else its folder's, else DWDIAG_DINGTALK_WEBHOOK, which also gets
    # the organization's digest; no robot hears of another's accounts.
    alert_routes: Annotated[dict[str, AlertRoute], NoDecode] = Field(default_factory=dict)
    alert_min_risk: RiskLevel = RiskLevel.medium  # new or regressed fails below this level are not announced
    alert_always: bool = False  # send a digest even when nothing changed
    alert_at_mobiles: StrList = Field(default_factory=list)  # @ these numbers when a new finding is high risk
    # How long the report link in an alert works (OSS presigned URL; V4 signing allows 7 days at most).
    report_url_expiry_seconds: int = Field(default=7 * 24 * 3600, ge=60, le=7 * 24 * 3600)
    # `dwdiag fix apply`: the credentials of the remediation policy (scripts/deploy policy --remediation), never
    # the scanner's; a fix is refused when the finding's evidence is older than this.
    remediation_access_key_id: Optional[SecretStr] = None
    remediation_access_key_secret: Optional[SecretStr] = None
    remediation_security_token: Optional[SecretStr] = None
    fix_max_evidence_age_hours: float = Field(default=24, gt=0)
    waivers_file: Optional[str] = None  # a YAML waiver file (dwdiag.waivers); --waivers FILE wins

    # The watch (`dwdiag watch`, docs/watch.md): ActionTrail write events since its cursor re-check the objects
    # they name. Each window goes back `watch_overlap_seconds` before the cursor (ActionTrail delivers an event
    # about 10 minutes after the call); a cursor older than `watch_lookback_seconds` is a gap, and the watched
    # categories are swept whole instead. The watch's calls use `watch_quota_share` of each rate, and it
    # re-checks at most `watch_max_objects` objects a run (the rest wait in its cursor for the next).
    watch_overlap_seconds: float = Field(default=900, ge=0, le=86400)
    watch_lookback_seconds: float = Field(default=6 * 3600, gt=0, le=90 * 86400)
    watch_quota_share: float = Field(default=0.25, gt=0, le=1)
    watch_max_objects: int = Field(default=50, ge=1)
    # ActionTrail service names per product (dataworks, maxcompute, ram, actiontrail) replacing the table's
    # (shared/dwdiag/catalog/watch.yaml), and more event names as {"<product>:<EventName>": "<product>:<a
    # listed EventName>"}: the event then re-checks what the listed one does.
    watch_service_names: dict[str, list[str]] = Field(default_factory=dict)
    watch_extra_events: dict[str, str] = Field(default_factory=dict)

    @field_validator(
        "regions", "workspaces", "enabled_items", "disabled_items", "emr_access_mode_keys",
        "signin_regions", "categories", "alert_at_mobiles", "account_folders", "exclude_accounts",
        "maxcompute_projects", mode="before",
    )
    @classmethod
    def _split(cls, value: Any) -> Any:
        return _list(value)

    @field_validator("watch_service_names")
    @classmethod
    def _watch_products(cls, value: dict[str, list[str]]) -> dict[str, list[str]]:
        unknown = sorted(set(value) - set(WATCH_PRODUCTS))
        if unknown:
            raise ValueError(f"unknown product {', '.join(unknown)}; the products are {', '.join(WATCH_PRODUCTS)}")
        return value

    @field_validator("watch_extra_events")
    @classmethod
    def _watch_events(cls, value: dict[str, str]) -> dict[str, str]:
        for name in [*value, *value.values()]:
            product, _, event = name.partition(":")
            if product not in WATCH_PRODUCTS or not event:
                raise ValueError(f"{name!r} is not <product>:<EventName> with a product of {', '.join(WATCH_PRODUCTS)}")
        return value

    @field_validator("accounts", mode="before")
    @classmethod
    def _accounts(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().lower() in ("self", "resource-directory", ""):
            return value.strip().lower() or "self"
        ids = _list(value)
        if not isinstance(ids, list) or not ids:
            raise ValueError("give `self`, `resource-directory`, or account ids separated by commas")
        ids = [str(i).strip() for i in ids]
        wrong = [i for i in ids if not re.match(ACCOUNT_ID, i)]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} is not an Alibaba Cloud account id (16 digits); give `self`, "
                             "`resource-directory`, or account ids separated by commas")
        return list(dict.fromkeys(ids))

    @field_validator("alert_routes", mode="before")
    @classmethod
    def _routes(cls, value: Any) -> Any:
        if isinstance(value, str):
            import json

            try:
                value = json.loads(value) if value.strip() else {}
            except ValueError:
                raise ValueError('give a JSON object such as {"1234567890123456": {"webhook": "https://...", '
                                 '"secret": "SEC..."}}') from None
        if isinstance(value, dict):
            wrong = [k for k in value if not re.match(ROUTE_KEY, str(k))]
            if wrong:
                raise ValueError(f"{', '.join(map(str, wrong))}: a route is keyed by an account id (16 digits) "
                                 "or a folder id (fd-... or r-...)")
        return value

    @field_validator("exclude_accounts")
    @classmethod
    def _account_ids(cls, value: list[str]) -> list[str]:
        wrong = [i for i in value if not re.match(ACCOUNT_ID, i)]
        if wrong:
            raise ValueError(f"{', '.join(wrong)} is not an Alibaba Cloud account id (16 digits)")
        return value

    @field_validator("enabled_items", "disabled_items")
    @classmethod
    def _known_items(cls, value: list[str]) -> list[str]:
        _check_item_ids(value)
        return value

    @field_validator("risk_overrides")
    @classmethod
    def _known_override_items(cls, value: dict[str, RiskLevel]) -> dict[str, RiskLevel]:
        _check_item_ids(list(value))
        return value

    @field_validator(*(f"endpoint_{p}" for p in PRODUCTS), mode="before")
    @classmethod
    def _url(cls, value: Any) -> Any:
        if isinstance(value, str) and value.strip().startswith("{"):
            import json

            value = json.loads(value)
        urls = value.values() if isinstance(value, dict) else [value]
        for url in urls:
            if url and (not isinstance(url, str) or "://" not in url):
                raise ValueError("give a URL with a scheme, such as http://127.0.0.1:8080, or a JSON object "
                                 'of region to URL, such as {"cn-hangzhou": "http://127.0.0.1:8080"}')
        return value or None

    @field_validator("count_owner_as_admin", "count_owner_role", "keep_days", mode="before")
    @classmethod
    def _unset(cls, value: Any) -> Any:
        return None if isinstance(value, str) and value.strip().lower() in ("", "unset") else value

    def item_enabled(self, item_id: str) -> bool:
        if item_id in self.disabled_items:
            return False
        return not self.enabled_items or item_id in self.enabled_items

    def collecting_seconds(self) -> Optional[float]:
        """Of the deadline, the time a piece of a continued run starts new items in: all but the reserve, and
        the reserve never more than a quarter of it, so a short timeout still leaves most of it to collect."""
        if self.deadline_seconds is None:
            return None
        return self.deadline_seconds - min(self.continuation_reserve_seconds, self.deadline_seconds / 4)

    def endpoint(self, product: str) -> Optional[str]:
        return getattr(self, f"endpoint_{product}")


def _check_item_ids(ids: list[str]) -> None:
    from dwdiag.catalog import ITEM_IDS

    unknown = sorted(set(ids) - set(ITEM_IDS))
    if unknown:
        raise ValueError(f"unknown item id(s) {', '.join(unknown)}; `dwdiag items` lists the 17 ids")


def unknown_environment_settings(environ: Optional[dict[str, str]] = None) -> list[str]:
    """DWDIAG_* variables that name no setting: most likely a typo that would otherwise be ignored."""
    environ = os.environ if environ is None else environ
    known = {ENV_PREFIX + name.upper() for name in Settings.model_fields}
    return sorted(k for k in environ if k.upper().startswith(ENV_PREFIX) and k.upper() not in known)
