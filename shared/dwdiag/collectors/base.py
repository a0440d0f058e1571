"""What every collector shares: the region's session, one fetch of each list, errors kept as evidence.

This is where a failed call (the client layer's ClientError) becomes evidence (a CallError model):
the client layer knows nothing of the evidence models."""

from __future__ import annotations

import threading
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Hashable, Optional, TypeVar

from pydantic import BaseModel, ValidationError

from dwdiag.clients import ClientError, Session
from dwdiag.clients.errors import MALFORMED
from dwdiag.collectors.cache import EvidenceCache
from dwdiag.models.common import CallError
from dwdiag.settings import Settings

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)


def call_error(err: ClientError, region: Optional[str] = None) -> CallError:
    """A failed call as evidence: which API failed, why, and the request to quote to support."""
    return CallError(product=err.product, operation=err.operation, code=err.code, message=err.message,
                     http_status=err.http_status, request_id=err.request_id, region=region)


@dataclass
class Fetched:
    """The result of one call (or list of calls): data, or the error that took its place."""

    data: Any = None
    error: Optional[CallError] = None


class OncePerRun:
    """Answers that several regions of one run ask for (the status of a trail, asked in its home region):
    the first asker fetches, the others wait for that answer instead of calling again."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._answers: dict[Hashable, Future] = {}

    def get(self, key: Hashable, fetch: Callable[[], T]) -> T:
        with self._lock:
            answer = self._answers.get(key)
            mine = answer is None
            if mine:
                answer = self._answers[key] = Future()
        if mine:
            try:
                answer.set_result(fetch())
            except BaseException as exc:  # noqa: BLE001 - the waiters get the same exception
                answer.set_exception(exc)
        return answer.result()


@dataclass(frozen=True)
class Only:
    """Exactly these objects of a region, and nothing else of their kinds (an empty set: none of them): the
    watch re-collects the workspaces and MaxCompute projects an event named (dwdiag/watch)."""

    workspaces: frozenset[str] = frozenset()
    projects: frozenset[str] = frozenset()


@dataclass
class RegionContext:
    session: Session
    settings: Settings
    now: datetime
    session_for: Callable[[str], Session]  # sessions of other regions (ActionTrail sign-in storage)
    workspace_filter: list[str] = field(default_factory=list)
    progress: Optional[Callable[[str], None]] = None
    cache: EvidenceCache = field(default_factory=EvidenceCache)
    shared: OncePerRun = field(default_factory=OncePerRun)  # one per run, shared by its regions
    # Says when no new item (workspace, project, identity) may start: the rest is left to a continuation
    # of the run. None: collect everything, however long it takes.
    stop: Optional[Callable[[], bool]] = None
    planned: Optional[Callable[[dict[str, int]], None]] = None  # told what the region needs before it starts
    only: Optional[Only] = None  # these objects, not the filters of the settings

    def out_of_time(self) -> bool:
        return self.stop is not None and self.stop()

    def report(self, message: str) -> None:
        if self.progress:
            self.progress(f"{self.region}: {message}")

    @property
    def region(self) -> str:
        return self.session.region

    def fetch(self, fn: Callable[[], T]) -> Fetched:
        """Run calls; a failure becomes evidence (CallError) instead of an exception."""
        try:
            return Fetched(fn())
        except ClientError as err:
            return Fetched(error=call_error(err, self.region))

    def collect(self, service: str, operation: str, **params: Any) -> Fetched:
        return self.fetch(lambda: self.session.client(service).collect(operation, **params))

    def call(self, service: str, operation: str, **params: Any) -> Fetched:
        return self.fetch(lambda: getattr(self.session.client(service), operation)(**params))


def invalid(product: str, operation: str, exc: ValidationError, region: str) -> CallError:
    first = exc.errors(include_url=False)[0]
    where = ".".join(str(p) for p in first.get("loc", ()))
    return call_error(ClientError(product, operation, MALFORMED,
                                  f"unexpected answer at {where or 'top level'}: {first.get('msg')}"), region)


def parse_list(model: type[M], items: Any, product: str, operation: str, region: str) -> tuple[list[M], Optional[CallError]]:
    """Validate API items into evidence models; a malformed answer is an error, not an empty list."""
    try:
        return [model.model_validate(item) for item in items or []], None
    except ValidationError as exc:
        return [], invalid(product, operation, exc, region)


def parse_one(model: type[M], item: Any, product: str, operation: str, region: str) -> tuple[Optional[M], Optional[CallError]]:
    try:
        return model.model_validate(item), None
    except ValidationError as exc:
        return None, invalid(product, operation, exc, region)
