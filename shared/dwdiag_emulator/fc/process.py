"""One attempt of one invocation: a fresh process from the code directory, killed at its timeout.

Each attempt gets its own process (every invocation a cold start): state cannot leak from one attempt
into its retry, and a kill takes the whole process group, so nothing the handler started outlives it.
"""
from __future__ import annotations

import base64
import json
import os
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional

from .code import CodeDir

WORKER = Path(__file__).with_name("worker.py")
LOG_TAIL = 4096  # X-Fc-Log-Type: Tail returns "the last 4 KB of logs" (InvokeFunction page)

# outcomes
SUCCEEDED = "succeeded"        # the handler returned (whatever it returned)
ERROR = "error"                # the handler raised: UnhandledInvocationError
TIMEOUT = "timeout"            # killed at the function's (scaled) Timeout
KILLED = "killed"              # killed by a test (FcRuntime.kill / kill_after)
EXITED = "exited"              # the process ended without an answer (os._exit, a crash, SystemExit)
FAILURES = (ERROR, TIMEOUT, KILLED, EXITED)


@dataclass
class Attempt:
    outcome: str
    body: bytes = b""
    error: Optional[Dict[str, Any]] = None
    log: str = ""
    duration_s: float = 0.0
    max_rss_kb: Optional[int] = None


class Process:
    """start(), then wait(timeout_s) from one thread; kill() from any other."""

    def __init__(self, code: CodeDir, module: str, entry: str, event: bytes, context: Dict[str, Any],
                 env: Dict[str, str], workdir: Path, python: str = sys.executable):
        self.code, self.workdir, self.python, self.env = code, workdir, python, env
        self.spec = {"sys_path": code.sys_path(), "module": module, "entry": entry,
                     "event_b64": base64.b64encode(event).decode(), "context": context,
                     "result_path": str(workdir / "result.json")}
        self.function = ""
        self._proc: Optional[subprocess.Popen] = None
        self._killed_by: Optional[str] = None
        self._lock = threading.Lock()
        self.started = 0.0

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        spec_path = self.workdir / "spec.json"
        spec_path.write_text(json.dumps(self.spec), encoding="utf-8")
        command: List[str] = [self.python, *self.code.interpreter_flags(), "-c",
                              WORKER.read_text(encoding="utf-8"), str(spec_path)]
        self._log = open(self.workdir / "log.txt", "wb")  # noqa: SIM115 - closed in wait()
        self.started = time.monotonic()
        self._proc = subprocess.Popen(command, cwd=str(self.code.root), env=self.env, stdin=subprocess.DEVNULL,
                                      stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def pid(self) -> Optional[int]:
        return self._proc.pid if self._proc else None

    def kill(self, reason: str = KILLED) -> bool:
        """SIGKILL the process group; False if it had already ended."""
        with self._lock:
            proc = self._proc
            if proc is None or proc.poll() is not None:
                return False
            self._killed_by = self._killed_by or reason
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                return False
            return True

    def wait(self, timeout_s: float) -> Attempt:
        assert self._proc is not None, "start() first"
        try:
            self._proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            self.kill(TIMEOUT)
            self._proc.wait()
        else:  # the handler's children, if it left any, go with it
            try:
                os.killpg(self._proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        duration = time.monotonic() - self.started
        self._log.close()
        log = (self.workdir / "log.txt").read_bytes()[-LOG_TAIL:].decode("utf-8", errors="replace")
        answer = self._answer()
        rss = answer.get("max_rss_kb") if answer else None
        if self._killed_by is not None:
            return Attempt(self._killed_by, log=log, duration_s=duration)
        if answer is None:
            return Attempt(EXITED, log=log, duration_s=duration, error={
                "errorMessage": "Process exited unexpectedly before completing request "
                                f"(duration: {int(duration * 1000)}ms, exit status: {self._proc.returncode})"})
        if answer["status"] == "ok":
            return Attempt(SUCCEEDED, base64.b64decode(answer["body_b64"]), log=log, duration_s=duration,
                           max_rss_kb=rss)
        return Attempt(ERROR, error=answer["error"], log=log, duration_s=duration, max_rss_kb=rss)

    def _answer(self) -> Optional[Dict[str, Any]]:
        try:
            return json.loads((self.workdir / "result.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
