"""`dwdiag fix apply` against the emulated demo tenant: the three automatable fixes turn their findings from
fail to pass on the re-check and leave an audit record; without the remediation credentials, without --yes,
on stale evidence or on an object that changed since the run, nothing is changed."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from importlib import resources
from typing import Iterator

import pytest
import yaml

from dwdiag import fix, pipeline
from dwdiag.cli import main
from dwdiag.clients import Credentials
from dwdiag.clients.retry import RetryPolicy
from dwdiag.errors import UserError
from dwdiag.models.findings import Status
from dwdiag.remediation.plan import plan_for
from dwdiag.settings import Settings
from dwdiag.store import LocalStore
from dwdiag.sweep import Sweep
from dwdiag_emulator import Emulator

pytestmark = pytest.mark.emulator

PRODUCTS = ("dataworks", "maxcompute", "actiontrail", "ram", "sts")
SCANNER = Credentials("AKIDdemo", "demoSecret")          # read-only in the demo world
FIXER = {"remediation_access_key_id": "AKIDfixer", "remediation_access_key_secret": "fixerSecret"}
AUTOMATABLE = {"maxcompute_backup", "actiontrail_audit", "schedule_identity_login"}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    # The evidence must be fresh (DWDIAG_FIX_MAX_EVIDENCE_AGE_HOURS is judged on the real clock): today's world.
    world = yaml.safe_load(resources.files("dwdiag_emulator.worlds").joinpath("demo.yaml").read_text())
    world["now"] = datetime.now(timezone.utc).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")
    # Without the organization's trail, cn-hangzhou's audit rests on this account's stopped trail audit-all,
    # which StartLogging fixes.
    for region in world["regions"].values():
        trails = region.get("actiontrail", {}).get("trails", [])
        trails[:] = [t for t in trails if not t.get("IsOrganizationTrail")]
    emulator = Emulator(world)
    with emulator.running():
        yield emulator


def endpoints(emu: Emulator) -> dict:
    return {p: {r: emu.url(r) for r in emu.endpoints} for p in PRODUCTS}


def settings_for(emu: Emulator, **extra) -> Settings:
    return Settings(regions=list(emu.endpoints), **{f"endpoint_{p}": json.dumps(endpoints(emu)[p]) for p in PRODUCTS},
                    **extra)


def reads(settings: Settings, emu: Emulator) -> Sweep:
    return Sweep(settings, SCANNER, endpoints(emu),
                 retry=lambda deadline: RetryPolicy(deadline=deadline, base_delay=0.01, max_attempts=2))


def swept(emu: Emulator, store: LocalStore):
    settings = settings_for(emu)
    return pipeline.run(settings, source="scan", sweep=reads(settings, emu), store=store)


def automatable(result) -> dict[str, object]:
    """One fail per automatable item whose plan dwdiag may run."""
    out = {}
    for f in result.findings:
        if f.item_id in AUTOMATABLE and f.status is Status.fail and f.item_id not in out:
            plan = plan_for(f)
            if plan is not None and plan.automatable:
                out[f.item_id] = f
    return out


@pytest.mark.slow
def test_each_automatable_fix_turns_its_finding_to_pass_and_is_recorded(emu, tmp_path):
    store = LocalStore(tmp_path)
    targets = automatable(swept(emu, store))
    assert set(targets) == AUTOMATABLE, f"the demo has a fail of each automatable kind: {sorted(targets)}"
    settings = settings_for(emu, **FIXER)
    emu.clear_requests()

    dry = fix.apply(settings, store, [f.fingerprint for f in targets.values()], yes=False,
                    reads=reads(settings, emu), endpoints=endpoints(emu))
    assert [o.status for o in dry] == ["dry run"] * 3 and all(o.calls for o in dry)
    writes = {"UpdateProjectBasicMeta", "StartLogging", "DeleteLoginProfile"}
    assert not [r for r in emu.requests() if r.action in writes], "a dry run changes nothing"

    done = fix.apply(settings, store, [f.fingerprint for f in targets.values()], yes=True,
                     reads=reads(settings, emu), endpoints=endpoints(emu))
    assert [(o.status, o.before, o.after) for o in done] == [("applied", "fail", "pass")] * 3, \
        [o.to_dict() for o in done]
    made = [r for r in emu.requests() if r.action in writes]
    assert sorted(r.action for r in made) == sorted(writes) and {r.access_key_id for r in made} == {"AKIDfixer"}

    records = sorted((tmp_path / "remediation").rglob("*.json"))
    assert len(records) == 3
    for path in records:
        rec = json.loads(path.read_text())
        assert rec["result"] == "applied" and rec["before"] == "fail" and rec["after"] == "pass"
        assert rec["applied_by"] and rec["request_ids"] and all(rec["request_ids"])
        assert rec["item_id"] in AUTOMATABLE and rec["steps"][0]["automatable"] is True
        assert "fixerSecret" not in path.read_text()


@pytest.mark.slow
def test_refusals_change_nothing(emu, tmp_path):
    store = LocalStore(tmp_path)
    result = swept(emu, store)
    targets = automatable(result)
    backup = targets["maxcompute_backup"]
    emu.clear_requests()

    with pytest.raises(UserError, match="DWDIAG_REMEDIATION_ACCESS_KEY_ID"):
        fix.apply(settings_for(emu), store, [backup.fingerprint], yes=True, reads=reads(settings_for(emu), emu),
                  endpoints=endpoints(emu))
    assert not emu.requests(), "refused before any call"

    settings = settings_for(emu, **FIXER)
    later = datetime.now(timezone.utc) + timedelta(hours=25)
    stale = fix.apply(settings, store, [backup.fingerprint], yes=True, reads=reads(settings, emu),
                      endpoints=endpoints(emu), now=later)
    assert stale[0].status == "refused" and "older than DWDIAG_FIX_MAX_EVIDENCE_AGE_HOURS" in stale[0].why

    person = next(f for f in result.findings if f.status is Status.fail and f.item_id == "workspace_admin_count")
    manual = fix.apply(settings, store, [person.fingerprint, "0" * 32], yes=True, reads=reads(settings, emu),
                       endpoints=endpoints(emu))
    assert [o.status for o in manual] == ["refused", "refused"]
    assert "is for a person" in manual[0].why and "no finding" in manual[1].why

    # The project changed after the run (someone raised its retention): the fix is refused, not re-applied.
    project = backup.object_id
    from alibabacloud_maxcompute20220104 import models as mc
    from alibabacloud_maxcompute20220104.client import Client as MaxCompute
    from tests.support.emulator import make_config

    region = backup.region
    client = MaxCompute(make_config(emu, region, ak="AKIDfixer", secret="fixerSecret"))
    client.update_project_basic_meta(project, mc.UpdateProjectBasicMetaRequest(
        properties=mc.UpdateProjectBasicMetaRequestProperties(retention_days=2)))
    changed = fix.apply(settings, store, [backup.fingerprint], yes=True, reads=reads(settings, emu),
                        endpoints=endpoints(emu))
    assert changed[0].status == "refused" and "changed since run" in changed[0].why
    assert not (tmp_path / "remediation").exists(), "nothing was applied, nothing recorded"


@pytest.mark.slow
def test_a_read_only_key_given_as_the_remediation_credentials_changes_nothing(emu, tmp_path):
    store = LocalStore(tmp_path)
    backup = automatable(swept(emu, store))["maxcompute_backup"]
    settings = settings_for(emu, remediation_access_key_id="AKIDdemo", remediation_access_key_secret="demoSecret")
    out = fix.apply(settings, store, [backup.fingerprint], yes=True, reads=reads(settings, emu),
                    endpoints=endpoints(emu))
    assert out[0].status == "failed" and "ODPS-0420095" in out[0].why and out[0].after == "fail"


def test_fix_plan_on_the_command_line_lists_every_fail_with_its_steps(capsys):
    assert main(["fix", "plan", "--format", "json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["plans"] and all(p["steps"] and all(s["doc"].startswith("https://") for s in p["steps"])
                                for p in doc["plans"])
    assert {p["item_id"] for p in doc["plans"] if all(s.get("automatable") for s in p["steps"])} <= AUTOMATABLE
    two = [p["fingerprint"] for p in doc["plans"][:2]]
    assert main(["fix", "plan", "--format", "json", "--finding", *two]) == 0, "several findings after one flag"
    assert [p["fingerprint"] for p in json.loads(capsys.readouterr().out)["plans"]] == two
