"""The operation table against the installed SDKs, and the RAM actions it implies."""
from __future__ import annotations

import importlib
import re

import pytest

from dwdiag.clients.operations import (BY_SERVICE, OPERATIONS, SERVICES, operation, organization_actions, read_actions,
                                       remediation_actions)


def sdk_client_class(service: str):
    return importlib.import_module(f"{SERVICES[service].module}.client").Client


@pytest.mark.parametrize("op", [o for o in OPERATIONS if not o.generic], ids=lambda o: f"{o.service}.{o.action}")
def test_every_typed_operation_exists_in_its_sdk(op):
    assert callable(getattr(sdk_client_class(op.service), f"{op.name}_with_options", None))


@pytest.mark.parametrize("op", [o for o in OPERATIONS if o.generic], ids=lambda o: f"{o.service}.{o.action}")
def test_generic_operations_are_the_ones_the_sdk_lacks(op):
    cls = sdk_client_class(op.service)
    assert not hasattr(cls, f"{op.name}_with_options") and not hasattr(cls, op.name)


def test_list_code_reviews_is_generic():
    assert operation("dataworks", "list_code_reviews").generic


@pytest.mark.parametrize("action, name", [
    ("ListProjects", "list_projects"), ("ListDataSourceSharedRules", "list_data_source_shared_rules"),
    ("GetCallerIdentity", "get_caller_identity"), ("LookupEvents", "lookup_events"),
])
def test_snake_case_names(action, name):
    assert next(o for o in OPERATIONS if o.action == action).name == name


def test_no_operation_is_listed_twice_per_service():
    assert sum(len(ops) for ops in BY_SERVICE.values()) == len(OPERATIONS)


def test_every_operation_has_a_known_service_and_module():
    for op in OPERATIONS:
        assert op.service in SERVICES
        importlib.import_module(f"{SERVICES[op.service].module}.models")


def test_unknown_operation_is_an_attribute_error():
    with pytest.raises(AttributeError):
        operation("dataworks", "delete_project")
    with pytest.raises(AttributeError):
        operation("nope", "list_projects")


def test_read_actions_sorted_unique_and_without_sts():
    acts = read_actions()
    assert acts == sorted(set(acts))
    assert all(re.fullmatch(r"[a-z]+:[A-Z][A-Za-z]+", a) for a in acts)
    assert not any(a.startswith("sts:") for a in acts)
    assert {"dataworks:ListProjects", "odps:ListProjects", "odps:GetProject", "ram:ListUsers",
            "actiontrail:LookupEvents", "dataworks:ListCodeReviews", "dataworks:ListCalcEngines"} <= set(acts)


def test_read_actions_cover_every_operation_a_swept_account_answers():
    assert set(read_actions()) == {op.ram_action for op in OPERATIONS
                                   if op.service not in ("sts", "resourcedirectory") and not op.write}
    writes = {op.ram_action for op in OPERATIONS if op.write}
    assert writes == {"odps:UpdateProjectBasicMeta", "actiontrail:StartLogging", "ram:DeleteLoginProfile"}
    assert not writes & set(read_actions()), "the scanner's policy never holds a write"
    assert writes <= set(remediation_actions()) and not set(organization_actions()) & set(remediation_actions())
    assert organization_actions() == ["resourcemanager:ListAccounts", "sts:AssumeRole"]
    assert not set(organization_actions()) & set(read_actions()), "a member role never needs to enter other accounts"


def test_paged_operations_have_an_items_path():
    for op in OPERATIONS:
        if op.paging:
            assert op.paging.items and op.paging.kind in ("page", "token", "marker")
            assert op.paging.size > 0 and op.paging.max_pages > 0
