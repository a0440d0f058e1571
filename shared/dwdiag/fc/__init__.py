"""The Function Compute side: parse the event, run one category (or fan out), store, alert, summarise.

A handler is three lines (functions/<category>/index.py); everything here is the same code the
command line runs, plus what only FC needs: its credentials, its deadline, its retries and fan-out.

Loading a handler imports this module and nothing more: its first invocation imports the run's machinery
(dwdiag.fc.invocation: the settings, the models, the sweep, the store), and each SDK comes with the first
client of its service (dwdiag.clients), so a category loads only the SDKs of the services it calls.
"""

from __future__ import annotations

import os
from typing import Any

DEADLINE_MARGIN_S = 30  # leave time to store findings and alert before FC kills the invocation

# Regions where DataWorks has its own OpenAPI endpoint (the 2024-05-18 SDK's endpoint map).
ALL_REGIONS = (
    "cn-hangzhou", "cn-shanghai", "cn-beijing", "cn-shenzhen", "cn-zhangjiakou", "cn-wulanchabu", "cn-chengdu",
    "cn-hongkong", "ap-southeast-1", "ap-southeast-3", "ap-southeast-5", "ap-northeast-1", "ap-northeast-2",
    "eu-central-1", "eu-west-1", "us-east-1", "us-west-1", "me-east-1", "me-central-1",
)


def handle(event: Any, context: Any, category: str) -> str:
    """Never raises for a bad event: FC would retry it into duplicate work. Returns a JSON summary."""
    from dwdiag.fc.invocation import handle_category  # the run's machinery: on the first invocation, not at load

    return handle_category(event, context, category)


def environ() -> dict[str, str]:
    return dict(os.environ)


__all__ = ["ALL_REGIONS", "DEADLINE_MARGIN_S", "handle"]
