"""Waiver files: one-line errors with the entry and the line, never a traceback; the FC payload's waivers."""

from __future__ import annotations

from datetime import date

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dwdiag.cli import main
from dwdiag.errors import UserError
from dwdiag.fc.events import Payload, parse_event
from dwdiag.waivers import WaiverError, load_waivers, parse_waivers
from tests.support.paths import DEMO_EVIDENCE

GOOD = """\
waivers:
  - fingerprint: 0123456789abcdef0123456789abcdef
    reason: accepted until the migration
    owner: ops
    expires: 2030-06-30
  - item_id: maxcompute_backup
    object: "archive_*"
    region: cn-*
    reason: archive projects keep no backup
    owner: data-platform
    expires: 2030-01-01
"""


def test_a_good_file(write):
    waivers = load_waivers(str(write(GOOD)))
    assert [w.line for w in waivers] == [2, 6]
    assert waivers[1].expires == date(2030, 1, 1) and waivers[1].key() == "maxcompute_backup archive_* in cn-*"


@pytest.mark.parametrize("text, line, names", [
    (GOOD.replace("expires: 2030-01-01", "expires: soon"), 11, "waivers[1].expires"),
    (GOOD.replace("0123456789abcdef0123456789abcdef", "not-a-fingerprint"), 2, "waivers[0].fingerprint"),
    (GOOD.replace("    owner: data-platform\n", ""), 6, "waivers[1]"),
    (GOOD.replace("item_id: maxcompute_backup", "item_id: maxcompute_backups"), 6, "waivers[1].item_id"),
    (GOOD.replace("    region: cn-*\n", "    fingerprint: 0123456789abcdef0123456789abcdef\n"), 6, "waivers[1]"),
    (GOOD.replace("    reason: accepted until the migration\n", "    reasons: typo\n"), 3, "waivers[0].reasons"),
    (GOOD.replace("expires: 2030-06-30", "expires: 20300630"), 5, "waivers[0].expires"),
    (GOOD.replace("  - item_id", "  -item_id: [").replace("object", "  obj"), None, "not valid YAML"),
    ("- just a list\n", 1, "(top level)"),
])
def test_bad_files_give_one_line_with_the_line_number(write, text, line, names):
    with pytest.raises(WaiverError) as caught:
        load_waivers(str(write(text)))
    message = str(caught.value)
    assert "\n" not in message and names in message
    if line is not None:
        assert f"line {line}:" in message
    else:
        assert " line " in message


def test_cli_bad_file_exits_2_with_one_line(write, capsys):
    path = write(GOOD.replace("expires: 2030-01-01", "expires: soon"))
    assert main(["evaluate", "--evidence", str(DEMO_EVIDENCE), "--waivers", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "line 11" in err and "waivers[1].expires" in err
    assert main(["waivers", "check", str(write("", "empty.yaml")), "--evidence", "x.json"]) == 2


def test_a_missing_file(tmp_path):
    with pytest.raises(WaiverError, match="cannot read waiver file"):
        load_waivers(str(tmp_path / "nope.yaml"))


def test_payload_waivers_use_the_same_schema():
    payload, _ = parse_event({"regions": ["cn-hangzhou"], "waivers": [
        {"item_id": "datasource_access_control", "object": "*", "reason": "attested", "owner": "ops",
         "expires": "2030-01-01"}]})
    assert payload.waivers[0].expires == date(2030, 1, 1)
    # A fan-out shard carries them on as JSON.
    again = Payload.model_validate(payload.model_dump(mode="json"))
    assert again.waivers == payload.waivers
    with pytest.raises(UserError) as caught:
        parse_event({"waivers": [{"fingerprint": "0123456789abcdef0123456789abcdef", "reason": "r", "owner": "o",
                                  "expires": "never"}]})
    assert "waivers[0].expires" in str(caught.value) and "\n" not in str(caught.value)


KEYS = st.sampled_from(["fingerprint", "item_id", "object", "region", "reason", "owner", "expires", "waivers",
                        "extra", "expire", 0, 1])
SCALARS = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.dates()
           | st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
           | st.sampled_from(["0123456789abcdef0123456789abcdef", "maxcompute_backup", "*", "2030-01-01"]))
VALUES = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=6),
                      max_leaves=20)
WAIVER = st.dictionaries(KEYS, VALUES, max_size=8)
DOCUMENT = (st.fixed_dictionaries({"waivers": st.lists(WAIVER, max_size=4)}) | st.dictionaries(KEYS, VALUES)
            | VALUES)


@pytest.mark.slow  # 300 random documents
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCUMENT)
def test_random_documents_give_waivers_or_one_line(document):
    text = yaml.safe_dump(document, allow_unicode=True)
    _parse_or_one_line(text)


@pytest.mark.slow  # 300 random texts
@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_random_text_gives_waivers_or_one_line(text):
    _parse_or_one_line(text)


def _parse_or_one_line(text: str) -> None:
    try:
        waivers = parse_waivers(text, "w.yaml")
    except WaiverError as exc:
        message = str(exc)
        assert message.startswith("w.yaml") and "\n" not in message
    else:
        assert isinstance(waivers, list)
