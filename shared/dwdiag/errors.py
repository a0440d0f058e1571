"""User-facing errors: one line that names what is wrong and how to fix it, never a traceback."""

from __future__ import annotations

from typing import Any, Optional

from pydantic import ValidationError

from dwdiag.redact import is_secret_key, redact_text


class UserError(Exception):
    """Bad input from the person or the environment; the CLI prints it and exits 2."""


def _path(loc: tuple[Any, ...]) -> str:
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


def _shown_input(loc: tuple[Any, ...], value: Any) -> str:
    if any(isinstance(p, str) and is_secret_key(p) for p in loc):
        return ""
    if isinstance(value, (str, int, float, bool)) or value is None:
        text = redact_text(repr(value))
        return f" (got {text[:60]}{'...' if len(text) > 60 else ''})"
    return ""


def describe_validation(exc: ValidationError, *, what: str, env_prefix: Optional[str] = None,
                        secret_fields: frozenset[str] = frozenset()) -> str:
    errors = exc.errors(include_url=False)
    first = errors[0]
    loc = tuple(first.get("loc", ()))
    if env_prefix and loc:
        where = env_prefix + str(loc[0]).upper() + "".join(f"[{part}]" for part in loc[1:])
    else:
        where = _path(loc)
    secret = bool(loc) and str(loc[0]) in secret_fields
    shown = "" if secret else _shown_input(loc, first.get("input"))
    more = f" (and {len(errors) - 1} more problem(s))" if len(errors) > 1 else ""
    text = f"{what}: {where}: {first.get('msg', 'invalid')}{shown}{more}"
    return " ".join(text.split())  # one line, whatever the input held
