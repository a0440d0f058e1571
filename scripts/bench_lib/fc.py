"""scripts/bench --fc: the generated tenant swept by the four deployed functions on the local FC runtime.

Time is scaled: the quotas are `1/scale` times the real ones and every duration Function Compute imposes
(the template's Timeout, the handler's deadline and continuation reserve) is `scale` times the real one,
so a run takes as many invocations as the real size would, in `scale` of the time. What does not scale is
the CPU work (a process start, evaluating, publishing): at a small scale it weighs more, so the scaled
run is if anything harder than the real one.

The functions run one after another, as the timers' staggering intends, each from a timer event, each
piece in its own process (dwdiag_emulator.fc.FcRuntime), storing to moto's S3 served as OSS. Then one
process sweeps the same world the way `dwdiag scan` does, and the two sets of findings are compared.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from typing import Any

from dwdiag.fc import DEADLINE_MARGIN_S
from dwdiag.models.findings import Category
from dwdiag.settings import Settings
from scripts.deploy_lib import function_name

BUCKET = "dwdiag-bench"
RESERVE_S = Settings.model_fields["continuation_reserve_seconds"].default


def template_timeout() -> float:
    from scripts.deploy_lib import load_yaml
    from tests.support.deploy import TEMPLATE

    return float(load_yaml(TEMPLATE)["Parameters"]["FunctionTimeout"]["Default"])


def function_environment(oss_url: str, qps: dict[str, float]) -> dict[str, str]:
    """The functions' variables: OSS at `oss_url`, the client's rates at the (scaled) quotas, and FC's
    deadline and the continuation reserve at their real values (the runtime scales them, like the Timeout)."""
    return {
        "DWDIAG_ENDPOINT_OSS": oss_url,
        "DWDIAG_DEADLINE_SECONDS": str(template_timeout() - DEADLINE_MARGIN_S),
        "DWDIAG_CONTINUATION_RESERVE_SECONDS": str(RESERVE_S),
        "DWDIAG_QPS_DATAWORKS": str(qps["dataworks"]), "DWDIAG_QPS_MAXCOMPUTE": str(qps["maxcompute"]),
        "DWDIAG_QPS_ACTIONTRAIL_LOOKUP": str(qps["lookup"]), "DWDIAG_QPS_RAM": str(qps["ram"]),
    }


def timer_event(category: str, trigger_time: str, region: str) -> bytes:
    """What a Timer trigger delivers (the payload as the template writes it, for one region)."""
    return json.dumps({"triggerTime": trigger_time, "triggerName": "nightly",
                       "payload": json.dumps({"regions": [region], "alert": False})}).encode()


def _findings(s3: Any, run_id: str, region: str, category: str) -> list[dict]:
    """One place's findings: `region` is the run's place (`<account>/<region>` in an organization run)."""
    date = f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}"
    key = f"dwdiag/runs/{date}/{run_id}/{region}/{category}/findings.json"
    return json.loads(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())["findings"]


def _summary(s3: Any, run_id: str) -> dict:
    date = f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}"
    return json.loads(s3.get_object(Bucket=BUCKET, Key=f"dwdiag/runs/{date}/{run_id}/summary.json")["Body"].read())


def _calls(emu: Any, since: float) -> dict[str, Any]:
    """The API calls one category's run made (the credential checks aside), the throttled answers among
    them, and how long after its first invocation was queued the last one was answered."""
    calls = [r for r in emu.requests() if r.action != "GetCallerIdentity"]
    return {"calls": len(calls), "throttled": sum(1 for r in calls if r.status == 429 or
                                                 "Throttling" in str(r.error_code or "")),
            "to_last_call_s": round(max((r.time for r in calls), default=since) - since, 1)}


def _repeated(emu: Any) -> dict[str, int]:
    """Successful calls made more than once with the same parameters (pagination tokens included), by action;
    the credential check each piece makes is not counted."""
    seen = Counter((r.region, r.action, tuple(sorted(r.params.items()))) for r in emu.requests()
                   if r.status == 200 and r.action != "GetCallerIdentity")
    twice: Counter = Counter()
    for (_, action, _), n in seen.items():
        if n > 1:
            twice[action] += n - 1
    return dict(twice)


def run(emu: Any, region: str, scale: float, qps: dict[str, float], reference_file: Any,
        one_process: Any) -> dict:
    """Sweep `region` of the running emulator with the four functions, then with `one_process()` (which
    writes fingerprint -> status to `reference_file` and answers its own measures), and compare."""
    import boto3
    from botocore.config import Config

    from dwdiag_emulator.fc import FcRuntime
    from tests.support.oss import start_moto_s3

    timeout = template_timeout()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # moto's access log: a line per object
    moto, _ = start_moto_s3()
    try:
        s3 = boto3.client("s3", endpoint_url=moto.url, region_name="us-east-1", aws_access_key_id="bench",
                          aws_secret_access_key="bench", config=Config(s3={"addressing_style": "path"}))
        s3.create_bucket(Bucket=BUCKET)
        environment = function_environment(moto.url, qps)
        runtime = FcRuntime(emu, code="source", time_scale=scale, workers=2,
                            parameters={"OssBucket": BUCKET, "OssRegion": region, "Regions": region},
                            environment=environment,
                            scaled_environment=("DWDIAG_DEADLINE_SECONDS", "DWDIAG_CONTINUATION_RESERVE_SECONDS"))
        emu.clear_requests()
        trigger = emu.world.now
        per_category: dict[str, Any] = {}
        found: dict[str, str] = {}
        started = time.time()
        with runtime.running():
            for category in Category:
                name = function_name(category.value)
                began = time.time()
                runtime.invoke(name, timer_event(category.value, trigger, region), asynchronous=True)
                records = runtime.drain(timeout=max(3600.0, 40 * timeout * scale))
                last = records[-1]
                answer = last.json() if last.outcome == "succeeded" else {}
                pieces = [r for r in records if r.function == name]
                per_category[category.value] = {
                    "wall_s": round(time.time() - began, 1),
                    "invocations": len(pieces),
                    "outcomes": dict(Counter(r.outcome for r in pieces)),
                    "longest_invocation_s": round(max((r.end or 0) - (r.start or 0) for r in pieces), 1),
                    "run_id": answer.get("run_id"), "problems": answer.get("problems"),
                }
                per_category[category.value].update(_calls(emu, min(r.queued for r in pieces)))
                per_category[category.value]["repeated_calls"] = _repeated(emu)
                emu.clear_requests()  # the categories are separate functions: each lists the workspaces itself
                if answer.get("run_id"):
                    timings = _summary(s3, answer["run_id"]).get("timings", {})
                    per_category[category.value]["last_piece_timings"] = timings
                    # Comparable with one process's figure: until the last call, plus evaluating.
                    per_category[category.value]["to_evaluated_s"] = round(
                        per_category[category.value]["to_last_call_s"] + timings.get("evaluate", 0.0), 1)
                    for f in _findings(s3, answer["run_id"], region, category.value):
                        found[f["fingerprint"]] = f["status"]
                runtime.clear_invocations()
        wall = time.time() - started
    finally:
        moto.stop()
    single = one_process()
    reference = json.loads(reference_file.read_text())
    scaled_timeout = timeout * scale
    collecting = (timeout - DEADLINE_MARGIN_S - RESERVE_S) * scale
    differ = {k for k in reference.keys() | found.keys() if reference.get(k) != found.get(k)}
    return {
        "time_scale": scale, "timeout_s": scaled_timeout, "collecting_per_invocation_s": collecting,
        "wall_s": round(wall, 1),
        "to_evaluated_s": round(sum(c.get("to_evaluated_s", 0.0) for c in per_category.values()), 1),
        "calls_total": sum(c["calls"] for c in per_category.values()),
        "throttled_total": sum(c["throttled"] for c in per_category.values()),
        "invocations": sum(c["invocations"] for c in per_category.values()),
        "every_invocation_within_its_timeout": all(c["longest_invocation_s"] <= scaled_timeout
                                                   and "timeout" not in c["outcomes"] for c in per_category.values()),
        "by_category": per_category,
        "errors": sum(1 for s in found.values() if s == "error"),
        "findings": len(found),
        "equal_to_one_process": not differ, "differences": len(differ),
        "one_process": {"wall_s": single["wall_s"], "errors": single["errors"], "findings": single["findings"]},
        "repeated_calls": sum(sum(c["repeated_calls"].values()) for c in per_category.values()),
    }
