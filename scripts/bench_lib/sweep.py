"""One sweep in its own process, so its peak memory is its own: `python -m scripts.bench_lib.sweep CONFIG_JSON`.

Prints one JSON object: wall time, calls and throttled answers per action, error results, peak RSS.
The run goes through pipeline.run like every entry point; with "store_dir" it is also written there
(no alert) the way a handler would, and the peak RSS after publishing is reported beside the sweep's
own (read when the pipeline says the evaluation is done).
"""

from __future__ import annotations

import json
import resource
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

from dwdiag import pipeline
from dwdiag.clients import Credentials
from dwdiag.clients.retry import RetryPolicy
from dwdiag.collectors.region import ExecutorFactory
from dwdiag.models.findings import Status
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag.sweep import Sweep

PEER_POOL = 10  # Prowler's Alibaba provider: 10 threads, one retry


def peer_executors(threads: int = PEER_POOL) -> ExecutorFactory:
    """How peer tools run: every quota family of a region shares one pool of `threads` workers."""
    pools: dict[str, ThreadPoolExecutor] = {}
    lock = threading.Lock()

    def make(family: str, size: int, region: str) -> ThreadPoolExecutor:
        with lock:
            if region not in pools:
                pools[region] = ThreadPoolExecutor(threads, thread_name_prefix=f"peer-{region}")
            return pools[region]

    return make


def main(config: dict) -> dict:
    settings = Settings(regions=config["regions"], **config["settings"])
    if config["mode"] == "peer":
        # One shared pool, no client-side rate limit, one immediate retry.
        retry = lambda deadline: RetryPolicy(deadline=deadline, max_attempts=2, base_delay=0.0)  # noqa: E731
        sweep = Sweep(settings, Credentials(*config["credentials"]), config["endpoints"], retry=retry, rates={},
                      executors=peer_executors())
    else:
        sweep = Sweep(settings, Credentials(*config["credentials"]), config["endpoints"])
    # The store keeps the run and the evidence cache the next sweep reads, as in a handler.
    store = LocalStore(config["store_dir"]) if config.get("store_dir") else None
    marks: dict[str, float] = {}

    def phase(name: str) -> None:
        marks[name] = time.perf_counter()
        if name == "evaluated":
            marks["peak_rss_mb"] = peak_rss_mb()

    started = time.perf_counter()
    result = pipeline.run(settings, source="bench", sweep=sweep, store=store, phase=phase,
                          now=datetime.fromisoformat(config["now"].replace("Z", "+00:00")))
    out = {
        "wall_s": round(marks["evaluated"] - started, 2),
        "calls": result.summary.calls, "calls_total": sum(result.summary.calls.values()),
        "throttled": result.summary.throttled, "throttled_total": sum(result.summary.throttled.values()),
        "errors": sum(1 for f in result.findings if f.status is Status.error),
        "findings": len(result.findings),
        "peak_rss_mb": marks["peak_rss_mb"],
    }
    if config.get("statuses_file"):  # fingerprint -> status, for comparing with another way of sweeping
        with open(config["statuses_file"], "w", encoding="utf-8") as f:
            json.dump({x.fingerprint: x.status.value for x in result.findings}, f)
    if store is not None:
        out["publish_s"] = round(marks["published"] - marks["evaluated"], 2)
        out["peak_rss_with_publish_mb"] = peak_rss_mb()
    return out


def peak_rss_mb() -> float:
    """This process's high-water mark. Not ru_maxrss: on Linux that survives exec, so a child of the
    bench driver (which holds the emulator's world) would report the driver's memory."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


if __name__ == "__main__":
    print(json.dumps(main(json.loads(sys.argv[1]))))
