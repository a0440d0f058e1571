"""Quotas, faults and the request log, set at run time and from the world file."""
from __future__ import annotations

import json
import urllib.request

import pytest
from alibabacloud_dataworks_public20240518 import models as m
from alibabacloud_dataworks_public20240518.client import Client
from alibabacloud_maxcompute20220104 import models as mc
from alibabacloud_maxcompute20220104.client import Client as McClient
from alibabacloud_tea_openapi.exceptions import ClientException, ServerException, ThrottlingException
from Tea.exceptions import TeaException

from dwdiag_emulator import Emulator

from tests.support.emulator import WORLD, make_config

pytestmark = pytest.mark.emulator


def _members(config, project_id=1001):
    return Client(config).list_project_members(m.ListProjectMembersRequest(project_id=project_id))


def test_qps_quota_surfaces_as_throttling_user_and_is_logged(emulator, config):
    emulator.add_quota(name="dw-read", product="dataworks", qps=2)
    _members(config)
    _members(config)
    with pytest.raises(ClientException) as err:
        _members(config)
    assert (err.value.code, err.value.status_code) == ("Throttling.User", 429)
    last = emulator.requests()[-1]
    assert (last.action, last.status, last.error_code) == ("ListProjectMembers", 429, "Throttling.User")
    assert last.params["ProjectId"] == "1001"


def test_quota_with_retry_after_and_status_400(emulator, config):
    emulator.add_quota(name="one", actions=["ListProjects"], qps=1, status=400, retry_after_ms=1500)
    Client(config).list_projects(m.ListProjectsRequest())
    with pytest.raises(ThrottlingException) as err:
        Client(config).list_projects(m.ListProjectsRequest())
    assert (err.value.code, err.value.status_code, err.value.retry_after) == ("Throttling.User", 400, 1500)
    _members(config)  # another API of the family is not limited by a per-API quota


def test_daily_quota(emulator, config):
    emulator.add_quota(name="basic-edition", product="dataworks", daily=2)
    _members(config)
    _members(config, 1002)
    with pytest.raises(ClientException) as err:
        _members(config)
    assert err.value.code == "Throttling.Api.Risk"


def test_server_fault_fires_n_times_then_clears(emulator, config):
    emulator.add_fault(actions=["ListProjectMembers"], status=503, code="ServiceUnavailable", times=2)
    for _ in range(2):
        with pytest.raises(ServerException) as err:
            _members(config)
        assert err.value.code == "ServiceUnavailable"
    assert _members(config).body.paging_info.total_count == 3
    assert [r.status for r in emulator.requests()] == [503, 503, 200]


def test_fault_scoped_by_parameter_value(emulator, config):
    emulator.add_fault(actions=["ListProjectMembers"], params={"ProjectId": "1001"}, kind="forbidden")
    assert _members(config, 1002).body.paging_info.total_count == 0
    with pytest.raises(ClientException) as err:
        _members(config, 1001)
    assert (err.value.code, err.value.status_code) == ("Forbidden.Access", 403)
    assert err.value.access_denied_detail["AuthAction"] == "dataworks:ListProjectMembers"


@pytest.mark.parametrize("kind", ["malformed", "non_json"])
def test_unparseable_bodies_raise_in_the_sdk(emulator, config, kind):
    emulator.add_fault(actions=["ListProjects"], kind=kind)
    with pytest.raises(TeaException) as err:
        Client(config).list_projects(m.ListProjectsRequest())
    assert not isinstance(err.value, ClientException)  # not a parsed API error


def test_maxcompute_style_error_body(emulator, config):
    emulator.add_fault(product="maxcompute", kind="maxcompute_error", code="ODPS-0420095")
    with pytest.raises(ClientException) as err:
        McClient(config).get_project("proj_prod", mc.GetProjectRequest(verbose="true"))
    assert err.value.code == "None" and err.value.data["errorCode"] == "ODPS-0420095"
    assert emulator.requests()[-1].error_code == "ODPS-0420095"


def test_latency_fault_delays_but_answers(emulator, config):
    emulator.add_fault(actions=["GetProject"], kind="latency", latency_ms=150)
    assert Client(config).get_project(m.GetProjectRequest(id=1001)).body.project.name == "ws_std"
    assert emulator.requests()[-1].duration_ms >= 150


def test_http_control_endpoint(emulator, config):
    fault = json.dumps({"actions": ["GetProject"], "status": 500, "code": "InternalError"}).encode()
    post = urllib.request.Request(emulator.url() + "/_emulator/faults", data=fault, method="POST")
    assert json.loads(urllib.request.urlopen(post, timeout=5).read())["code"] == "InternalError"
    with pytest.raises(ServerException):
        Client(config).get_project(m.GetProjectRequest(id=1001))
    log = json.loads(urllib.request.urlopen(emulator.url() + "/_emulator/requests", timeout=5).read())
    assert log[-1]["action"] == "GetProject" and log[-1]["status"] == 500
    urllib.request.urlopen(urllib.request.Request(emulator.url() + "/_emulator/faults", method="DELETE"))
    assert Client(config).get_project(m.GetProjectRequest(id=1001)).body.project.id == 1001


def test_world_file_quotas_faults_and_log_limit():
    import yaml
    data = yaml.safe_load(WORLD.read_text())
    data["faults"] = [{"actions": ["GetProject"], "status": 502, "code": "BadGateway", "times": 1}]
    data["quotas"] = [{"name": "trail", "actions": ["ListProjects"], "qps": 1}]
    data["log_limit"] = 2
    emu = Emulator(data)
    with emu.running():
        client = Client(make_config(emu))
        with pytest.raises(ServerException):
            client.get_project(m.GetProjectRequest(id=1001))
        client.get_project(m.GetProjectRequest(id=1001))
        client.list_projects(m.ListProjectsRequest())
        with pytest.raises(ClientException):
            client.list_projects(m.ListProjectsRequest())
        assert [r.status for r in emu.requests()] == [200, 429]  # bounded to the last two
