"""The sample events beside each handler (functions/<category>/event.*.json) are what FC sends, and work."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dwdiag.fc.events import parse_event
from scripts import deploy_lib as deploy
from tests.support.cloud import CATEGORIES, context, load_handler

FUNCTIONS = Path(__file__).resolve().parents[2] / "functions"


@pytest.mark.parametrize("category", CATEGORIES)
def test_the_timer_sample_is_the_template_timer(category):
    raw = (FUNCTIONS / category / "event.timer.json").read_bytes()  # FC hands a timer's event as JSON bytes
    payload, timer = parse_event(raw)
    template = deploy.load_yaml(Path(deploy.__file__).resolve().parents[1] / "template.yml")
    nightly = template["Resources"][deploy.SERVICE_NAME][deploy.function_name(category)]["Events"]["nightly"]
    assert timer is not None and timer.payload == nightly["Properties"]["Payload"]
    assert payload.regions == "all" and payload.alert is True


@pytest.mark.parametrize("category", CATEGORIES)
@pytest.mark.slow
def test_the_on_demand_sample_runs_that_category(category, cloud):
    event = (FUNCTIONS / category / "event.on-demand.json").read_text()
    out = json.loads(load_handler(category)(event, context(deploy.function_name(category))))
    assert out["ok"] and out["category"] == category and out["regions"] == ["cn-hangzhou"]
    assert out["alerts"] == {}, "the sample asks for no alert"
