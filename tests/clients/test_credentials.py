"""Credentials from Function Compute's context and from the environment; the secret never in a repr."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from dwdiag.clients.credentials import Credentials, resolve

SECRET, TOKEN = "canarySecret-9f8e7d", "CAIScanaryToken-123456"


def test_from_fc_context_reads_the_sts_triple():
    context = SimpleNamespace(credentials=SimpleNamespace(access_key_id="STS.key", access_key_secret=SECRET,
                                                          security_token=TOKEN))
    assert Credentials.from_fc_context(context) == Credentials("STS.key", SECRET, TOKEN)


def test_from_fc_context_reads_camel_case_attributes():
    context = SimpleNamespace(credentials=SimpleNamespace(accessKeyId="STS.key", accessKeySecret=SECRET,
                                                          securityToken=TOKEN))
    assert Credentials.from_fc_context(context) == Credentials("STS.key", SECRET, TOKEN)


@pytest.mark.parametrize("context", [None, SimpleNamespace(), SimpleNamespace(credentials=None),
                                     SimpleNamespace(credentials=SimpleNamespace(access_key_id=""))])
def test_from_fc_context_without_credentials_is_none(context):
    assert Credentials.from_fc_context(context) is None


def test_from_environment_reads_alibaba_cloud_variables():
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "AKID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
           "ALIBABA_CLOUD_SECURITY_TOKEN": TOKEN}
    assert Credentials.from_environment(env) == Credentials("AKID", SECRET, TOKEN)


def test_from_environment_without_a_token():
    env = {"ALIBABA_CLOUD_ACCESS_KEY_ID": "AKID", "ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET,
           "ALIBABA_CLOUD_SECURITY_TOKEN": ""}
    creds = Credentials.from_environment(env)
    assert creds.security_token is None and creds.secrets() == (SECRET,)


def test_from_environment_without_a_key_id_is_none():
    assert Credentials.from_environment({"ALIBABA_CLOUD_ACCESS_KEY_SECRET": SECRET}) is None


def test_from_environment_reads_os_environ(monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AKID")
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", SECRET)
    assert Credentials.from_environment() == Credentials("AKID", SECRET)
    assert resolve() == Credentials("AKID", SECRET)


def test_explicit_credentials_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", "AKIDenv")
    assert resolve(Credentials("AKIDexplicit", "s")).access_key_id == "AKIDexplicit"


def test_no_credentials_anywhere_means_the_default_chain():
    assert resolve() is None     # tests/conftest.py clears ALIBABA_CLOUD_*


def test_the_secret_and_token_never_appear_in_repr():
    creds = Credentials("AKIDvisible", SECRET, TOKEN)
    for text in (repr(creds), str(creds), f"{creds}", repr([creds]), repr({"c": creds})):
        assert SECRET not in text and TOKEN not in text
    assert "AKIDvisible" in repr(creds)


def test_secrets_lists_what_to_mask():
    assert Credentials("AKID", SECRET, TOKEN).secrets() == (SECRET, TOKEN)
    assert Credentials("AKID", "").secrets() == ()
