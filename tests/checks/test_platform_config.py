"""Rule actiontrail_audit: pass only for a complete, logging, delivering trail."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from dwdiag.checks import load_all
from dwdiag.models.platform_config import PlatformConfigEvidence
from dwdiag.settings import Settings

NOW = datetime(2026, 11, 28, tzinfo=timezone.utc)
RULE = load_all()["actiontrail_audit"]


def trail(name="t", logging=True, **fields):
    base = {"Name": name, "Status": "Enable", "EventRW": "All", "TrailRegion": "All",
            "SlsProjectArn": "acs:log:cn-hangzhou:1:project/p", "trail_status": {"IsLogging": logging}}
    base.update(fields)
    return base


def audit(settings=None, **evidence):
    out = RULE(PlatformConfigEvidence.model_validate({"region": "cn-hangzhou", **evidence}), settings or Settings(),
               NOW)
    assert len(out) == 1, "exactly one result per region"
    return out[0]


def test_complete_trail_passes_on_the_region_object():
    o = audit(trails=[trail()])
    assert o.status.value == "pass" and o.obj.type == "actiontrail" and o.obj.id == "cn-hangzhou"


def test_oss_destination_is_enough_and_values_are_case_insensitive():
    t = trail(SlsProjectArn=None, OssBucketName="b", Status="enable", EventRW="all", TrailRegion="ALL")
    assert audit(trails=[t]).status.value == "pass"


@pytest.mark.parametrize("change,phrase", [
    ({"Status": "Disable"}, "Status is Disable"),
    ({"Status": "Fresh"}, "Status is Fresh"),
    ({"EventRW": "Write"}, "EventRW is Write"),
    ({"TrailRegion": "cn-hangzhou"}, "TrailRegion is cn-hangzhou"),
    ({"SlsProjectArn": None}, "neither SLS, OSS nor MaxCompute"),
    ({"trail_status": {"IsLogging": False}}, "not logging"),
])
def test_each_missing_condition_fails_and_is_named(change, phrase):
    o = audit(trails=[trail(**change)])
    assert o.status.value == "fail" and phrase in o.result


def test_maxcompute_destination_is_enough():
    t = trail(SlsProjectArn=None, MaxComputeProjectArn="acs:odps:cn-hangzhou:1:project/audit")
    o = audit(trails=[t])
    assert o.status.value == "pass" and o.evidence["trails"][0]["destinations"] == ["MaxCompute"]


def test_the_result_names_the_reading_applied():
    o = audit(trails=[trail()])
    assert "reading 'strict'" in o.result and "CIS" in o.result and o.evidence["reading"] == "strict"


@pytest.mark.parametrize("change,strict,intact,enabled", [
    ({"SlsProjectArn": None}, "fail", "pass", "pass"),
    ({"EventRW": "Write"}, "fail", "fail", "pass"),
    ({"TrailRegion": "cn-hangzhou"}, "fail", "fail", "pass"),
    ({"Status": "Disable"}, "fail", "fail", "fail"),
    ({"trail_status": {"IsLogging": False}}, "fail", "fail", "fail"),
])
def test_each_reading_asks_what_its_source_asks(change, strict, intact, enabled):
    got = [audit(Settings(trail_reading=r), trails=[trail(**change)]).status.value
           for r in ("strict", "intact", "enabled")]
    assert got == [strict, intact, enabled]


def test_an_organization_trail_counts_and_is_named_as_such():
    t = trail("org-audit", IsOrganizationTrail=True, HomeRegion="cn-shanghai", OrganizationId="rd-1")
    o = audit(trails=[t])
    assert o.status.value == "pass" and "multi-account trail org-audit" in o.result
    assert o.evidence["trails"][0]["IsOrganizationTrail"] is True


MGMT = "5000000000000001"
ORG_ARN = f"acs:actiontrail:cn-hangzhou:{MGMT}:trail/org-audit"


def org_trail(**change):
    return trail("org-audit", **{"IsOrganizationTrail": True, "HomeRegion": "cn-hangzhou",
                                 "OrganizationId": "rd-org01", "TrailArn": ORG_ARN, **change})


def test_a_members_organization_trail_owned_by_the_management_account_passes_naming_its_owner():
    """In a member account DescribeTrails lists the management account's multi-account trail; the
    result names the trail, its kind and its owner (the TrailArn's account) and resource directory."""
    o = audit(trails=[org_trail()])
    assert o.status.value == "pass"
    assert f"multi-account trail org-audit (owned by account {MGMT}, resource directory rd-org01)" in o.result
    [seen] = o.evidence["trails"]
    assert (seen["owner_account"], seen["TrailArn"], seen["OrganizationId"]) == (MGMT, ORG_ARN, "rd-org01")


@pytest.mark.parametrize("reading", ["strict", "intact", "enabled"])
@pytest.mark.parametrize("change,phrase", [
    ({"Status": "Disable"}, "Status is Disable"),
    ({"trail_status": {"IsLogging": False}}, "not logging"),
])
def test_a_stopped_organization_trail_does_not_pass_and_is_named(reading, change, phrase):
    o = audit(Settings(trail_reading=reading), trails=[org_trail(**change)])
    assert o.status.value == "fail" and phrase in o.result
    assert f"multi-account trail org-audit (owned by account {MGMT}" in o.result


def test_the_organization_trail_must_meet_the_reading_too():
    o = audit(trails=[org_trail(EventRW="Write")])
    assert o.status.value == "fail" and "EventRW is Write" in o.result
    assert audit(Settings(trail_reading="enabled"), trails=[org_trail(EventRW="Write")]).status.value == "pass"


def test_an_organization_trail_without_a_usable_arn_passes_with_the_owner_unreported():
    for arn in (None, "not-an-arn", "acs:log:cn-hangzhou:1:project/p"):
        o = audit(trails=[org_trail(TrailArn=arn)])
        assert o.status.value == "pass" and "owner not reported" in o.result
        assert "owner_account" not in o.evidence["trails"][0]


def test_a_members_own_trail_sharing_the_organization_trails_name_is_judged_apart():
    own = trail("org-audit", EventRW="Read", TrailArn="acs:actiontrail:cn-hangzhou:5000000000000012:trail/org-audit")
    o = audit(trails=[own, org_trail()])
    assert o.status.value == "pass" and f"owned by account {MGMT}" in o.result
    o = audit(trails=[trail("org-audit"), org_trail(Status="Disable")])
    assert o.status.value == "pass" and o.result.startswith("The trail org-audit ")


def test_unknown_status_of_an_organization_trail_is_error_naming_it():
    t = org_trail()
    del t["trail_status"]
    t["trail_status_error"] = {"product": "actiontrail", "operation": "GetTrailStatus",
                               "code": "TrailNotFoundException", "http_status": 404}
    o = audit(trails=[t])
    assert o.status.value == "error" and "TrailNotFoundException" in o.result


def test_no_trail_fails():
    o = audit(trails=[])
    assert o.status.value == "fail" and "No ActionTrail trail" in o.result


def test_one_good_trail_among_bad_ones_passes():
    assert audit(trails=[trail("bad", EventRW="Read"), trail("good")]).status.value == "pass"


def test_describe_trails_failure_is_error():
    o = audit(trails_error={"product": "actiontrail", "operation": "DescribeTrails", "code": "NoPermission",
                            "http_status": 403})
    assert o.status.value == "error" and "DescribeTrails" in o.result


def test_unknown_logging_status_of_the_only_candidate_is_error_not_pass():
    t = trail()
    del t["trail_status"]
    t["trail_status_error"] = {"product": "actiontrail", "operation": "GetTrailStatus", "code": "Throttling.User",
                               "http_status": 429}
    o = audit(trails=[t])
    assert o.status.value == "error" and "GetTrailStatus" in o.result
    assert "reading 'strict'" in o.result and o.evidence["reading"] == "strict", "the reading applied is named"


def test_status_never_collected_is_not_a_pass():
    t = trail()
    del t["trail_status"]
    assert audit(trails=[t]).status.value == "fail"
