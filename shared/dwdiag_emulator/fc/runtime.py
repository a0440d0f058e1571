"""FcRuntime: the functions of template.yml, invoked as FC 2.0 invokes them.

Sync invocations run while the caller waits; async ones are queued and run by a pool of workers, each
attempt in its own process, killed at the function's Timeout, retried as its AsyncConfiguration says.
Everything that takes time (Timeout, the retry backoff, MaxAsyncEventAgeInSeconds and the variables
named in `scaled_environment`) is multiplied by `time_scale`, so the template's 900 s runs as 9 s at 0.01.

Documented behaviour (docs/evidence.md, "The emulator"): async retries after a function error
("By default, the system retries the execution three times or based on ... maxAsyncRetryAttempts",
https://www.alibabacloud.com/help/en/functioncompute/fc-2-0/user-guide/retry-policy); a message older than
its maximum lifetime when it is dequeued is not processed (same page). The backoff between retries of a
function error is not documented: the emulator uses the schedule documented for throttled and system
errors (first retry after 0.5 s, then doubling), which is UNCONFIRMED for function errors.
"""
from __future__ import annotations

import heapq
import itertools
import json
import logging
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Dict, Iterator, List, Mapping, Optional, Sequence, Tuple, Union

from .code import CodeDir, resolve_layout
from .process import EXITED, FAILURES, KILLED, TIMEOUT, Attempt, Process
from .template import FunctionSpec, load_template

log = logging.getLogger("dwdiag_emulator.fc")
ROOT = Path(__file__).resolve().parents[3]  # the checkout: shared/dwdiag_emulator/fc/runtime.py
API_PRODUCTS = ("DATAWORKS", "MAXCOMPUTE", "ACTIONTRAIL", "RAM", "STS", "RESOURCEDIRECTORY")
QUEUED, RUNNING, EXPIRED = "queued", "running", "expired"


@dataclass
class Invocation:
    """One attempt of one invocation, as the log keeps it. Times are wall-clock (time.time())."""
    request_id: str
    function: str
    type: str                      # "Sync" or "Async"
    event: bytes
    attempt: int = 0               # 0 the first run, 1 the first retry, ...
    queued: float = 0.0            # when FC accepted the invocation
    start: Optional[float] = None
    end: Optional[float] = None
    outcome: str = QUEUED          # queued, running, succeeded, error, timeout, killed, exited, expired
    result: bytes = b""
    error: Optional[Dict[str, Any]] = None
    log: str = ""
    pid: Optional[int] = None
    qualifier: str = "LATEST"

    @property
    def failed(self) -> bool:
        return self.outcome in FAILURES

    def json(self) -> Any:
        """The handler's return value read as JSON (dwdiag's handlers return a JSON summary)."""
        return json.loads(self.result)

    def as_dict(self) -> Dict[str, Any]:
        data = asdict(self)
        data["event"] = self.event.decode("utf-8", errors="replace")
        data["result"] = self.result.decode("utf-8", errors="replace")
        return data


@dataclass
class _Job:
    function: FunctionSpec
    event: bytes
    request_id: str
    accepted: float                # monotonic
    accepted_wall: float
    qualifier: str = "LATEST"
    attempt: int = 0


@dataclass
class _KillPlan:
    after_s: float
    function: Optional[str]
    attempt: Optional[int]
    remaining: int


@dataclass(frozen=True)
class RoleCredentials:
    """What FC hands a function: its role's temporary keys (context.credentials, ALIBABA_CLOUD_*)."""
    access_key_id: str
    access_key_secret: str
    security_token: Optional[str] = None


@dataclass
class RuntimeSettings:
    time_scale: float = 1.0
    workers: int = 4
    retry_base_s: float = 0.5
    scaled_environment: Tuple[str, ...] = ("DWDIAG_DEADLINE_SECONDS",)
    keep_workdirs: bool = False
    python: str = field(default_factory=lambda: sys.executable)


class FcRuntime:
    """`with FcRuntime(emulator, code="source").running() as url:` serves InvokeFunction on 127.0.0.1.

    emulator: a running dwdiag_emulator.Emulator (its keys check signatures; its endpoints go into
    the functions' DWDIAG_ENDPOINT_* variables). template: template.yml (default: the checkout's).
    code: "source", "package" (build/fc/<function>/, or `build`) or {function: CodeDir}.
    parameters: the template's parameters (OssBucket, ...); environment: variables set on top of the
    template's (None removes one). credentials: the role's keys (default: the world's first STS token,
    else its first AccessKey pair).
    """

    def __init__(self, emulator: Any, template: Union[str, Path, Mapping[str, Any], None] = None, *,
                 code: Union[str, Mapping[str, CodeDir]] = "source", root: Union[str, Path, None] = None,
                 build: Union[str, Path, None] = None, parameters: Optional[Mapping[str, Optional[str]]] = None,
                 environment: Optional[Mapping[str, Optional[str]]] = None,
                 credentials: Optional[RoleCredentials] = None, region: Optional[str] = None,
                 time_scale: float = 1.0, workers: int = 4, retry_base_s: float = 0.5,
                 scaled_environment: Sequence[str] = ("DWDIAG_DEADLINE_SECONDS",), python: Optional[str] = None,
                 keep_workdirs: bool = False):
        if time_scale <= 0 or workers < 1:
            raise ValueError("time_scale must be above 0 and workers at least 1")
        self.emulator = emulator
        self.root = Path(root).resolve() if root else ROOT
        self.functions: Dict[str, FunctionSpec] = load_template(template or self.root / "template.yml", parameters)
        self.code: Dict[str, CodeDir] = resolve_layout(self.functions, code, self.root,
                                                       Path(build).resolve() if build else None)
        self.environment: Dict[str, Optional[str]] = dict(environment or {})
        self.credentials = credentials or _world_role(emulator)
        self.region = region or emulator.backend.home_region
        self.account_id = emulator.world.account_id
        self.settings = RuntimeSettings(time_scale, workers, retry_base_s, tuple(scaled_environment),
                                 keep_workdirs, python or sys.executable)
        self._cond = threading.Condition()
        self._heap: List[Tuple[float, int, _Job]] = []
        self._seq = itertools.count()
        self._active = 0
        self._log: List[Invocation] = []
        self._running: Dict[Tuple[str, int], Process] = {}
        self._plans: List[_KillPlan] = []
        self._threads: List[threading.Thread] = []
        self._stopping = False
        self._server: Any = None
        self._tmp: Optional[Path] = None

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        from .server import serve

        self._tmp = Path(tempfile.mkdtemp(prefix="dwdiag-fc-"))
        (self._tmp / "home").mkdir()
        self._stopping = False
        for i in range(self.settings.workers):
            thread = threading.Thread(target=self._worker, name=f"fc-worker-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self._server = serve(self, host, port)
        return self.url

    def stop(self) -> None:
        with self._cond:
            self._stopping = True
            self._heap.clear()
            self._cond.notify_all()
        self.kill()
        if self._server is not None:
            self._server.close()
            self._server = None
        for thread in self._threads:
            thread.join()
        self._threads = []
        if self._tmp is not None and not self.settings.keep_workdirs:
            shutil.rmtree(self._tmp, ignore_errors=True)

    @contextmanager
    def running(self, port: int = 0) -> Iterator[str]:
        url = self.start(port)
        try:
            yield url
        finally:
            self.stop()

    @property
    def url(self) -> str:
        if self._server is None:
            raise RuntimeError("the FC runtime is not running: call start() or use running()")
        return self._server.url

    def service_of(self, function: str) -> str:
        return self.functions[function].service

    # --- invoking (the HTTP layer calls these; so may a test or the benchmark) ------------------
    def invoke(self, function: str, event: Union[bytes, str, Dict[str, Any]] = b"", *,
               asynchronous: bool = False, qualifier: str = "LATEST") -> Invocation:
        """Sync: run now and return the finished attempt. Async: queue it and return the queued record."""
        spec = self.functions[function]
        body = event if isinstance(event, bytes) else (event.encode() if isinstance(event, str)
                                                        else json.dumps(event).encode())
        request_id = str(uuid.uuid4())
        if asynchronous:
            return self.enqueue(spec, body, request_id, qualifier)
        return self.run_sync(spec, body, request_id, qualifier)

    def run_sync(self, spec: FunctionSpec, event: bytes, request_id: str, qualifier: str = "LATEST") -> Invocation:
        job = _Job(spec, event, request_id, time.monotonic(), time.time(), qualifier)
        with self._cond:
            self._active += 1
        try:
            return self._attempt(job, "Sync")
        finally:
            with self._cond:
                self._active -= 1
                self._cond.notify_all()

    def enqueue(self, spec: FunctionSpec, event: bytes, request_id: str, qualifier: str = "LATEST") -> Invocation:
        job = _Job(spec, event, request_id, time.monotonic(), time.time(), qualifier)
        self._push(job, job.accepted)
        return Invocation(request_id, spec.name, "Async", event, 0, job.accepted_wall, qualifier=qualifier)

    # --- test controls ------------------------------------------------------------------------
    def invocations(self, function: Optional[str] = None, request_id: Optional[str] = None) -> List[Invocation]:
        """The log, oldest first: one record per attempt (queued async invocations are not in it yet)."""
        with self._cond:
            return [replace(r) for r in self._log
                    if (function is None or r.function == function)
                    and (request_id is None or r.request_id == request_id)]

    def clear_invocations(self) -> None:
        with self._cond:
            self._log = [r for r in self._log if r.outcome == RUNNING]

    def kill(self, request_id: Optional[str] = None, function: Optional[str] = None) -> int:
        """Kill running invocations now (all, one request, or one function's); returns how many."""
        with self._cond:
            targets = [p for (rid, _), p in self._running.items()
                       if (request_id is None or rid == request_id)
                       and (function is None or p.function == function)]
        return sum(1 for p in targets if p.kill(KILLED))

    def kill_after(self, seconds: float, function: Optional[str] = None, attempt: Optional[int] = None,
                   times: int = 1) -> None:
        """Kill the next `times` attempts that match, `seconds` (real time) after each starts."""
        with self._cond:
            self._plans.append(_KillPlan(seconds, function, attempt, times))

    def wait_running(self, function: Optional[str] = None, timeout: float = 30.0) -> Invocation:
        """Block until an attempt (of `function`) is running; return its record."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [r for r in self._log if r.outcome == RUNNING and (function is None or r.function == function)]
                if found:
                    return replace(found[0])
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no invocation of {function or 'any function'} started in {timeout} s")
                self._cond.wait(left)

    def drain(self, timeout: float = 60.0) -> List[Invocation]:
        """Wait until nothing is queued, scheduled for a retry or running; return the log."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._heap or self._active:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"the FC queue did not drain in {timeout} s: {len(self._heap)} queued, "
                                       f"{self._active} running")
                self._cond.wait(left)
        return self.invocations()

    # --- the queue ----------------------------------------------------------------------------
    def _push(self, job: _Job, due: float) -> None:
        with self._cond:
            if self._stopping:
                return
            heapq.heappush(self._heap, (due, next(self._seq), job))
            self._cond.notify_all()

    def _worker(self) -> None:
        while True:
            with self._cond:
                while True:
                    if self._stopping:
                        return
                    now = time.monotonic()
                    if self._heap and self._heap[0][0] <= now:
                        job = heapq.heappop(self._heap)[2]
                        self._active += 1
                        break
                    self._cond.wait(self._heap[0][0] - now if self._heap else None)
            try:
                self._run_async(job)
            finally:
                with self._cond:
                    self._active -= 1
                    self._cond.notify_all()

    def _run_async(self, job: _Job) -> None:
        config = job.function.async_config
        age = time.monotonic() - job.accepted
        if age > config.max_event_age_s * self.settings.time_scale:
            self._record(Invocation(job.request_id, job.function.name, "Async", job.event, job.attempt,
                                    job.accepted_wall, outcome=EXPIRED, qualifier=job.qualifier, error={
                                        "errorMessage": f"dropped: the event waited {age:.3f} s, longer than "
                                                        "MaxAsyncEventAgeInSeconds allows"}))
            return
        record = self._attempt(job, "Async")
        if record.failed and job.attempt < config.max_retry_attempts and not self._stopping:
            backoff = self.settings.retry_base_s * (2 ** job.attempt) * self.settings.time_scale
            self._push(replace(job, attempt=job.attempt + 1), time.monotonic() + backoff)

    # --- one attempt --------------------------------------------------------------------------
    def _attempt(self, job: _Job, kind: str) -> Invocation:
        spec, scale = job.function, self.settings.time_scale
        timeout = spec.timeout_s * scale
        record = Invocation(job.request_id, spec.name, kind, job.event, job.attempt, job.accepted_wall,
                            start=time.time(), outcome=RUNNING, qualifier=job.qualifier)
        assert self._tmp is not None, "start() the runtime first"
        try:
            proc = Process(self.code[spec.name], spec.module, spec.entry, job.event,
                           self._context(spec, job, timeout), self._environment(spec, timeout),
                           self._tmp / f"{job.request_id}-{job.attempt}", self.settings.python)
            proc.function = spec.name
            proc.start()
        except Exception as exc:  # noqa: BLE001 - a broken set-up fails the attempt, never a worker thread
            log.exception("the FC runtime could not start %s", spec.name)
            record.outcome, record.end = EXITED, time.time()
            record.error = {"errorMessage": f"the function's process could not start: {exc}"}
            return self._record(record)
        record.pid = proc.pid
        with self._cond:
            self._running[(job.request_id, job.attempt)] = proc
            self._log.append(record)
            timer = self._kill_timer(spec.name, job.attempt, proc)
            self._cond.notify_all()
        try:
            result: Attempt = proc.wait(timeout)
        finally:
            if timer is not None:
                timer.cancel()
            with self._cond:
                self._running.pop((job.request_id, job.attempt), None)
        with self._cond:
            record.end, record.outcome = time.time(), result.outcome
            record.result, record.error, record.log = result.body, result.error, result.log
            if result.outcome == TIMEOUT:
                record.error = {"errorMessage": f"Function timed out after {_seconds(timeout)} seconds"}
            self._cond.notify_all()
        if not self.settings.keep_workdirs:
            shutil.rmtree(proc.workdir, ignore_errors=True)
        return replace(record)

    def _record(self, record: Invocation) -> Invocation:
        with self._cond:
            self._log.append(record)
            self._cond.notify_all()
        return replace(record)

    def _kill_timer(self, function: str, attempt: int, proc: Process) -> Optional[threading.Timer]:
        for plan in self._plans:
            if plan.remaining and plan.function in (None, function) and plan.attempt in (None, attempt):
                plan.remaining -= 1
                timer = threading.Timer(plan.after_s, proc.kill, args=(KILLED,))
                timer.daemon = True
                timer.start()
                return timer
        return None

    # --- what the process gets ----------------------------------------------------------------
    def _context(self, spec: FunctionSpec, job: _Job, timeout: float) -> Dict[str, Any]:
        c = self.credentials
        return {"request_id": job.request_id, "region": self.region, "account_id": self.account_id,
                "credentials": {"access_key_id": c.access_key_id, "access_key_secret": c.access_key_secret,
                                "security_token": c.security_token},
                "function": {"name": spec.name, "handler": spec.handler, "memory": spec.memory_mb,
                             "timeout": _seconds(timeout)},
                "service": {"name": spec.service, "log_project": "", "log_store": "",
                            "qualifier": job.qualifier, "version_id": ""}}

    def _environment(self, spec: FunctionSpec, timeout: float) -> Dict[str, str]:
        assert self._tmp is not None
        c, code = self.credentials, self.code[spec.name]
        env = {"PATH": os.environ.get("PATH", "/usr/local/bin:/usr/bin:/bin"), "LANG": "C.UTF-8",
               "HOME": str(self._tmp / "home"), "TMPDIR": str(self._tmp), "PYTHONDONTWRITEBYTECODE": "1",
               "PYTHONUNBUFFERED": "1", "NO_PROXY": "127.0.0.1,localhost", "no_proxy": "127.0.0.1,localhost",
               # FC 2.0's system variables (the environment-variables page, doc 164217)
               "FC_FUNC_CODE_PATH": str(code.root), "FC_ACCOUNT_ID": self.account_id,
               "FC_FUNCTION_HANDLER": spec.handler, "FC_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
               "FC_FUNCTION_NAME": spec.name, "FC_REGION": self.region, "FC_SERVICE_NAME": spec.service,
               "FC_QUALIFIER": "LATEST", "FC_INSTANCE_ID": f"emulated-{uuid.uuid4().hex[:12]}",
               "ALIBABA_CLOUD_ACCESS_KEY_ID": c.access_key_id, "ALIBABA_CLOUD_ACCESS_KEY_SECRET": c.access_key_secret}
        if c.security_token:
            env["ALIBABA_CLOUD_SECURITY_TOKEN"] = c.security_token
        for key, value in spec.environment.items():
            env[key] = self._scaled(key, value)
        endpoints = json.dumps({region: self.emulator.url(region) for region in self.emulator.endpoints})
        env.update({f"DWDIAG_ENDPOINT_{product}": endpoints for product in API_PRODUCTS})
        env["DWDIAG_ENDPOINT_FC"] = self.url
        for key, value in self.environment.items():
            if value is None:
                env.pop(key, None)
            else:
                env[key] = self._scaled(key, value)  # an override named in scaled_environment scales too
        return env

    def _scaled(self, key: str, value: str) -> str:
        if key not in self.settings.scaled_environment:
            return value
        try:
            return str(_seconds(float(value) * self.settings.time_scale))
        except ValueError:
            return value


def _seconds(value: float) -> Any:
    """9.0 -> 9 (FC's timeout is an integer); a scaled fraction stays a float."""
    return int(value) if float(value).is_integer() else round(value, 3)


def _world_role(emulator: Any) -> RoleCredentials:
    creds = emulator.world.credentials
    for key in [*creds.sts_tokens, *creds.access_keys]:
        if key.Status == "Active":
            return RoleCredentials(key.AccessKeyId, key.AccessKeySecret, getattr(key, "SecurityToken", None))
    raise ValueError("the world has no active AccessKey pair or STS token to give the functions' role")
