"""Waiver files written on the fly."""

from __future__ import annotations


def waiver_yaml(*entries: dict) -> str:
    import yaml

    return yaml.safe_dump({"waivers": list(entries)}, sort_keys=False, allow_unicode=True)
