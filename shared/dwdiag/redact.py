"""Secret redaction: every evidence dict, log line and message passes through here before it leaves.

Secrets are replaced by a marker (not removed) so a reader still sees that a value was set.
"""

from __future__ import annotations

import json
import re
from typing import Any

REDACTED = "[REDACTED]"

# Keys compared after lower-casing and dropping '_', '-' and '.'.
_SECRET_KEYS = frozenset(
    {
        "password", "passwd", "pwd", "accesskey", "accesskeysecret", "secretaccesskey",
        "secret", "secretkey", "clientsecret", "securitytoken", "token", "accesstoken",
        "sessiontoken", "ststoken", "privatekey", "keytab", "keytabcontent", "signature",
    }
)
_SECRET_PARTS = ("password", "secret", "securitytoken", "privatekey")

# user:password@ in URLs, and secret-bearing query parameters (DingTalk access_token, sign, STS tokens).
_URL_USERINFO = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.-]*://[^/\s:@]+:)[^@/\s]+@")
_QUERY_SECRET = re.compile(
    r"(?P<key>\b(?:access_token|sign|SecurityToken|security_token|AccessKeySecret|password|Signature)=)"
    r"[^&\s\"']+",
    re.IGNORECASE,
)


def normalize_key(key: str) -> str:
    return re.sub(r"[_\-.]", "", key).lower()


def is_secret_key(key: str) -> bool:
    norm = normalize_key(key)
    return norm in _SECRET_KEYS or any(part in norm for part in _SECRET_PARTS)


def redact_text(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Mask credentials embedded in free text (URLs, query strings) and any known secret values."""
    for value in secrets:
        if value and len(value) >= 4:
            text = text.replace(value, REDACTED)
    text = _URL_USERINFO.sub(lambda m: m.group("head") + REDACTED + "@", text)
    return _QUERY_SECRET.sub(lambda m: m.group("key") + REDACTED, text)


def redact(value: Any) -> Any:
    """Return a copy of a JSON-like value with every secret replaced by REDACTED."""
    if isinstance(value, dict):
        return {k: _redact_item(k, v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    if isinstance(value, str):
        return _redact_string(value)
    return value


def _redact_item(key: Any, value: Any) -> Any:
    if isinstance(key, str) and is_secret_key(key) and value not in (None, "", [], {}):
        return REDACTED
    return redact(value)


def _redact_string(value: str) -> str:
    stripped = value.strip()
    # Some APIs nest JSON objects as strings (ConnectionProperties, EngineInfo.specs, 2020 Content).
    if stripped.startswith("{") and stripped.endswith("}"):
        try:
            parsed = json.loads(stripped)
        except ValueError:
            return redact_text(value)
        if isinstance(parsed, dict):
            return json.dumps(redact(parsed), ensure_ascii=False, sort_keys=True)
    return redact_text(value)
