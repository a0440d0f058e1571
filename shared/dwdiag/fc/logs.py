"""JSON log lines with the request id and run id; secrets masked; aliyun-fc2's root logging tamed."""

from __future__ import annotations

import json
import logging
import re
import time
from typing import Any

from dwdiag.redact import redact_text

_state: dict[str, Any] = {"secrets": (), "fields": {}}
# aliyun-fc2 logs full request headers (security token, authorization) through the root logger.
_FC2_DETAIL = re.compile(r"(?i)(request )?headers?\s*:.*", re.DOTALL)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        line = {"time": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(record.created)),
                "level": record.levelname, "logger": record.name,
                "message": redact_text(record.getMessage(), _state["secrets"]), **_state["fields"]}
        if record.exc_info:
            line["error"] = redact_text(f"{record.exc_info[0].__name__}: {record.exc_info[1]}", _state["secrets"])
        return json.dumps(line, ensure_ascii=False)


class Fc2Quiet(logging.Filter):
    """Keeps aliyun-fc2's records short: no headers, no secrets, nothing below WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "fc2" not in record.pathname.replace("\\", "/").split("/"):
            return True
        if record.levelno < logging.WARNING:
            return False
        text = _FC2_DETAIL.sub("(request details withheld: they carry credentials)", record.getMessage())
        record.msg, record.args = redact_text(text, _state["secrets"]), ()
        return True


def quiet_fc2(secrets: tuple[str, ...] = ()) -> None:
    """Install the aliyun-fc2 filter on the root logger (it logs there directly) and its handlers."""
    _state["secrets"] = tuple(dict.fromkeys((*_state["secrets"], *(s for s in secrets if s))))
    root = logging.getLogger()
    for owner in (root, *root.handlers):
        if not any(isinstance(f, Fc2Quiet) for f in owner.filters):
            owner.addFilter(Fc2Quiet())


def configure(request_id: str, secrets: tuple[str, ...], **fields: Any) -> None:
    """Once per invocation: keys from a previous (warm) invocation never leak into this one."""
    _state["secrets"] = tuple(s for s in secrets if s)
    _state["fields"] = {"request_id": request_id, **{k: v for k, v in fields.items() if v is not None}}
    root = logging.getLogger()
    if not any(isinstance(f, Fc2Quiet) for f in root.filters):
        root.addFilter(Fc2Quiet())
    for handler in root.handlers:
        handler.setFormatter(JsonFormatter())
        if not any(isinstance(f, Fc2Quiet) for f in handler.filters):
            handler.addFilter(Fc2Quiet())
    if not root.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        handler.addFilter(Fc2Quiet())
        root.addHandler(handler)
    root.setLevel(logging.INFO)


def bind(**fields: Any) -> None:
    _state["fields"].update({k: v for k, v in fields.items() if v is not None})


def secrets() -> tuple[str, ...]:
    return _state["secrets"]
