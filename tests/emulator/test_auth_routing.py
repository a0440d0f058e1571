"""Signatures, STS tokens and routing errors, as the SDK sees them."""
from __future__ import annotations

import json
import urllib.error
import urllib.request

import pytest
from alibabacloud_dataworks_public20240518 import models as m
from alibabacloud_dataworks_public20240518.client import Client
from alibabacloud_tea_openapi import models as open_api_models
from alibabacloud_tea_openapi.client import Client as OpenApiClient
from alibabacloud_tea_openapi.exceptions import ClientException
from alibabacloud_tea_util.models import RuntimeOptions

pytestmark = pytest.mark.emulator


def _list(config):
    return Client(config).list_projects(m.ListProjectsRequest(page_size=1))


@pytest.mark.parametrize("kw, code, status", [
    ({"secret": "wrong"}, "SignatureDoesNotMatch", 400),
    ({"ak": "AKIDnobody"}, "InvalidAccessKeyId.NotFound", 404),
    ({"ak": "AKIDoff", "secret": "secretOff"}, "InvalidAccessKeyId.Inactive", 400),
    ({"ak": "STS.tmpKey", "secret": "stsSecret"}, "MissingSecurityToken", 400),
    ({"ak": "STS.tmpKey", "secret": "stsSecret", "token": "forged"}, "InvalidSecurityToken.Malformed", 400),
    ({"ak": "STS.tmpKey", "secret": "stsSecret", "token": "CAIStokenOld"},
     "InvalidSecurityToken.MismatchWithAccessKey", 400),
    ({"ak": "STS.oldKey", "secret": "oldSecret", "token": "CAIStokenOld"}, "InvalidSecurityToken.Expired", 400),
    ({"token": "CAIStoken1"}, "InvalidSecurityToken.MismatchWithAccessKey", 400),
])
def test_bad_credentials_get_the_gateway_error(emulator, config_for, kw, code, status):
    with pytest.raises(ClientException) as err:
        _list(config_for(**kw))
    assert (err.value.code, err.value.status_code) == (code, status)
    assert err.value.data["HostId"] == "dataworks.cn-shanghai.aliyuncs.com"
    assert emulator.requests()[-1].error_code == code


def test_sts_token_is_accepted(config_for):
    body = _list(config_for(ak="STS.tmpKey", secret="stsSecret", token="CAIStoken1")).body
    assert body.paging_info.projects[0].id == 1001


def test_legacy_v1_signature_is_verified(config_for):
    good = config_for()
    good.signature_algorithm = "v2"
    assert _list(good).body.paging_info.total_count == 5
    bad = config_for(secret="wrong")
    bad.signature_algorithm = "v2"
    with pytest.raises(ClientException) as err:
        _list(bad)
    assert err.value.code == "SignatureDoesNotMatch"


def test_unsigned_request_is_incomplete(emulator):
    req = urllib.request.Request(emulator.url() + "/", method="POST", data=b"PageSize=1", headers={
        "x-acs-action": "ListProjects", "x-acs-version": "2024-05-18",
        "content-type": "application/x-www-form-urlencoded"})
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(req, timeout=5)
    body = json.loads(err.value.read())
    assert err.value.code == 400 and body["Code"] == "IncompleteSignature"


def _generic(config, action, version, method="POST", pathname="/"):
    params = open_api_models.Params(action=action, version=version, protocol="HTTPS", pathname=pathname,
                                    method=method, auth_type="AK", style="RPC",
                                    req_body_type="formData", body_type="json")
    return OpenApiClient(config).call_api(params, open_api_models.OpenApiRequest(query={}), RuntimeOptions())


def test_unknown_action_and_version_get_real_error_shapes(config):
    with pytest.raises(ClientException) as err:
        _generic(config, "DeleteEverything", "2024-05-18")
    assert (err.value.code, err.value.status_code) == ("InvalidAction.NotFound", 404)
    assert set(err.value.data) >= {"RequestId", "Code", "Message", "HostId", "Recommend"}
    with pytest.raises(ClientException) as err:
        _generic(config, "ListProjects", "2099-01-01")
    assert err.value.code == "InvalidVersion"
    with pytest.raises(ClientException) as err:  # a MaxCompute ROA action is not served on "/"
        _generic(config, "GetProject", "2022-01-04", method="GET")
    assert err.value.code == "InvalidAction.NotFound"


def test_bare_http_without_action_is_answered_not_dropped(emulator):
    with pytest.raises(urllib.error.HTTPError) as err:
        urllib.request.urlopen(emulator.url() + "/favicon.ico", timeout=5)
    assert err.value.code == 404 and json.loads(err.value.read())["Code"] == "InvalidAction.NotFound"
