"""Quotas, faults and the request log: set from the world, changeable at run time."""
from __future__ import annotations

import threading
import time
from collections import deque
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from typing import Any, Deque, Dict, List, Optional, Tuple

from .exceptions import (EmulatorError, ForbiddenAccess, MaxComputeError, ThrottlingApiRisk,
                         ThrottlingUser)
from .world import Fault, Quota, Scope

# parameters worth keeping in the log: identifiers and paging, never secrets
_LOG_KEYS = ("ProjectId", "Id", "DataSourceId", "FileId", "NodeId", "DeploymentId",
             "PipelineRunId", "Namespace", "ObjectId", "Type", "Types", "EnvType", "Status",
             "CalcEngineType", "PageNumber", "PageSize", "NextToken", "MaxResults", "StartTime",
             "EndTime", "Marker", "MaxItems", "UserName", "Name", "marker", "maxItem",
             "verbose", "projectName", "IncludeShadowTrails", "ControlModule",
             "RoleArn", "RoleSessionName", "DurationSeconds", "QueryKeyword", "IncludeTags",
             # the write operations' parameters (never Password)
             "comment", "UserPrincipalName", "PasswordResetRequired", "MFABindRequired")
# ...and every key under these prefixes (a ROA JSON body is flattened: properties.retentionDays)
_LOG_PREFIXES = ("LookupAttribute.", "properties.")


@dataclass
class CallInfo:
    product: str
    version: str
    action: str
    region: str
    params: Dict[str, str]


@dataclass
class RequestRecord:
    time: float
    region: str
    product: str
    version: str
    action: str
    params: Dict[str, str]
    status: int
    error_code: Optional[str]
    access_key_id: str = ""
    duration_ms: float = 0.0
    account_id: str = ""  # the account that served it (an organization's member, or the world's own)

    def as_dict(self) -> Dict[str, Any]:
        return asdict(self)


@dataclass
class _FaultState:
    fault: Fault
    remaining: Optional[int] = field(default=None)


def key_params(params: Dict[str, str]) -> Dict[str, str]:
    picked = {k: params[k] for k in _LOG_KEYS if k in params}
    picked.update({k: v for k, v in params.items() if k.startswith(_LOG_PREFIXES)})
    return picked


def matches(scope: Scope, call: CallInfo) -> bool:
    return ((scope.product is None or scope.product == call.product)
            and (scope.version is None or scope.version == call.version)
            and (not scope.actions or call.action in scope.actions)
            and (not scope.regions or call.region in scope.regions)
            and all(call.params.get(k) == v for k, v in scope.params.items()))


class Controls:
    """Thread-safe: the server's worker threads and the test thread share it."""

    def __init__(self, quotas: List[Quota], faults: List[Fault], log_limit: int):
        self._lock = threading.Lock()
        self._quotas: List[Quota] = list(quotas)
        self._faults: List[_FaultState] = [_FaultState(f, f.times) for f in faults]
        self._hits: Dict[Tuple[str, str], Deque[float]] = {}
        self._daily: Dict[Tuple[str, str, str], int] = {}
        self._log: Optional[Deque[RequestRecord]] = deque(maxlen=log_limit) if log_limit else None

    # --- run-time changes -------------------------------------------------------------------
    def add_quota(self, quota: Quota) -> Quota:
        with self._lock:
            self._quotas = [q for q in self._quotas if q.name != quota.name] + [quota]
        return quota

    def clear_quotas(self) -> None:
        with self._lock:
            self._quotas, self._hits, self._daily = [], {}, {}

    def add_fault(self, fault: Fault) -> Fault:
        with self._lock:
            self._faults.append(_FaultState(fault, fault.times))
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults = []

    # --- per request ------------------------------------------------------------------------
    def check_quotas(self, call: CallInfo) -> None:
        now = time.monotonic()
        day = datetime.now(timezone.utc).strftime("%Y-%m-%d")
        with self._lock:
            for quota in self._quotas:
                if matches(quota, call):
                    self._charge(quota, call, now, day)

    def _charge(self, quota: Quota, call: CallInfo, now: float, day: str) -> None:
        region = call.region if quota.per_region else "*"
        if quota.qps is not None:
            window = self._hits.setdefault((quota.name, region), deque())
            while window and now - window[0] >= 1.0:
                window.popleft()
            if len(window) >= quota.qps:
                headers = {}
                if quota.retry_after_ms:
                    headers["x-acs-retry-after"] = str(quota.retry_after_ms)
                raise ThrottlingUser(status=quota.status, headers=headers)
            window.append(now)
        if quota.daily is not None:
            used = self._daily.get((quota.name, region, day), 0)
            if used >= quota.daily:
                raise ThrottlingApiRisk(status=quota.status)
            self._daily[(quota.name, region, day)] = used + 1

    def pick_fault(self, call: CallInfo) -> Optional[Fault]:
        """The first matching fault that still has shots left; one shot is used."""
        with self._lock:
            for state in self._faults:
                if state.remaining == 0 or not matches(state.fault, call):
                    continue
                if state.remaining is not None:
                    state.remaining -= 1
                return state.fault
        return None

    # --- the log ----------------------------------------------------------------------------
    def record(self, record: RequestRecord) -> None:
        if self._log is not None:
            with self._lock:
                self._log.append(record)

    def records(self) -> List[RequestRecord]:
        with self._lock:
            return list(self._log or [])

    def clear_log(self) -> None:
        with self._lock:
            if self._log is not None:
                self._log.clear()


def fault_error(fault: Fault) -> Optional[EmulatorError]:
    """The error a fault answers with; None for faults that shape the body or only delay."""
    if fault.kind == "error":
        return EmulatorError(fault.message, status=fault.status or 500,
                             code=fault.code or "InternalError", headers=fault.headers)
    if fault.kind == "forbidden":
        detail = {"AccessDeniedDetail": {"AuthAction": "",
                                         "PolicyType": "AccountLevelIdentityBasedPolicy",
                                         "NoPermissionType": "ImplicitDeny"}}
        return ForbiddenAccess(fault.message, headers=fault.headers, extra=detail)
    if fault.kind == "maxcompute_error":
        return MaxComputeError(fault.message or "Access Denied", status=fault.status or 400,
                               code=fault.code or "ODPS-0420095", headers=fault.headers)
    return None
