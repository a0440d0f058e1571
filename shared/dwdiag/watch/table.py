"""Which write events the watch follows, and what each can change (the data: catalog/watch.yaml).

An ActionTrail event names its service (`serviceName`), its API action (`eventName`), the region it
happened in (`acsRegion`), its caller (`userIdentity`), its parameters (`requestParameters`) and the
resources it touched (`resourceName`, ids separated by commas within a type and semicolons across types).
A row of the table turns one into a `Change`: the object (a workspace, a MaxCompute project, a RAM user or
a trail) and the categories whose findings it can change. An event the table does not know is `None`, and
the caller counts it.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Optional

import yaml

from dwdiag.errors import UserError
from dwdiag.models.findings import Category
from dwdiag.settings import WATCH_PRODUCTS, Settings

WORKSPACE, PROJECT, RAM_USER, TRAIL = "workspace", "maxcompute_project", "ram_user", "trail"
OBJECTS = (WORKSPACE, PROJECT, RAM_USER, TRAIL)


@dataclass(frozen=True)
class Row:
    product: str
    event: str
    object: str
    keys: tuple[str, ...]
    categories: tuple[Category, ...]
    confirmed: bool


@dataclass(frozen=True)
class Change:
    """What one event may have changed. `object_id` is None when the event does not say (then every object
    of its kind in the region is re-checked)."""

    event_id: str
    event_name: str
    product: str
    region: str
    object: str
    object_id: Optional[str]
    categories: tuple[Category, ...]
    who: str
    when: str

    def describe(self) -> str:
        """One line for the alert: which API, on what, by whom, when."""
        target = f" on {self.object.replace('_', ' ')} {self.object_id}" if self.object_id else ""
        return f"{self.event_name}{target} by {self.who} at {self.when}"


class Table:
    def __init__(self, services: dict[str, list[str]], rows: dict[tuple[str, str], Row]) -> None:
        self.services = services  # product -> ActionTrail service names
        self.rows = rows          # (product, event name) -> row
        self.product_of = {name: product for product, names in services.items() for name in names}

    def queries(self) -> list[str]:
        """The service names to ask LookupEvents for, each once."""
        return sorted(self.product_of)

    def change(self, event: dict[str, Any], region: str) -> Optional[Change]:
        product = self.product_of.get(str(event.get("serviceName")))
        row = self.rows.get((product, str(event.get("eventName")))) if product else None
        if row is None:
            return None
        object_id = _object_id(event, row.keys)
        if row.object == RAM_USER and object_id:  # IMS names the user by its principal name, name@domain
            object_id = object_id.split("@", 1)[0]
        return Change(event_id=str(event.get("eventId")), event_name=row.event, product=row.product,
                      region=str(event.get("acsRegion") or region), object=row.object,
                      object_id=object_id, categories=row.categories, who=_who(event),
                      when=str(event.get("eventTime") or ""))


def table(settings: Settings) -> Table:
    """The table of catalog/watch.yaml with the settings' service names and extra event names."""
    services, rows = _catalog()
    services = {**services, **{p: list(names) for p, names in settings.watch_service_names.items()}}
    rows = dict(rows)
    for extra, like in settings.watch_extra_events.items():
        product, _, name = like.partition(":")
        row = rows.get((product, name))
        if row is None:
            raise UserError(f"DWDIAG_WATCH_EXTRA_EVENTS: {like} is not an event of the watch's table "
                            "(shared/dwdiag/catalog/watch.yaml); map the new name onto one of its rows")
        new_product, _, new_name = extra.partition(":")
        rows[(new_product, new_name)] = Row(new_product, new_name, row.object, row.keys, row.categories, False)
    return Table(services, rows)


@lru_cache(maxsize=1)
def _catalog() -> tuple[dict[str, list[str]], dict[tuple[str, str], Row]]:
    doc = yaml.safe_load(resources.files("dwdiag.catalog").joinpath("watch.yaml").read_text(encoding="utf-8"))
    services = {product: list(entry["names"]) for product, entry in doc["services"].items()}
    rows: dict[tuple[str, str], Row] = {}
    for entry in doc["events"]:
        if entry["product"] not in WATCH_PRODUCTS or entry["object"] not in OBJECTS:
            raise RuntimeError(f"watch.yaml: {entry['product']}/{entry['object']} is not a product and object")
        for name in entry["names"]:
            rows[(entry["product"], name)] = Row(entry["product"], name, entry["object"], tuple(entry["keys"]),
                                                 tuple(Category(c) for c in entry["categories"]),
                                                 bool(entry.get("confirmed")))
    return services, rows


def _object_id(event: dict[str, Any], keys: tuple[str, ...]) -> Optional[str]:
    params = event.get("requestParameters")
    if isinstance(params, dict):
        for key in keys:
            value = params.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()
    names = event.get("resourceName")
    if isinstance(names, str):  # "a,b;c": the first id of the first type
        first = names.split(";")[0].split(",")[0].strip()
        return first or None
    return None


def _who(event: dict[str, Any]) -> str:
    ident = event.get("userIdentity") if isinstance(event.get("userIdentity"), dict) else {}
    name = ident.get("userName") or ident.get("principalId") or "an unknown caller"
    kind = ident.get("type")
    return f"{name} ({kind})" if kind else str(name)
