"""scripts/deploy runs nothing without a subcommand, and prints its commands when the tool is missing."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import pytest

from scripts import deploy_lib as deploy

from tests.support.deploy import SCRIPT, run_deploy
from tests.support.paths import ROOT

SECRET = "SECdeadbeefdeadbeefdeadbeef"
WEBHOOK = "https://oapi.dingtalk.com/robot/send?access_token=tok123"


run = run_deploy


def test_no_subcommand_runs_nothing(bare_path):
    done = run([], bare_path)
    assert done.returncode == 2
    assert "give a subcommand" in done.stderr
    assert "would run" not in done.stderr


def test_help_documents_both_paths(bare_path):
    done = run(["help"], bare_path)
    assert done.returncode == 0
    for text in ("IGNORE_TPL_VALIDATION=1", "s deploy", "template.yml", "s.yaml", "scripts/package"):
        assert text in done.stdout


def test_ros_without_fun_prints_the_plan_and_masks_the_dingtalk_values(bare_path):
    routes = '{"5000000000000011": {"webhook": "https://oapi.dingtalk.com/robot/send?access_token=tokR", ' \
             '"secret": "SECroute0000"}}'
    done = run(["ros"], bare_path, DWDIAG_DINGTALK_SECRET=SECRET, DWDIAG_DINGTALK_WEBHOOK=WEBHOOK,
               DWDIAG_OSS_BUCKET="results", DEPLOY_CODE_BUCKET="code", DWDIAG_ALERT_ROUTES=routes,
               DWDIAG_ACCOUNTS="resource-directory")
    assert done.returncode == 3
    assert "'fun' is not installed" in done.stderr
    assert "scripts/package --python 3.10" in done.stderr
    assert "IGNORE_TPL_VALIDATION=1 fun deploy -t build/template.packaged.yml --use-ros" in done.stderr
    assert "OssBucket=results" in done.stderr
    assert SECRET not in done.stderr and "tok123" not in done.stderr
    assert "Accounts=resource-directory" in done.stderr and "AlertRoutes=****" in done.stderr
    assert "SECroute0000" not in done.stderr and "tokR" not in done.stderr


def test_s_without_serverless_devs_prints_the_plan(bare_path):
    done = run(["s"], bare_path)
    assert done.returncode == 3
    assert "'s' is not installed" in done.stderr and "s deploy -t s.yaml -y" in done.stderr


def test_policy_prints_the_code_s_document(bare_path):
    done = run(["policy", "--bucket", "b", "--prefix", "p/", "--edition", "fc3"], bare_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == deploy.policy_document("b", "p/", edition="fc3")


@pytest.mark.slow
def test_policy_needs_a_bucket_unless_it_is_the_member_role_s(bare_path):
    done = run(["policy"], bare_path)
    assert done.returncode == 2 and "--bucket is required" in done.stderr
    done = run(["policy", "--bucket", "b", "--member-role", "audit-reader"], bare_path)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == deploy.policy_document("b", "", member_role="audit-reader")


@pytest.mark.slow
def test_role_grants_assume_role_on_the_member_role_of_the_environment(bare_path):
    done = run(["role", "--dry-run"], bare_path, DWDIAG_OSS_BUCKET="results", DWDIAG_MEMBER_ROLE="audit-reader")
    assert done.returncode in (0, 3), done.stderr
    assert "acs:ram::*:role/audit-reader" in done.stderr and "resourcemanager:ListAccounts" in done.stderr


def test_ros_gives_every_template_parameter_and_the_watch_s_quota_share_from_the_environment(bare_path):
    from tests.support.deploy import TEMPLATE

    parameters = set(deploy.load_yaml(TEMPLATE)["Parameters"])
    done = run(["ros", "--dry-run"], bare_path, DWDIAG_OSS_BUCKET="results", DEPLOY_CODE_BUCKET="code")
    assert done.returncode in (0, 3), done.stderr
    given = dict(re.findall(r"--parameter-override '?(\w+)=([^\s']*)", done.stderr))
    assert set(given) == parameters, "every parameter of template.yml comes from the deploy's environment"
    assert given["WatchQuotaShare"] == "0.25"
    done = run(["ros", "--dry-run"], bare_path, DWDIAG_OSS_BUCKET="results", DEPLOY_CODE_BUCKET="code",
               DWDIAG_WATCH_QUOTA_SHARE="0.5")
    assert "WatchQuotaShare=0.5" in done.stderr
