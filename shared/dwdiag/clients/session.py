"""boto3-style clients over the official Tea SDKs: the only code that touches SDK objects.

    session = Session("cn-hangzhou")
    dw = session.client("dataworks")
    dw.get_project(Id=1001)                            # one call, a plain dict with wire names
    for page in dw.paginate("list_projects"): ...      # every page, tokens hidden
    dw.collect("list_projects")                        # every item of every page
"""

from __future__ import annotations

import importlib
import inspect
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any, Callable, Iterator, Optional, Union
from urllib.parse import urlsplit

from dwdiag.clients.credentials import Credentials, resolve

if TYPE_CHECKING:
    from dwdiag.clients.assume import AssumedRole
from dwdiag.clients.errors import DEADLINE, MALFORMED, PAGINATION, UNSUCCESSFUL, ClientError, from_sdk
from dwdiag.clients.operations import SERVICES, Operation, Paging, operation
from dwdiag.clients.ratelimit import Limiters
from dwdiag.clients.retry import RetryPolicy, is_quota, is_throttling

EndpointSetting = Union[str, dict, None]


class CallStats:
    """Calls per action (every HTTP attempt), throttled answers and retries; shared by a run."""

    def __init__(self) -> None:
        self.calls: Counter = Counter()
        self.throttled: Counter = Counter()
        self._lock = threading.Lock()

    def count(self, key: str, throttled: bool = False) -> None:
        with self._lock:
            (self.throttled if throttled else self.calls)[key] += 1


def resolve_endpoint(setting: EndpointSetting, region: str) -> Optional[tuple[str, str]]:
    """A URL, or a map of region -> URL ("*" for any other region); returns (protocol, host:port)."""
    if isinstance(setting, dict):
        setting = setting.get(region) or setting.get("*")
    if not setting:
        return None
    url = urlsplit(setting)
    if not url.scheme or not url.netloc:
        raise ValueError(f"endpoint {setting!r} is not a URL such as http://127.0.0.1:8080")
    return url.scheme, url.netloc


def dig(body: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(body, dict):
            return None
        body = body.get(key)
    return body


class Session:
    def __init__(self, region: str, credentials: Optional[Credentials | "AssumedRole"] = None,
                 endpoints: Optional[dict[str, EndpointSetting]] = None, *, rates: Optional[dict[str, float]] = None,
                 retry: Optional[RetryPolicy] = None, stats: Optional[CallStats] = None,
                 timeouts_ms: tuple[int, int] = (5000, 10000)) -> None:
        self.region = region
        self.credentials = resolve(credentials)
        self.endpoints = {k.lower(): v for k, v in (endpoints or {}).items() if v}
        self.limiters = Limiters(rates or {})
        self.retry = retry or RetryPolicy()
        self.stats = stats or CallStats()
        self.timeouts_ms = timeouts_ms
        self.exhausted: dict[str, ClientError] = {}  # daily quotas hit: these actions are not called again
        self._clients: dict[str, Client] = {}
        self._lock = threading.Lock()

    def client(self, service: str) -> "Client":
        if service not in SERVICES:
            raise ValueError(f"unknown service {service!r}; one of {', '.join(SERVICES)}")
        with self._lock:
            if service not in self._clients:
                self._clients[service] = Client(self, service)
            return self._clients[service]

    def secrets(self) -> tuple[str, ...]:
        return self.credentials.secrets() if self.credentials else ()

    def sdk_config(self, service: str) -> Any:
        from alibabacloud_tea_openapi.utils_models import Config

        svc = SERVICES[service]
        cfg = Config(region_id=self.region, connect_timeout=self.timeouts_ms[0], read_timeout=self.timeouts_ms[1])
        if self.credentials is not None and not isinstance(self.credentials, Credentials):
            from alibabacloud_credentials.client import Client as CredentialClient

            cfg.credential = CredentialClient(provider=self.credentials)  # another account's (clients/assume.py)
        elif self.credentials:
            cfg.access_key_id = self.credentials.access_key_id
            cfg.access_key_secret = self.credentials.access_key_secret
            cfg.security_token = self.credentials.security_token
        else:
            from alibabacloud_credentials.client import Client as CredentialClient

            cfg.credential = CredentialClient()
        override = resolve_endpoint(self.endpoints.get(svc.product), self.region)
        if override:
            cfg.protocol, cfg.endpoint = override
            cfg.no_proxy = override[1].split(":")[0]
        elif svc.endpoint:
            cfg.endpoint = svc.endpoint.format(region=self.region)
        return cfg


class Client:
    """One product in one region. Operations are snake_case methods taking wire-named parameters."""

    def __init__(self, session: Session, service: str) -> None:
        svc = SERVICES[service]
        self.session, self.service, self.product = session, service, svc.product
        module = importlib.import_module(f"{svc.module}.client")
        self._models = importlib.import_module(f"{svc.module}.models")
        self._sdk = module.Client(session.sdk_config(service))

    def __getattr__(self, name: str) -> Callable[..., dict]:
        op = operation(self.service, name)
        return lambda **params: self.call(op, params)

    # --- one call ---------------------------------------------------------------------------------
    def call(self, op: Operation, params: dict[str, Any]) -> dict:
        s = self.session
        if op.key in s.exhausted:
            raise s.exhausted[op.key]
        try:
            return s.retry.call(lambda: self._attempt(op, dict(params)), lambda exc: self._failed(op, exc))
        except ClientError as err:
            if is_quota(err):
                s.exhausted[op.key] = err
            raise

    def _attempt(self, op: Operation, params: dict[str, Any]) -> dict:
        s = self.session
        limiter = s.limiters.get(op.family)
        s.retry.check_deadline(self.product, op.action)
        if limiter and not limiter.acquire(s.retry.deadline):
            raise ClientError(self.product, op.action, DEADLINE, "the run's deadline came while waiting for quota")
        s.stats.count(op.key)
        body = self._generic(op, params) if op.generic else self._typed(op, params)
        if not isinstance(body, dict) or not (body.get("RequestId") or body.get("requestId")):
            # Every real answer names its request; the SDK turns a `[]` or `null` body into an empty model.
            raise ClientError(self.product, op.action, MALFORMED, "the answer is not a JSON object with a RequestId")
        if body.get("Success") is False:
            raise ClientError(self.product, op.action, str(body.get("ErrorCode") or UNSUCCESSFUL),
                              str(body.get("ErrorMessage") or "the answer says Success: false"),
                              http_status=body.get("HttpStatusCode"), request_id=body.get("RequestId"))
        return body

    def _failed(self, op: Operation, exc: BaseException) -> ClientError:
        err = from_sdk(exc, self.product, op.action, self.session.secrets())
        if is_throttling(err) or is_quota(err):
            self.session.stats.count(op.key, throttled=True)
        return err

    def _typed(self, op: Operation, params: dict[str, Any]) -> Any:
        method = getattr(self._sdk, f"{op.name}_with_options")
        args: list[Any] = []
        if op.path_param:
            args.append(params.pop(op.path_param))
        request_cls = getattr(self._models, f"{op.action}Request", None)
        if request_cls is not None:
            args.append(request_cls().from_map(params))
        if "headers" in inspect.signature(method).parameters:
            args.append({})
        from darabonba.runtime import RuntimeOptions

        response = method(*args, RuntimeOptions())
        return response.body.to_map() if response.body is not None else None

    def _generic(self, op: Operation, params: dict[str, Any]) -> Any:
        from alibabacloud_tea_openapi.utils import Utils
        from alibabacloud_tea_openapi.utils_models import OpenApiRequest, Params
        from darabonba.runtime import RuntimeOptions

        svc = SERVICES[self.service]
        spec = Params(action=op.action, version=svc.version, protocol="HTTPS", pathname="/", method="POST",
                      auth_type="AK", style="RPC", req_body_type="formData", body_type="json")
        result = self._sdk.call_api(spec, OpenApiRequest(query=Utils.query(params)), RuntimeOptions())
        return result.get("body") if isinstance(result, dict) else None

    # --- many calls -------------------------------------------------------------------------------
    def paginate(self, name: str, **params: Any) -> Iterator[dict]:
        """Every page of a list operation, following its paging rule from the operation table."""
        op = operation(self.service, name)
        if op.paging is None:
            yield self.call(op, params)
            return
        yield from _pages(self, op, op.paging, dict(params))

    def collect(self, name: str, **params: Any) -> list:
        op = operation(self.service, name)
        items: list = []
        for page in self.paginate(name, **params):
            items.extend((dig(page, op.paging.items) or []) if op.paging else [page])
        return items


def _pages(client: Client, op: Operation, pg: Paging, params: dict[str, Any]) -> Iterator[dict]:
    params.setdefault(pg.size_param, pg.size)
    size = int(params[pg.size_param])
    number = int(params.get("PageNumber", 1))
    seen, tokens = 0, set()
    for _ in range(pg.max_pages):
        if pg.kind == "page":
            params["PageNumber"] = number
        body = client.call(op, params)
        items = dig(body, pg.items)
        if len(pg.items) > 1 and not isinstance(dig(body, pg.items[:-1]), dict):
            raise ClientError(client.product, op.action, MALFORMED, f"the answer has no {'.'.join(pg.items[:-1])}")
        total = _int_or_none(dig(body, pg.total)) if pg.total else None
        if items is None:
            # An empty list may be left out of a paged answer that counts 0; a list said to hold items, or
            # one with no count beside it (ActionTrail's Events), may not: that answer is unreadable.
            if total or (pg.kind == "token" and len(pg.items) == 1):
                raise ClientError(client.product, op.action, MALFORMED, f"{'.'.join(pg.items)} is missing")
            items = []
        if not isinstance(items, list):
            raise ClientError(client.product, op.action, MALFORMED, f"{'.'.join(pg.items)} is not a list")
        yield body
        seen += len(items)
        if pg.kind == "page":
            claimed = _int_or_none(dig(body, pg.items[:-1] + ("TotalCount",))) if len(pg.items) > 1 else None
            if not items and seen == 0 and claimed:
                # Whatever TotalCount counts (groups or entries), a first page cannot be empty if it is not 0.
                raise ClientError(client.product, op.action, PAGINATION,
                                  f"page {number} is empty but TotalCount is {claimed}")
            if not items:
                if total and seen < total:
                    raise ClientError(client.product, op.action, PAGINATION,
                                      f"page {number} is empty but TotalCount is {total} after {seen} items")
                return
            if (total is not None and seen >= total) or (total is None and len(items) < size):
                return
            number += 1
            continue
        token = next((t for t in (dig(body, p) for p in pg.token_paths) if t), None)
        truncated = dig(body, pg.truncated) if pg.truncated else None
        if truncated is True and not token:
            raise ClientError(client.product, op.action, PAGINATION, "the answer says IsTruncated but gives no Marker")
        if not token or truncated is False:
            return
        if token in tokens:
            raise ClientError(client.product, op.action, PAGINATION, "the answer repeated a page token")
        tokens.add(token)
        params[pg.token_param] = token
    raise ClientError(client.product, op.action, PAGINATION, f"more than {pg.max_pages} pages")


def _int_or_none(value: Any) -> Optional[int]:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
