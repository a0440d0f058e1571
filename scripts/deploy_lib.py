"""Deployment facts derived from the code: function names, package paths, the dependency layer and the RAM policies.

`template.yml` (FC 2.0, ROS `Aliyun::Serverless-2018-04-03`), `s.yaml` (Serverless Devs, FC 3.0) and
`deploy/member-role.yml` (the read-only role of an organization sweep, created in each member account)
are written by hand; the deployment tests check them against this module, so the policies' action
lists come from the client layer's operation table and nowhere else. `scripts/deploy policy` prints
the scanning account's document, `scripts/deploy policy --member` the member role's. It is deployment
tooling, not part of the library the functions run, so it lives beside the scripts and never ships in
a function package: `python -m scripts.deploy_lib policy`.

The functions' third-party dependencies are one FC layer (LAYER_*), which `scripts/deploy` publishes and
both templates reference by its version ARN; docs/deploy-layer.md has the design and its sources.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from pathlib import Path
from typing import Any, Optional

from dwdiag.clients.operations import organization_actions, read_actions, remediation_actions
from dwdiag.models.findings import Category
from dwdiag.settings import DEFAULT_MEMBER_ROLE

SERVICE_NAME = "dwdiag"  # the FC 2.0 service; FC 3.0 has no services
PACKAGE_DIR = "build/fc"  # where scripts/package writes one folder and one zip per function, and the layer

# The dependency layer: the third-party packages every function imports (pyproject's dependencies and the
# `cloud` extra, for CPython 3.10 on manylinux x86_64) under `python/`, which FC unpacks to /opt/python, a
# directory on a Python function's import path ("Create a custom layer",
# https://www.alibabacloud.com/help/en/functioncompute/fc/user-guide/create-a-custom-layer-1). Each function's
# own zip holds only its handler and the dwdiag library, so a dependency upgrade publishes one layer
# version instead of five full packages. A layer version is addressed by its ARN,
# acs:fc:<region>:<account>:layers/<name>/versions/<n> (the `arnV2` of FC's Layer structure,
# https://www.alibabacloud.com/help/en/fc/developer-reference/api-fc-open-2021-04-06-struct-layer, and the
# `layerVersionArn` Serverless Devs prints, https://github.com/devsapp/fc3/blob/main/docs/zh/command/layer.md).
LAYER_NAME = "dwdiag-deps"  # the FC layer's name (one per account and region)
LAYER_ZIP = f"{PACKAGE_DIR}/dwdiag-deps-layer.zip"  # scripts/package's LAYER
LAYER_RUNTIMES = ("python3.10",)  # its CompatibleRuntime: the functions' runtime
LAYER_PARAMETER = "DepsLayerArn"  # template.yml's parameter, every function's `Layers`
LAYER_ENVIRONMENT = "DEPLOY_LAYER_ARN"  # what s.yaml's `layers` read, and scripts/deploy exports after publishing
LAYER_ARN = re.compile(r"acs:fc:[a-z0-9-]+:[0-9]+:layers/[A-Za-z0-9_-]+/versions/[0-9]+")
# A layer version's description names the layer zip's digest, so an unchanged layer (scripts/package is
# reproducible: the same sources and versions give the same bytes) is found and reused, not published again.
LAYER_DESCRIPTION_PREFIX = "dwdiag dependencies sha256:"

# What the functions do with OSS (dwdiag.store), all of it under the results prefix:
# - PutObject to write, GetObject to read the previous run's `latest/` pointer, a run's part records and
#   the parts' findings; CopyObject (latest/report.html) needs GetObject on the source and PutObject on
#   the copy. HeadObject (Store.exists) is authorized as oss:GetObject.
# - DeleteObject: a pending alert once DingTalk accepted it, and the older alerts/pending.json once taken over.
# - ListObjects (ListObjectsV2, Store.list): a run's parts, history/runs/ for the report's trend,
#   alerts/pending/. A bucket-level action, so it is granted on the bucket and limited by the condition key
#   `oss:Prefix` to requests whose prefix lies under the results prefix, as OSS documents it: a statement's
#   Condition (https://www.alibabacloud.com/help/en/oss/user-guide/authorization-syntax-and-elements) and
#   the example that grants oss:ListObjects on `acs:oss:*:*:<bucket>` with `"StringLike": {"oss:Prefix":
#   [...]}` (https://www.alibabacloud.com/help/ja/doc-detail/142249.htm). See docs/evidence.md, "Platform notes".
STORE_ACTIONS = ("oss:DeleteObject", "oss:GetObject", "oss:ListObjects", "oss:PutObject")
BUCKET_ACTIONS = ("oss:ListObjects",)  # granted on the bucket, under the oss:Prefix condition
# Fan-out: a handler invokes its own function asynchronously, once per region or shard.
INVOKE_ACTIONS = ("fc:InvokeFunction",)
# Organization sweeps (DWDIAG_ACCOUNTS): the scanning account lists the Resource Directory's members
# (resourcemanager:ListAccounts, a list action) and assumes the member role in each. AssumeRole is granted
# only on roles of that name (`acs:ram::*:role/<member role>`, any account), never on "*": what the role
# can do is then decided by the member's own copy of it (deploy/member-role.yml), which trusts only the
# scanner's role. The other organization actions (ListAccounts) are granted on "*".
ASSUME_ACTIONS = ("sts:AssumeRole",)
# deploy/member-role.yml, the read-only role an organization sweep assumes in each member account.
MEMBER_ROLE_TEMPLATE = "deploy/member-role.yml"
# The functions' role in the scanning account that `scripts/deploy role` creates (DEPLOY_ROLE_NAME), the
# member role's default ScannerRoleName.
SCANNER_ROLE = "dwdiag-fc"

# Async retries after the function itself failed (FC's default is 3). 2: the handlers never raise for a
# bad event (they answer an error), and failed API calls end as `error` findings inside the run, so
# what does raise is the infrastructure: OSS unreachable while storing, the instance dying. Those are
# worth another try, and a retry is safe: the run id comes from the timer event, so it overwrites the
# same run and the alert marker keeps DingTalk from hearing twice. Not 3, because a retried fan-out
# parent dispatches its shards again and a sweep that timed out spends its quota again.
MAX_ASYNC_RETRY_ATTEMPTS = 2
# A nightly event still queued after 12 hours is dropped rather than run next to the next night's.
MAX_ASYNC_EVENT_AGE_SECONDS = 43_200

# The watch (functions/watch/index.py, dwdiag.fc.watch): a fifth function beside the four categories'. Every
# 10 minutes it reads ActionTrail's write events since its cursor in the results bucket and re-checks the
# objects they name. It follows one account (DWDIAG_ACCOUNTS=self), never fans out or continues itself, so it
# has a short fixed timeout of its own rather than the FunctionTimeout of the sweeps' continuation.
WATCH = "watch"  # its folder under functions/, and what `functions()` maps its name to
WATCH_CRON = "0 */10 * * * *"  # 6-field UTC cron: second 0 of every 10th minute
WATCH_PERIOD_SECONDS = 600
WATCH_TIMEOUT_SECONDS = 300
# No async retry: a watch that failed is repeated by the next timer 10 minutes later, from the same cursor
# (it is written only at the end of a watch), so a retry would only do the next watch's work early and spend
# the quota share twice. An event queued longer than the period less the timeout is dropped: the watch it
# would start could still be running when the next timer's starts, and that one reads the same events.
WATCH_MAX_ASYNC_RETRY_ATTEMPTS = 0
WATCH_MAX_ASYNC_EVENT_AGE_SECONDS = WATCH_PERIOD_SECONDS - WATCH_TIMEOUT_SECONDS


def function_name(function: Category | str) -> str:
    """`dwdiag-computing-storage` for `computing_storage`, `dwdiag-watch` for the watch."""
    value = WATCH if function == WATCH else Category(function).value
    return f"{SERVICE_NAME}-{value.replace('_', '-')}"


def category_functions() -> dict[str, str]:
    """The four category functions: name -> category, in the catalog's order. These are the functions that
    fan out to themselves (fc:InvokeFunction)."""
    return {function_name(c): c.value for c in Category}


def functions() -> dict[str, str]:
    """Every function: name -> its folder under functions/ (the category, or `watch`), the categories first
    in the catalog's order, then the watch."""
    return {**category_functions(), function_name(WATCH): WATCH}


def package_zip(function: Category | str) -> str:
    """The code package scripts/package builds for a function, relative to the project root."""
    return f"{PACKAGE_DIR}/{function_name(function)}.zip"


def layer_description(zip_path: Path | str) -> str:
    """The description a published version of the layer carries: its zip's SHA-256."""
    return LAYER_DESCRIPTION_PREFIX + hashlib.sha256(Path(zip_path).read_bytes()).hexdigest()


def _json_values(text: str) -> list[Any]:
    """The JSON documents in a tool's output (`s ... -o json` may print other lines around its document)."""
    decoder, found, i = json.JSONDecoder(), [], 0
    while i < len(text):
        if text[i] in "{[":
            try:
                value, end = decoder.raw_decode(text, i)
            except ValueError:
                i += 1
                continue
            found.append(value)
            i = end
        else:
            i += 1
    return found


def layer_arn_in(output: str, description: Optional[str] = None) -> Optional[str]:
    """The layer version ARN in the output of `s cli fc3 layer publish|versions -o json`: of the newest version
    whose description is `description` when one is given (None when no version has it), else of the newest
    version named. The output's shape beyond the `layerVersionArn`, `version` and `description` keys of each
    layer version is not relied on."""
    versions: list[dict[str, Any]] = []

    def walk(value: Any) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("layerVersionArn"), str):
                versions.append(value)
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)

    for document in _json_values(output):
        walk(document)
    if description is not None:
        versions = [v for v in versions if v.get("description") == description]
    versions = [v for v in versions if LAYER_ARN.fullmatch(v["layerVersionArn"])]
    if not versions:
        if description is None:
            plain = LAYER_ARN.findall(output)
            return plain[-1] if plain else None
        return None
    return max(versions, key=lambda v: int(v["layerVersionArn"].rsplit("/", 1)[1]))["layerVersionArn"]


def function_arn(name: str, edition: str = "fc2") -> str:
    if edition == "fc2":
        return f"acs:fc:*:*:services/{SERVICE_NAME}/functions/{name}"
    if edition == "fc3":
        return f"acs:fc:*:*:functions/{name}"
    raise ValueError(f"edition is fc2 or fc3, not {edition!r}")


def member_role_arn(member_role: str = DEFAULT_MEMBER_ROLE, account: str = "*") -> str:
    """`acs:ram::*:role/dwdiag-scanner`: the member role in any account (or in `account`)."""
    return f"acs:ram::{account}:role/{member_role}"


def organization_statements(member_role: str = DEFAULT_MEMBER_ROLE) -> list[dict[str, Any]]:
    """The scanning account's grants for organization sweeps: list the directory's members, and assume
    the member role (only that role name) in them."""
    listing = sorted(set(organization_actions()) - set(ASSUME_ACTIONS))
    assume = sorted(set(organization_actions()) & set(ASSUME_ACTIONS))
    return [
        {"Effect": "Allow", "Action": listing, "Resource": "*"},
        {"Effect": "Allow", "Action": assume, "Resource": [member_role_arn(member_role)]},
    ]


def policy_document(bucket: str, prefix: str, edition: str = "fc2",
                    member_role: str = DEFAULT_MEMBER_ROLE) -> dict[str, Any]:
    """The RAM policy of the functions' role: the collectors' read actions, the store, self-invocation,
    and the organization sweep's listing of members and AssumeRole on the member role.

    All five functions share the role. Self-invocation is granted on the four category functions only: the
    watch never invokes a function (its LookupEvents and OSS actions are among the grants above).

    `bucket`, `prefix` and `member_role` may be deploy-time placeholders (`${OssBucket}` in template.yml's
    `!Sub`).
    """
    return {
        "Version": "1",
        "Statement": [
            {"Effect": "Allow", "Action": read_actions(), "Resource": "*"},
            {"Effect": "Allow", "Action": sorted(set(STORE_ACTIONS) - set(BUCKET_ACTIONS)),
             "Resource": [f"acs:oss:*:*:{bucket}/{prefix}*"]},
            {"Effect": "Allow", "Action": sorted(BUCKET_ACTIONS), "Resource": [f"acs:oss:*:*:{bucket}"],
             "Condition": {"StringLike": {"oss:Prefix": [f"{prefix}*"]}}},
            {"Effect": "Allow", "Action": sorted(INVOKE_ACTIONS),
             "Resource": [function_arn(name, edition) for name in category_functions()]},
            *organization_statements(member_role),
        ],
    }


def remediation_policy_document() -> dict[str, Any]:
    """The remediation credentials' policy (`dwdiag fix apply`): exactly the writes of the automatable fixes,
    from the operation table. The fix's checks before and after read with the scanner's own credentials."""
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": remediation_actions(), "Resource": "*"}]}


def member_policy_document() -> dict[str, Any]:
    """The permission policy of the member role (deploy/member-role.yml): exactly the collectors' read
    actions, the same list the scanning account's policy grants for its own account. No write, no store,
    no organization action: a member session only reads."""
    return {"Version": "1", "Statement": [{"Effect": "Allow", "Action": read_actions(), "Resource": "*"}]}


def member_trust_policy(scanner_account: str, scanner_role: str, operator: str = "") -> dict[str, Any]:
    """The member role's trust policy: only the scanner's Function Compute service role
    (`acs:ram::<scanner account>:role/<scanner role>`), and `operator` (a RAM user's or role's ARN, for
    runs of `dwdiag` from a laptop) when given. Never a whole account (`:root`)."""
    principals = [member_role_arn(scanner_role, scanner_account)] + ([operator] if operator else [])
    return {"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "sts:AssumeRole", "Principal": {"RAM": principals}}]}


def granted_actions(policy: dict[str, Any]) -> set[str]:
    actions: set[str] = set()
    for statement in policy.get("Statement", []):
        if statement.get("Effect") != "Allow":
            continue
        value = statement.get("Action", [])
        actions.update([value] if isinstance(value, str) else value)
    return actions


def needed_actions() -> set[str]:
    return set(read_actions()) | set(STORE_ACTIONS) | set(INVOKE_ACTIONS) | set(organization_actions())


def action_mismatch(policy: dict[str, Any], needed: Optional[set[str]] = None) -> tuple[list[str], list[str]]:
    """(actions the code calls that the policy lacks, actions the policy grants that nobody calls)."""
    needed = needed_actions() if needed is None else needed
    granted = granted_actions(policy)
    return sorted(needed - granted), sorted(granted - needed)


# --- reading the templates: ROS short-form tags (!Ref, !Sub, ...) become their long form ---------------

def _yaml_loader() -> Any:
    import yaml

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: Any, suffix: str, node: Any) -> dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}

    Loader.add_multi_constructor("!", construct)
    return Loader


def load_yaml(path: Path | str) -> Any:
    """Parse template.yml or s.yaml; `!Ref X` reads as {"Ref": "X"}, `!Sub s` as {"Fn::Sub": s}."""
    import yaml

    with open(path, encoding="utf-8") as f:
        return yaml.load(f, Loader=_yaml_loader())  # noqa: S506 - a SafeLoader subclass


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.deploy_lib", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("policy", help="print the functions' RAM policy document as JSON (--member: the member "
                                      "role's policy and trust policy)")
    p.add_argument("--member", action="store_true",
                   help=f"the member role of {MEMBER_ROLE_TEMPLATE}: {{\"PolicyDocument\": its permission policy, "
                        "\"AssumeRolePolicyDocument\": its trust policy}")
    p.add_argument("--remediation", action="store_true",
                   help="the policy of the credentials `dwdiag fix apply` writes with (DWDIAG_REMEDIATION_*): the "
                        "writes of the fixes it may run, nothing else; never attach it to the functions' role")
    p.add_argument("--bucket", help="the results bucket (required without --member or --remediation)")
    p.add_argument("--prefix", default="")
    p.add_argument("--edition", choices=("fc2", "fc3"), default="fc2",
                   help="fc2: template.yml's service-based function ARNs; fc3: s.yaml's")
    p.add_argument("--member-role", default=DEFAULT_MEMBER_ROLE,
                   help="the role assumed in each member account (DWDIAG_MEMBER_ROLE)")
    p.add_argument("--scanner-account", default="<ScannerAccountId>",
                   help="--member: the scanning account's id, for the trust policy")
    p.add_argument("--scanner-role", default=SCANNER_ROLE,
                   help="--member: the functions' service role in the scanning account, for the trust policy")
    p.add_argument("--operator", default="",
                   help="--member: the ARN of a RAM user or role that may also assume the member role")
    sub.add_parser("functions", help="print each function's name and its folder under functions/ (the category, "
                                     "or watch), one per line")
    p = sub.add_parser("layer", help="the dependency layer: `describe` prints the description a published version "
                                     "of the layer zip carries (its SHA-256); `arn` reads the output of `s cli fc3 "
                                     "layer publish|versions -o json` on stdin and prints a layer version ARN")
    p.add_argument("action", choices=("describe", "arn"))
    p.add_argument("--zip", default=LAYER_ZIP, help=f"describe: the layer zip (default {LAYER_ZIP})")
    p.add_argument("--description", help="arn: only the version with this description (exit 1 when none has it)")
    args = parser.parse_args(argv)
    if args.command == "layer":
        if args.action == "describe":
            print(layer_description(args.zip))
            return 0
        arn = layer_arn_in(sys.stdin.read(), args.description)
        if arn is None:
            return 1
        print(arn)
        return 0
    if args.command == "policy" and args.remediation:
        json.dump(remediation_policy_document(), sys.stdout, indent=2)
        print()
    elif args.command == "policy" and args.member:
        # One JSON object labelled with the ALIYUN::RAM::Role properties the documents go in (jq .PolicyDocument).
        json.dump({"PolicyDocument": member_policy_document(),
                   "AssumeRolePolicyDocument": member_trust_policy(args.scanner_account, args.scanner_role,
                                                                   args.operator)},
                  sys.stdout, indent=2)
        print()
    elif args.command == "policy":
        if not args.bucket:
            parser.error("policy: --bucket is required (or --member for the member role's policy)")
        json.dump(policy_document(args.bucket, args.prefix, args.edition, args.member_role), sys.stdout, indent=2)
        print()
    else:
        for name, category in functions().items():
            print(name, category)
    return 0


if __name__ == "__main__":
    sys.exit(main())
