"""What the OCSF schema requires of every Detection Finding event, as one check: assert_valid.

The required attributes and enums below are encoded from the OCSF 1.1.0 schema as published in
ocsf/ocsf-schema (events/base_event.json: activity_id, category_uid, class_uid, metadata, severity_id,
time, type_uid required; events/findings/finding.json: finding_info required, activity_id and status_id
enums; objects/finding_info.json: uid required; objects/metadata.json: product and version required;
objects/cloud.json: provider required) and from Prowler's 1.1.0 models (prowler-cloud/py-ocsf-models:
finding_info.title, product.vendor_name and remediation.desc required).
"""

from __future__ import annotations

import json

REQUIRED_TOP = ("activity_id", "category_uid", "class_uid", "finding_info", "metadata", "severity_id", "time",
                "type_uid")
REQUIRED_IN = {"finding_info": ("uid", "title"), "metadata": ("product", "version"),
               "cloud": ("provider",), "remediation": ("desc",)}
ACTIVITY_IDS = {0: "Unknown", 1: "Create", 2: "Update", 3: "Close", 99: "Other"}
SEVERITY_IDS = {0: "Unknown", 1: "Informational", 2: "Low", 3: "Medium", 4: "High", 5: "Critical", 6: "Fatal",
                99: "Other"}
STATUS_IDS = {0: "Unknown", 1: "New", 2: "In Progress", 3: "Suppressed", 4: "Resolved", 99: "Other"}


def assert_valid(event: dict) -> None:
    for key in REQUIRED_TOP:
        assert event.get(key) not in (None, "", {}), key
    for obj, keys in REQUIRED_IN.items():
        if obj in event:
            for key in keys:
                assert event[obj].get(key) not in (None, ""), f"{obj}.{key}"
    assert event["metadata"]["product"].get("vendor_name")
    assert event["class_uid"] == 2004 and event["category_uid"] == 2
    assert event["type_uid"] == event["class_uid"] * 100 + event["activity_id"]
    assert event["activity_id"] in ACTIVITY_IDS and event["activity_name"] == ACTIVITY_IDS[event["activity_id"]]
    assert event["severity_id"] in SEVERITY_IDS and event["severity"] == SEVERITY_IDS[event["severity_id"]]
    assert event["status_id"] in STATUS_IDS
    if event["status_id"] != 99:  # for Other the caption is the source's own label
        assert event["status"] == STATUS_IDS[event["status_id"]]
    assert isinstance(event["time"], int) and event["time"] > 10 ** 12  # epoch milliseconds
    for resource in event["resources"]:
        assert resource["uid"] and resource["type"]
    json.dumps(event)  # plain JSON all the way down
