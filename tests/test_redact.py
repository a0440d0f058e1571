"""Redaction: secrets never leave, whatever shape they arrive in."""

from __future__ import annotations

import json

import pytest

from dwdiag.redact import REDACTED, is_secret_key, redact, redact_text


@pytest.mark.parametrize("key", ["password", "Password", "accessKey", "access_key_secret", "AccessKeySecret",
                                 "securityToken", "SecurityToken", "token", "secretKey", "truststorePassword",
                                 "kafka.sasl.password", "privateKey", "keytab"])
def test_secret_keys(key):
    assert is_secret_key(key)


@pytest.mark.parametrize("key", ["accessId", "accessKeyId", "AccessKeyId", "authIdentity", "username", "bucket",
                                 "envType", "NextPage"])
def test_keys_that_are_not_secrets(key):
    assert not is_secret_key(key)


def test_nested_dicts_lists_and_json_strings():
    value = {"a": [{"password": "p@ss-1"}], "props": json.dumps({"accessKey": "k-secret-2", "bucket": "b"}),
             "empty_password": "", "n": 3}
    out = redact(value)
    text = json.dumps(out)
    assert "p@ss-1" not in text and "k-secret-2" not in text
    assert out["a"][0]["password"] == REDACTED
    assert json.loads(out["props"]) == {"accessKey": REDACTED, "bucket": "b"}
    assert out["empty_password"] == "" and out["n"] == 3
    assert value["a"][0]["password"] == "p@ss-1", "the input is not modified"


@pytest.mark.parametrize("text,secret", [
    ("jdbc:mysql://etl:Sup3rSecret@rm-x.mysql.rds.aliyuncs.com:3306/db", "Sup3rSecret"),
    ("https://oapi.dingtalk.com/robot/send?access_token=abcdef123456&timestamp=1", "abcdef123456"),
    ("...&sign=xyz%2Bsig%3D&timestamp=1", "xyz%2Bsig%3D"),
    ("x-acs-security-token SecurityToken=CAIS-token-value", "CAIS-token-value"),
])
def test_secrets_inside_text(text, secret):
    assert secret not in redact_text(text)


def test_known_secret_values_are_masked_anywhere():
    assert "s3cr3t-value" not in redact_text("error: key s3cr3t-value rejected", secrets=("s3cr3t-value",))
