"""The Function Compute side: parse the event, run one category (or fan out), store, alert, summarise.

A handler is three lines (functions/<category>/index.py); everything here is the same code the
command line runs, plus what only FC needs: its credentials, its deadline, its retries and fan-out.

Loading a handler imports this module and nothing more: its first invocation imports the run's machinery
(dwdiag.fc.invocation: the settings, the models, the sweep, the store), and each SDK comes with the first
client of its service (dwdiag.clients), so a category loads only the SDKs of the services it calls.
"""

from __future__ import annotations

import os
import time
from typing import Any

DEADLINE_MARGIN_S = 30  # leave time to store findings and alert before FC kills the invocation

# FC loads a handler's module on an instance's first invocation, and that loading (the interpreter's and the
# run's imports) counts against the function's timeout like the rest of the invocation.
_LOADED = time.monotonic()
_loaded_unclaimed = True

# Regions where DataWorks has its own OpenAPI endpoint (the 2024-05-18 SDK's endpoint map).
ALL_REGIONS = (
    "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-zhangjiakou", "cn-wulanchabu", "cn-chengdu",
    "cn-hongkong", "ap-southeast-1", "ap-southeast-3", "ap-southeast-5", "ap-northeast-1", "ap-northeast-2",
    "eu-central-1", "eu-west-1", "us-east-1", "us-west-1", "me-east-1", "me-central-1",
)


def invocation_started() -> float:
    """When the running invocation began, on time.monotonic()'s clock, as near as a handler can tell: its
    entry, or on the instance's first invocation (a cold start) the moment the handler's module was loaded.
    Call once, as the handler is entered."""
    global _loaded_unclaimed
    if _loaded_unclaimed:
        _loaded_unclaimed = False
        return _LOADED
    return time.monotonic()


def handle(event: Any, context: Any, category: str) -> str:
    """Never raises for a bad event: FC would retry it into duplicate work. Returns a JSON summary."""
    started = invocation_started()
    from dwdiag.fc.invocation import handle_category  # the run's machinery: on the first invocation, not at load

    return handle_category(event, context, category, started=started)


def environ() -> dict[str, str]:
    return dict(os.environ)


__all__ = ["ALL_REGIONS", "DEADLINE_MARGIN_S", "handle", "invocation_started"]
