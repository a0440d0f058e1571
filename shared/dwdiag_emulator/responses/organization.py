"""STS 2015-04-01 AssumeRole into an organization's member accounts, and ResourceDirectoryMaster
2022-04-19 ListAccounts (global, endpoint resourcedirectory.aliyuncs.com). Sources in docs/evidence.md,
"Emulated organization"."""
from __future__ import annotations

import hashlib
import re
import secrets
import string
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List, Optional, Tuple

from ..backend import format_time
from ..exceptions import (ROLE_DOES_NOT_TRUST, ROOT_MAY_NOT_ASSUME, EntityNotExistRole,
                          EntityNotExistsResourceDirectory, InvalidParameter,
                          InvalidParameterDurationSeconds, InvalidParameterRoleArn,
                          InvalidParameterRoleSessionName, NoPermission)
from ..protocol import get_bool, get_int, get_repeated, get_str
from ..world import Identity, MemberRole, OrgMember, StsToken
from .base import Call, page_by_number, page_by_token

ROLE_ARN = re.compile(r"^acs:ram::(\d+):role/([^/]+)$")
# 2 to 64 letters, digits and . @ - _ (the AssumeRole reference as the 2015-04-01 SDK model carries it;
# older copies of the page and doc 42775 say 2 to 32)
SESSION_NAME = re.compile(r"^[A-Za-z0-9.@\-_]{2,64}$")
MIN_DURATION, DEFAULT_DURATION = 900, 3600
_ALNUM = string.ascii_letters + string.digits


def _random(n: int) -> str:
    return "".join(secrets.choice(_ALNUM) for _ in range(n))


def _caller(call: Call) -> Dict[str, Any]:
    key = call.backend.keys.get(call.access_key_id)
    ident = key.identity.wire() if key else {}
    ident.setdefault("AccountId", call.backend.world.account_id)
    return ident


def _trusted(role: MemberRole, caller: Dict[str, Any], management: str) -> bool:
    """A trust-policy principal: an account (`<uid>` or `acs:ram::<uid>:root`) trusts every RAM identity
    of that account; an ARN trusts that user or role (an assumed-role session by its role's ARN)."""
    account, arn = caller.get("AccountId", ""), (caller.get("Arn") or "").lower()
    role_arn = ""
    match = re.match(r"^acs:ram::(\d+):assumed-role/([^/]+)/", arn)
    if match:
        role_arn = f"acs:ram::{match.group(1)}:role/{match.group(2)}"
    for principal in role.trusts or [management]:
        p = principal.lower()
        if p in (account, f"acs:ram::{account}:root") or p in (arn, role_arn):
            return True
    return False


def _role_id(account: str, name: str) -> str:
    digest = int(hashlib.sha256(f"{account}/{name.lower()}".encode()).hexdigest(), 16)
    return "3" + str(digest)[:16]


def _find_role(call: Call, account: str, name: str) -> Tuple[OrgMember, MemberRole]:
    directory = call.backend.directory
    member: Optional[OrgMember] = directory.member(account) if directory is not None else None
    role = member.role(name) if member is not None else None
    if member is None or role is None or account not in directory.tenants:
        raise EntityNotExistRole()
    return member, role


def assume_role(call: Call) -> Dict[str, Any]:
    """Checks in this order (the order itself is UNCONFIRMED): RoleArn and RoleSessionName formats,
    DurationSeconds >= 900, a root (Account) caller, the role's existence, its trust, DurationSeconds <=
    the role's MaxSessionDuration. The key issued is held by the member's tenant (tenants.Directory)."""
    arn = get_str(call.params, "RoleArn", required=True) or ""
    session = get_str(call.params, "RoleSessionName", required=True) or ""
    match = ROLE_ARN.match(arn)
    if not match:
        raise InvalidParameterRoleArn()
    if not SESSION_NAME.match(session):
        raise InvalidParameterRoleSessionName()
    duration = get_int(call.params, "DurationSeconds", DEFAULT_DURATION) or 0
    if duration < MIN_DURATION:
        raise InvalidParameterDurationSeconds()
    caller = _caller(call)
    if caller.get("IdentityType") == "Account":
        raise NoPermission(ROOT_MAY_NOT_ASSUME)
    account, name = match.group(1), match.group(2)
    member, role = _find_role(call, account, name)
    management = call.backend.directory.world.account_id
    if role.deny or not _trusted(role, caller, management):
        raise NoPermission(ROLE_DOES_NOT_TRUST)
    if duration > role.max_session_duration:
        raise InvalidParameterDurationSeconds()
    role_name = member.role_name(name)
    role_id = role.RoleId or _role_id(account, role_name)
    expires = format_time(datetime.now(timezone.utc) + timedelta(seconds=duration))
    token = StsToken(
        AccessKeyId="STS.NT" + _random(24), AccessKeySecret=_random(44),
        SecurityToken="CAIS" + _random(120), Expiration=expires,
        identity=Identity(AccountId=account, IdentityType="AssumedRoleUser", RoleId=role_id,
                          PrincipalId=f"{role_id}:{session}", UserId=f"{role_id}:{session}",
                          Arn=f"acs:ram::{account}:assumed-role/{role_name}/{session}"))
    call.backend.directory.issue(account, token)
    return {"RequestId": call.request_id,
            "AssumedRoleUser": {"Arn": f"acs:ram::{account}:role/{role_name}/{session}",
                                "AssumedRoleId": f"{role_id}:{session}"},
            "Credentials": {"AccessKeyId": token.AccessKeyId, "AccessKeySecret": token.AccessKeySecret,
                            "SecurityToken": token.SecurityToken, "Expiration": expires}}


def _matches(member: OrgMember, keyword: str, tags: List[Dict[str, str]]) -> bool:
    if keyword:
        fields = (member.DisplayName, member.AccountName or "", member.AccountId)
        if not any(keyword.lower() in f.lower() for f in fields):
            return False
    have = {t.Key: t.Value for t in member.tags}
    return all(t.get("Key") in have and (t.get("Value") in (None, "") or have[t["Key"]] == t["Value"])
               for t in tags)


def list_accounts(call: Call) -> Dict[str, Any]:
    """Only the management account (any of its RAM identities) lists the members; another account
    gets EntityNotExists.ResourceDirectory. MaxResults or NextToken selects token paging (MaxResults
    1-100, default 10: "token-based paging is preferentially used"), else PageNumber/PageSize (1-100,
    default 10). QueryKeyword matches DisplayName, AccountName or AccountId, ignoring case."""
    directory = call.backend.directory
    org = directory.organization if directory is not None else None
    if org is None or call.backend is not directory.root.backend:
        raise EntityNotExistsResourceDirectory()
    keyword = get_str(call.params, "QueryKeyword") or ""
    tags = get_repeated(call.params, "Tag")
    with_tags = get_bool(call.params, "IncludeTags", False)
    members = [m for m in org.members if _matches(m, keyword, tags)]
    body: Dict[str, Any] = {"RequestId": call.request_id}
    if "MaxResults" in call.params or get_str(call.params, "NextToken"):
        size = get_int(call.params, "MaxResults", 10) or 0
        if size < 1:
            raise InvalidParameter("MaxResults", "It must be at least 1.")
        bound = {"op": "ListAccounts", "q": keyword, "t": tags, "i": with_tags}
        page, token = page_by_token(members, get_str(call.params, "NextToken") or "", min(size, 100), bound)
        body["TotalCount"] = len(members)
        if token:
            body["NextToken"] = token
    else:
        page, info = page_by_number(call, members, default_size=10, max_size=100)
        body.update(info)
    accounts = []
    for m in page:
        entry = m.wire()
        if with_tags:
            entry["Tags"] = {"Tag": [t.wire() for t in m.tags]}
        accounts.append(entry)
    body["Accounts"] = {"Account": accounts}
    return body


ROUTES = {
    ("2015-04-01", "AssumeRole"): assume_role,
    ("2022-04-19", "ListAccounts"): list_accounts,
}
