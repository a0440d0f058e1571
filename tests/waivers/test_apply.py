"""Applying waivers: what matches, what a waived finding looks like, and what it is left out of."""

from __future__ import annotations

import json
from datetime import date

import pytest

from dwdiag.alert import deliver
from dwdiag.cli import main
from dwdiag.models.findings import Status
from dwdiag.pipeline import write_and_alert
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag.waivers import Waiver
from tests.support.paths import DEMO_EVIDENCE
from tests.support.waivers import waiver_yaml

FUTURE, PAST = date(2999, 12, 31), date(2000, 1, 1)


def _waiver(**fields) -> Waiver:
    return Waiver(**{"reason": "accepted risk, ticket SEC-1", "owner": "data-platform-ops", "expires": FUTURE,
                     **fields})


def waived(result) -> int:
    return sum(1 for f in result.findings if f.waived)


def test_a_fingerprint_waiver_marks_the_fail_and_keeps_its_status(demo, high_fail):
    before = evaluate(demo, Settings()).summary.totals.open_by_risk["high"]
    result = evaluate(demo, Settings(), waivers=[_waiver(fingerprint=high_fail.fingerprint)])
    assert waived(result) == 1
    f = next(f for f in result.findings if f.fingerprint == high_fail.fingerprint)
    assert f.status is Status.fail and f.waived is True
    assert f.public()["waiver"] == {"reason": "accepted risk, ticket SEC-1", "owner": "data-platform-ops",
                                    "expires": "2999-12-31", "matched_by": "fingerprint"}
    assert result.summary.totals.open_by_risk["high"] == before - 1 and result.summary.totals.waived == 1
    assert result.summary.totals.by_status["fail"] == sum(1 for x in result.findings if x.status is Status.fail)
    others = [x.public() for x in result.findings if x.fingerprint != high_fail.fingerprint]
    assert all("waived" not in x and "waiver" not in x for x in others)


def test_patterns_regions_and_statuses(demo, high_fail):
    waiver = _waiver(item_id=high_fail.item_id, object="*", region=high_fail.region)
    result = evaluate(demo, Settings(), waivers=[waiver])
    mine = [f for f in result.findings if f.item_id == high_fail.item_id]
    for f in mine:
        expected = f.region == high_fail.region and f.status in (Status.fail, Status.manual)
        assert bool(f.waived) is expected, (f.status, f.region)
        if f.waived:
            assert f.waiver.matched_by == "item_id+object"


def test_a_waiver_naming_an_account_holds_only_there(demo, high_fail):
    assert demo.account_id and high_fail.account_id == demo.account_id
    here = evaluate(demo, Settings(), waivers=[_waiver(fingerprint=high_fail.fingerprint, account=demo.account_id)])
    elsewhere = evaluate(demo, Settings(), waivers=[_waiver(fingerprint=high_fail.fingerprint,
                                                              account="9999999999999999")])
    assert waived(here) == 1 and waived(elsewhere) == 0
    by_pattern = evaluate(demo, Settings(), waivers=[_waiver(item_id=high_fail.item_id, object="*",
                                                             account="9999999999999999")])
    assert waived(by_pattern) == 0
    with pytest.raises(ValueError):
        _waiver(fingerprint=high_fail.fingerprint, account="prod")


def test_an_expired_waiver_matches_nothing(demo, high_fail):
    assert waived(evaluate(demo, Settings(), waivers=[_waiver(fingerprint=high_fail.fingerprint, expires=PAST)])) == 0
    # Valid through its last day, as of the day the rules were evaluated for.
    day = demo.collected_at.date()
    assert waived(evaluate(demo, Settings(), waivers=[_waiver(fingerprint=high_fail.fingerprint, expires=day)])) == 1


def test_a_manual_data_source_result_is_closed_by_an_attestation(demo):
    unwaived = evaluate(demo, Settings())  # the default (not strict) mode: manual, a person must attest
    manual = [f for f in unwaived.findings if f.item_id == "datasource_access_control" and f.status is Status.manual]
    assert manual
    attest = _waiver(item_id="datasource_access_control", object=manual[0].object_id,
                     reason="attested: data-source permissions are managed in the console (review 2026-11)")
    result = evaluate(demo, Settings(), waivers=[attest])
    f = next(f for f in result.findings if f.fingerprint == manual[0].fingerprint)
    assert f.status is Status.manual and f.waived and f.waiver.reason.startswith("attested")
    assert result.summary.by_category["data_transmission"].waived == 1


def test_cli_shows_the_attestation_as_waived(capsys, write):
    path = write(waiver_yaml({"item_id": "datasource_access_control", "object": "*", "reason": "attested",
                              "owner": "ops", "expires": FUTURE}))
    assert main(["evaluate", "--evidence", str(DEMO_EVIDENCE), "--format", "json", "--waivers", str(path)]) == 0
    doc = json.loads(capsys.readouterr().out)
    mine = [f for f in doc["findings"] if f["item_id"] == "datasource_access_control"]
    assert any(f["status"] == "manual" and f["waived"] for f in mine)
    assert all(f.get("waived") for f in mine if f["status"] == "manual")


def test_the_text_table_marks_a_waived_result_and_lists_it_after_the_open_ones(capsys, write, demo, high_fail):
    path = write(waiver_yaml({"fingerprint": high_fail.fingerprint, "reason": "accepted, ticket SEC-9",
                              "owner": "ops", "expires": FUTURE}))
    assert main(["evaluate", "--evidence", str(DEMO_EVIDENCE), "--waivers", str(path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    marked = [i for i, line in enumerate(lines) if "fail (waived)" in line]
    assert len(marked) == 1 and high_fail.item_id in lines[marked[0]]
    assert any(line.strip() == "waived by ops until 2999-12-31: accepted, ticket SEC-9" for line in lines)
    title = high_fail.category.title
    block = lines[next(i for i, line in enumerate(lines) if line.startswith(title)):]
    block = block[:block.index("")]
    fails = [i for i, line in enumerate(block) if line.split()[1:3] == ["fail", high_fail.item_id]]
    assert fails and all(i < block.index(lines[marked[0]]) for i in fails), "open fails come first"


def test_the_waivers_file_setting(capsys, write, monkeypatch):
    path = write(waiver_yaml({"item_id": "datasource_access_control", "object": "*", "reason": "attested",
                              "owner": "ops", "expires": FUTURE}))
    monkeypatch.setenv("DWDIAG_WAIVERS_FILE", str(path))
    assert main(["evaluate", "--evidence", str(DEMO_EVIDENCE), "--format", "json"]) == 0
    assert '"waived": true' in capsys.readouterr().out


class Recorder:
    def __init__(self, monkeypatch):
        self.messages, self.digests = [], []
        real = deliver.digest_for

        def record(*args, **kwargs):
            digest = real(*args, **kwargs)
            self.digests.append(digest)
            return digest

        monkeypatch.setattr(deliver, "digest_for", record)

    def __call__(self, body: dict) -> None:
        self.messages.append(body)

    def announced(self) -> set[str]:
        return {f.fingerprint for d in self.digests for f in d.new}


def _run(demo, store, waivers, run_id, recorder):
    result = evaluate(demo, Settings(), run_id=run_id, waivers=waivers)
    write_and_alert(store, result, Settings(), send=recorder)
    return result


def test_a_waived_finding_is_not_alerted_and_an_expired_waiver_brings_it_back(demo, high_fail, tmp_path,
                                                                            monkeypatch):
    store = LocalStore(tmp_path)
    first = Recorder(monkeypatch)
    result = _run(demo, store, [_waiver(fingerprint=high_fail.fingerprint)], "20261128T020000Z-aaaaaa", first)
    assert first.messages, "the other new fails were announced"
    assert high_fail.fingerprint not in first.announced()
    digest = next(d for d in first.digests if d.region == high_fail.region)
    open_high = sum(1 for f in result.findings if f.region == high_fail.region and f.status is Status.fail
                    and f.risk_level.value == "high")
    assert digest.open_by_risk["high"] == open_high - 1

    # Still waived the next night: nothing new to say about it.
    second = Recorder(monkeypatch)
    _run(demo, store, [_waiver(fingerprint=high_fail.fingerprint)], "20261129T020000Z-bbbbbb", second)
    assert high_fail.fingerprint not in second.announced()

    # The waiver has expired: the finding is announced again, with the day it was first seen.
    third = Recorder(monkeypatch)
    result = _run(demo, store, [_waiver(fingerprint=high_fail.fingerprint, expires=PAST)],
                  "20261130T020000Z-cccccc", third)
    assert third.announced() == {high_fail.fingerprint}
    back = next(f for f in result.findings if f.fingerprint == high_fail.fingerprint)
    assert back.state == "new" and not back.waived and back.first_seen < result.summary.started_at.isoformat()
    assert result.summary.changes["new"] == 1


@pytest.mark.parametrize("status", ["manual"])
def test_a_waived_manual_is_not_counted_open(demo, status):
    result = evaluate(demo, Settings(), waivers=[_waiver(item_id="datasource_access_control", object="*")])
    assert result.summary.totals.waived == sum(1 for f in result.findings if f.status.value == status and
                                               f.item_id == "datasource_access_control")
