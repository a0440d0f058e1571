"""A live sweep: collect the evidence of every region through the client layer, into one snapshot."""

from __future__ import annotations

import logging
import math
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable, Optional

from dwdiag.clients import CallStats, ClientError, Credentials, Session
from dwdiag.clients.errors import NETWORK
from dwdiag.clients.retry import RetryPolicy
from dwdiag.collectors.base import Only, OncePerRun, RegionContext
from dwdiag.collectors.cache import EvidenceCache, cache_key
from dwdiag.collectors.checkpoint import Checkpoint
from dwdiag.collectors.region import Collected, ExecutorFactory, collect_region, pool_per_family, pool_sizes
from dwdiag.errors import UserError
from dwdiag.models.common import CallError
from dwdiag.models.findings import Category
from dwdiag.models.snapshot import EvidenceSnapshot
from dwdiag.settings import PRODUCTS, Settings
from dwdiag.store import Store

log = logging.getLogger(__name__)

RATE_MARGIN = 0.95
# Codes that mean the credentials themselves are wrong: no point sweeping with them.
CREDENTIAL_CODES = ("InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidSecurityToken", "MissingSecurityToken",
                    "IncompleteSignature", "InvalidAccessKeySecret")


def quota_rates(settings: Settings) -> dict[str, float]:
    """The client-side rate of each quota family. A little under each quota: the server counts calls per
    sliding second, and calls sent evenly still arrive a few milliseconds apart unevenly."""
    return {family: rate * RATE_MARGIN for family, rate in (
        ("dataworks", settings.qps_dataworks), ("maxcompute", settings.qps_maxcompute),
        ("actiontrail_lookup", settings.qps_actiontrail_lookup), ("ram", settings.qps_ram))}


class Sweep:
    """Sessions per region sharing credentials, endpoints, the deadline and one call counter."""

    def __init__(self, settings: Settings, credentials: Optional[Credentials] = None,
                 endpoints: Optional[dict] = None, retry: Optional[Callable[[Optional[float]], RetryPolicy]] = None,
                 rates: Optional[dict[str, float]] = None, executors: Optional[ExecutorFactory] = None):
        """`rates`: calls a second per quota family that the clients hold to (default: the settings' quotas,
        a little under each; a family left out is not limited). `executors(family, size, region)` makes
        the workers of each quota family of a region (default: a pool per family, sized from its rate)."""
        self.settings = settings
        self.credentials = credentials
        self.endpoints = endpoints if endpoints is not None else {p: settings.endpoint(p) for p in PRODUCTS}
        self.stats = CallStats()
        self.shared = OncePerRun()  # answers asked by more than one region, fetched once
        self.deadline = time.monotonic() + settings.deadline_seconds if settings.deadline_seconds else None
        self._retry = retry or (lambda deadline: RetryPolicy(deadline=deadline))
        self._sessions: dict[str, Session] = {}
        self._lock = threading.Lock()
        self.rates = quota_rates(settings) if rates is None else dict(rates)
        self.pool_sizes = pool_sizes(self.rates, settings.workers)
        self.executors = executors or pool_per_family
        self._made = (endpoints, retry, rates, executors)

    def in_account(self, credentials: Any, settings: Optional[Settings] = None) -> "Sweep":
        """The same sweep (endpoints, retries, rates, workers) with other credentials: another account's,
        whose quotas are its own (clients/assume.py); with `settings`, under those."""
        endpoints, retry, rates, executors = self._made
        return Sweep(settings or self.settings, credentials, self.endpoints, retry, rates, executors)

    def session(self, region: str) -> Session:
        with self._lock:
            if region not in self._sessions:
                self._sessions[region] = Session(region, self.credentials, self.endpoints, rates=self.rates,
                                                 retry=self._retry(self.deadline), stats=self.stats)
            return self._sessions[region]

    def whoami(self, region: str) -> Optional[str]:
        """Check the credentials once before the sweep; wrong ones stop the run with one clear line."""
        try:
            return str(self.session(region).client("sts").get_caller_identity().get("AccountId") or "") or None
        except ClientError as err:
            if err.code.startswith(CREDENTIAL_CODES) or err.http_status == 401:
                raise UserError(f"the Alibaba Cloud credentials were rejected: {err.code}. Check "
                                "ALIBABA_CLOUD_ACCESS_KEY_ID / _SECRET / _SECURITY_TOKEN.") from None
            if err.code == NETWORK:
                raise UserError(f"cannot reach the STS endpoint of {region} ({err.message}); check the network "
                                "or DWDIAG_ENDPOINT_STS") from None
            return None  # GetCallerIdentity needs no permission; anything else is not worth stopping for
        except Exception as exc:  # noqa: BLE001 - the credential chain found nothing usable
            raise UserError(f"no usable Alibaba Cloud credentials ({type(exc).__name__}); set "
                            "ALIBABA_CLOUD_ACCESS_KEY_ID and ALIBABA_CLOUD_ACCESS_KEY_SECRET") from None


def _read_cache(store: Optional[Store], where: str) -> EvidenceCache:
    if store is None:
        return EvidenceCache()
    try:
        return EvidenceCache.load(store.read_bytes(cache_key(where)))
    except Exception as exc:  # noqa: BLE001 - a broken cache costs calls, never results
        log.warning("ignoring the evidence cache of %s: %s", where, type(exc).__name__)
        return EvidenceCache()


@dataclass
class Swept:
    """What a sweep gave: the snapshot, or, when it stopped early to continue later, what each region has left."""

    snapshot: Optional[EvidenceSnapshot]
    left: dict[str, dict[str, int]]
    plan: dict[str, dict[str, float]] = field(default_factory=dict)  # per region, see collectors/region.py


def collect(sweep: Sweep, *, regions: list[str], categories: list[Category], now: datetime,
            progress: Optional[Callable[[str], None]] = None, cache_store: Optional[Store] = None,
            checkpoints: Optional[Callable[[str], Checkpoint]] = None, stop: Optional[Callable[[], bool]] = None,
            limit: Optional[CallError] = None, account: Optional[str] = None,
            placed: Optional[str] = None, only: Optional[Only] = None) -> Swept:
    """Check the credentials, then collect each region (in parallel) into one evidence snapshot.
    `cache_store` keeps the answers that cannot change between runs (see collectors/cache.py). With
    `checkpoints` (a region's checkpoint), the sweep resumes what is kept, keeps what it collects, and
    starts no new item once `stop()` says so; `limit` ends what is left as that error. `account` is the
    account swept when the caller knows it (else the credentials' own, asked of STS); `placed` the account
    in the store's places of an organization run (the cache is per place). With `only`, each region's
    workspaces and MaxCompute projects are exactly those (the watch's re-checks)."""
    settings = sweep.settings
    account = account or sweep.whoami(regions[0])
    per_piece = settings.collecting_seconds() if checkpoints is not None else None

    def one(region: str) -> Collected:
        where = f"{placed}/{region}" if placed else region  # the store's place (publish/layout.py)
        cache = _read_cache(cache_store, where)

        def planned(plan: dict[str, int]) -> None:
            timed = _timed(plan, sweep.rates, per_piece)
            pieces = (f", so at least {timed['invocations_at_least']} invocation(s) of {per_piece:.0f} s"
                      if "invocations_at_least" in timed else "")
            log.info("%s: %s of %s workspaces and %s of %s MaxCompute projects to collect: at least %s DataWorks "
                     "and %s MaxCompute calls (one per list; details come on top), %s s at the quotas%s", region, plan["workspaces_left"],
                     plan["workspaces"], plan["projects_left"], plan["projects"], plan["dataworks_calls_at_least"],
                     plan["maxcompute_calls_at_least"], timed["seconds_at_least"], pieces)

        ctx = RegionContext(sweep.session(region), settings, now, sweep.session, settings.workspaces, progress, cache,
                            shared=sweep.shared, stop=stop if checkpoints else None, planned=planned,
                            only=only)
        got = collect_region(ctx, categories, sweep.pool_sizes, sweep.executors,
                             checkpoint=checkpoints(region) if checkpoints else None, limit=limit)
        if cache_store is not None:
            try:
                cache_store.write_bytes(cache_key(where), cache.to_bytes(), "application/gzip")
            except Exception as exc:  # noqa: BLE001 - without the cache the next run is only slower
                log.warning("could not save the evidence cache of %s: %s", region, type(exc).__name__)
        return got

    with ThreadPoolExecutor(max_workers=max(1, min(len(regions), 8)), thread_name_prefix="dwdiag-region") as pool:
        collected = list(pool.map(one, regions))
    left = {region: got.left for region, got in zip(regions, collected) if not got.complete}
    plan = {region: _timed(got.plan, sweep.rates, per_piece) for region, got in zip(regions, collected) if got.plan}
    if left:
        return Swept(None, left, plan)
    return Swept(EvidenceSnapshot(collected_at=now, account_id=account,
                                  regions=[got.evidence for got in collected]), {}, plan)


def _timed(plan: dict[str, int], rates: dict[str, float], per_piece: Optional[float] = None) -> dict[str, float]:
    """The region's plan with the time it takes at least at the client's rates (its slowest family) and,
    when the sweep goes on in pieces of `per_piece` seconds of collecting, how many pieces that is."""
    seconds = max((plan.get(f"{family}_calls_at_least", 0) / rate for family, rate in rates.items() if rate),
                  default=0.0)
    timed = {**plan, "seconds_at_least": round(seconds, 1)}
    if per_piece and per_piece > 0:
        timed["invocations_at_least"] = max(1, math.ceil(seconds / per_piece))
    return timed
