"""The emulated organization (dwdiag_emulator/worlds/organization.yaml) and a sweep of it, as the
organization tests share them: its accounts, the scanner's key, and `run_org` for a run over it."""

from __future__ import annotations

from contextlib import contextmanager
from importlib import resources
from typing import Any, Iterator, Optional

from dwdiag import organization
from dwdiag.clients import Credentials
from dwdiag.clients.retry import RetryPolicy
from dwdiag.settings import Settings
from dwdiag.sweep import Sweep
from dwdiag_emulator import Emulator

WORLD = resources.files("dwdiag_emulator.worlds").joinpath("organization.yaml")
MGMT, PROD, ANALYTICS, SANDBOX, NEW = ("5000000000000001", "5000000000000011", "5000000000000012",
                                       "5000000000000013", "5000000000000014")
SCANNER = Credentials("AKIDorgScanner", "orgScannerSecret")
REGIONS = ["cn-hangzhou", "cn-shanghai"]
PRODUCTS = ("dataworks", "maxcompute", "actiontrail", "ram", "sts", "resourcedirectory")


@contextmanager
def running_organization() -> Iterator[Emulator]:
    emu = Emulator(WORLD)
    with emu.running():
        yield emu


def sweep_of(emu: Emulator, settings: Settings) -> Sweep:
    """The scanning account's sweep of the emulated organization, with quick retries."""
    urls = {region: emu.url(region) for region in emu.endpoints}
    endpoints = {p: {**urls, "*": emu.url()} for p in PRODUCTS}
    return Sweep(settings, SCANNER, endpoints,
                 retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.01, max_attempts=2))


def run_org(emu: Emulator, store: Any = None, send: Any = None, **settings: Any) -> tuple:
    """An organization run over both regions (DWDIAG_ACCOUNTS=resource-directory unless `settings` say
    otherwise); returns the settings and the run."""
    s = Settings(regions=REGIONS, **{"accounts": "resource-directory", **settings})
    result = organization.run(s, source="scan", sweep=sweep_of(emu, s), now=emu.backend.now(), store=store,
                              send=send)
    return s, result


def accounts_of(findings: list, account: Optional[str] = None) -> set:
    return {f.account_id for f in findings if account is None or f.account_id == account}
