"""How to fix a failed finding: exact steps, filled in from its evidence (dwdiag.remediation builds them).

A plan is advice a person reads and runs; only the steps marked `automatable` may be run by
`dwdiag fix apply`, and only with credentials of the remediation policy (never the scanner's role).
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import Field

from dwdiag.models.common import Plain


class ApiCall(Plain):
    """An OpenAPI call as the official SDK names it, with its parameters filled in."""

    product: str                 # dwdiag's service name: maxcompute, actiontrail, ram, dataworks, ...
    version: str                 # the API version, e.g. 2022-01-04
    action: str                  # the operation, e.g. UpdateProjectBasicMeta
    params: dict[str, Any] = Field(default_factory=dict)


class Step(Plain):
    kind: Literal["sql", "api", "console"]
    text: str                    # the exact statement, call or console path, ready to copy
    call: Optional[ApiCall] = None  # for kind "api": the call itself
    who: str                     # the role or permission that may run it
    reversible: Literal["yes", "no", "partly"]
    undo: Optional[str] = None   # how to undo it, when it can be undone
    breaks: str                  # what it may break, in words a person can weigh
    doc: str                     # the official page that documents this step
    automatable: bool = False    # `dwdiag fix apply` may run it (a short list chosen from the documentation)


class Remediation(Plain):
    summary: str                 # one line: what the plan does
    steps: list[Step]
    note: Optional[str] = None   # e.g. "the documentation has no API for this: console only"

    @property
    def automatable(self) -> bool:
        return bool(self.steps) and all(s.automatable for s in self.steps)
