"""Alerts of an organization run (DWDIAG_ALERT_ROUTES): each robot hears only of its own accounts, the
default robot gets the other accounts' messages and one digest of the organization (counts only), and a
message that waits for the next run is sent only to the robot it was meant for."""

from __future__ import annotations

import json
from typing import Iterator

import pytest

from dwdiag import organization
from dwdiag.alert.deliver import dingtalk_sender, route_for
from dwdiag.alert.dingtalk import reset_windows
from dwdiag.collectors.accounts import resolve_accounts
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag_emulator import Emulator
from tests.support.dingtalk import start_receiver
from tests.support.organization import (ANALYTICS, MGMT, PROD, REGIONS, SANDBOX, running_organization,
                                        sweep_of)

pytestmark = pytest.mark.emulator

SECRET_DEFAULT, SECRET_PROD = "SECdefault0000000000000000", "SECprod000000000000000000000"


@pytest.fixture
def org() -> Iterator[Emulator]:
    with running_organization() as emu:
        yield emu


@pytest.fixture
def robots():
    reset_windows()
    default, prod = start_receiver("tok-default", SECRET_DEFAULT), start_receiver("tok-prod", SECRET_PROD)
    yield default, prod
    default.stop()
    prod.stop()


def _run(emu: Emulator, settings: Settings, store: LocalStore):
    return organization.run(settings, source="scan", sweep=sweep_of(emu, settings), now=emu.backend.now(),
                            store=store, send=dingtalk_sender(settings))


def _texts(receiver) -> list[str]:
    return [r.json()["markdown"]["text"] for r in receiver.accepted]


@pytest.mark.slow
def test_each_robot_hears_only_of_its_accounts_and_the_default_one_gets_the_organization_digest(org, robots,
                                                                                               tmp_path):
    default, prod = robots
    settings = Settings(regions=REGIONS, accounts="resource-directory", dingtalk_webhook=default.url,
                        dingtalk_secret=SECRET_DEFAULT,
                        alert_routes={PROD: {"webhook": prod.url, "secret": SECRET_PROD}})
    result = _run(org, settings, LocalStore(tmp_path))

    to_prod = _texts(prod)
    assert to_prod and all(PROD in text for text in to_prod), "the prod robot gets prod-data's messages"
    for other in (MGMT, ANALYTICS, SANDBOX, "analytics", "sandbox", "organization"):
        assert not [t for t in to_prod if other in t], f"the prod robot heard of {other}"

    to_default = _texts(default)
    digests = [t for t in to_default if "organization" in t]
    assert len(digests) == 1, "one organization digest per run"
    digest = digests[0]
    for account in (MGMT, PROD, ANALYTICS, SANDBOX):
        assert account in digest
    assert "could not be assumed" in digest and "CreateVerifying" in digest, digest
    regional = [t for t in to_default if t not in digests]
    assert regional and not [t for t in regional if PROD in t], "prod-data's findings never reach the default robot"
    assert {a for a in (MGMT, ANALYTICS, SANDBOX) if any(a in t for t in regional)} >= {ANALYTICS}
    assert all(SECRET_PROD not in json.dumps(r.json()) for r in default.attempts)
    assert result.summary.accounts[PROD]["swept"] == "yes"


@pytest.mark.slow
def test_a_waiting_message_goes_only_to_its_own_robot(org, robots, tmp_path):
    default, prod = robots
    prod.fail_next({"errcode": 310000, "errmsg": "keywords not in content"}, times=100)
    settings = Settings(regions=REGIONS, accounts=[PROD, ANALYTICS], dingtalk_webhook=default.url,
                        dingtalk_secret=SECRET_DEFAULT,
                        alert_routes={PROD: {"webhook": prod.url, "secret": SECRET_PROD}})
    store = LocalStore(tmp_path)
    _run(org, settings, store)
    waiting = [store.read(k) for k in store.list("alerts/pending")]
    assert waiting and {w["route"] for w in waiting} == {PROD}

    default.accepted.clear()
    org.clear_requests()
    again = settings.model_copy(update={"accounts": [ANALYTICS]})  # a run that sends to the default robot only
    _run(org, again, store)
    assert not [t for t in _texts(default) if PROD in t], "prod-data's waiting message is not the default robot's"
    assert {store.read(k)["route"] for k in store.list("alerts/pending")} == {PROD}, "it still waits for its robot"


@pytest.mark.slow
def test_a_folder_s_robot_hears_of_the_accounts_of_its_sub_folders_too(org, robots, tmp_path):
    default, dev = robots  # analytics is in fd-dev01; sandbox in fd-sandbox1, a sub-folder of fd-dev01
    settings = Settings(regions=REGIONS, accounts="resource-directory", dingtalk_webhook=default.url,
                        dingtalk_secret=SECRET_DEFAULT,
                        alert_routes={"fd-dev01": {"webhook": dev.url, "secret": SECRET_PROD}})
    _run(org, settings, LocalStore(tmp_path))
    to_dev = _texts(dev)
    assert [t for t in to_dev if ANALYTICS in t], "the folder's own account"
    assert not [t for t in to_dev if PROD in t or MGMT in t], "no account outside the folder"
    regional = [t for t in _texts(default) if "organization" not in t]
    assert not [t for t in regional if ANALYTICS in t or SANDBOX in t], "the folder's accounts, sub-folder's included"
    # The sandbox account sends nothing here (its role is refused); its route, from ListAccounts' path:
    members = resolve_accounts(settings, sweep_of(org, settings).session(REGIONS[0])).members
    sandbox = next(m for m in members if m.account_id == SANDBOX)
    assert sandbox.folders == ("fd-sandbox1", "fd-dev01", "r-Org001")
    assert route_for(settings, SANDBOX, sandbox.folder_for(settings.alert_routes)) == "fd-dev01"
