"""`dwdiag waivers check`: expired and unmatched waivers fail the lint, one line each."""

from __future__ import annotations

from dwdiag.cli import main
from dwdiag.evaluate import evaluate
from dwdiag.settings import Settings
from tests.support.paths import DEMO_EVIDENCE
from tests.support.waivers import waiver_yaml


def _good(high_fail) -> dict:
    return {"fingerprint": high_fail.fingerprint, "reason": "accepted", "owner": "ops", "expires": "2999-12-31"}


def test_a_clean_file_passes(write, high_fail, capsys):
    path = write(waiver_yaml(_good(high_fail)))
    assert main(["waivers", "check", str(path), "--evidence", str(DEMO_EVIDENCE)]) == 0
    out, err = capsys.readouterr()
    assert out == "" and "1 waiver(s) checked" in err and "0 problem(s)" in err


def test_expired_and_unmatched_waivers_are_reported(write, high_fail, capsys):
    path = write(waiver_yaml(
        _good(high_fail),
        {"fingerprint": "f" * 32, "reason": "gone", "owner": "alice", "expires": "2999-12-31"},
        dict(_good(high_fail), owner="bob", expires="2001-02-03"),
        {"item_id": "actiontrail_audit", "object": "*", "reason": "passes anyway", "owner": "carol",
         "expires": "2999-12-31"},
    ))
    assert main(["waivers", "check", str(path), "--evidence", str(DEMO_EVIDENCE)]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    assert "waivers[1]" in lines[0] and "owner alice" in lines[0] and "matches no fail or manual finding" in lines[0]
    assert "line 6" in lines[0]
    assert "waivers[2]" in lines[1] and "expired on 2001-02-03" in lines[1]
    assert "waivers[3]" in lines[2] and "it names only pass results" in lines[2]


def test_check_against_a_stored_run(write, high_fail, capsys, tmp_path, demo):
    store = tmp_path / "store"
    assert main(["evaluate", "--evidence", str(DEMO_EVIDENCE), "--output", str(store)]) == 0
    capsys.readouterr()
    run_id = evaluate(demo, Settings()).run_id  # any id: the message names the stored one
    path = write(waiver_yaml(_good(high_fail), {"fingerprint": "e" * 32, "reason": "r", "owner": "o",
                                                "expires": "2999-01-01"}))
    assert main(["waivers", "check", str(path), "--against", str(store)]) == 1
    out, err = capsys.readouterr()
    assert out.count("\n") == 1 and "waivers[1]" in out and str(store) in out and run_id not in out
    assert main(["waivers", "check", str(path), "--against", str(tmp_path / "empty")]) == 2
    assert "no findings under" in capsys.readouterr().err
