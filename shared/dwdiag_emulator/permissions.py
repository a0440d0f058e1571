"""Which RAM actions a world's AccessKey may call, and the answer a refused call gets.

A key without `allow` and without `read_only` may call everything (every world written before these
fields behaves as before). The RAM action of a call is `<RamCode>:<API>`: the RamCodes are the products'
"RAM authorization" pages (odps for MaxCompute, actiontrail, ram for RAM and IMS, dataworks, sts,
resourcemanager); docs/evidence.md, "Remediation operations (emulated)".
"""
from __future__ import annotations

from fnmatch import fnmatchcase
from typing import Optional

from .controls import CallInfo
from .exceptions import EmulatorError, ForbiddenAccess, MaxComputeError, NoPermission
from .world import AccessKey

RAM_CODES = {"maxcompute": "odps", "actiontrail": "actiontrail", "ram": "ram", "ims": "ram",
             "dataworks": "dataworks", "sts": "sts", "resourcedirectory": "resourcemanager"}

# The write operations the emulator serves (access level update/delete on their API pages).
WRITES = frozenset({
    ("maxcompute", "UpdateProjectBasicMeta"),
    ("actiontrail", "StartLogging"), ("actiontrail", "StopLogging"),
    ("ram", "UpdateLoginProfile"), ("ram", "DeleteLoginProfile"),
    ("ims", "UpdateLoginProfile"), ("ims", "DeleteLoginProfile"),
})

# Calls not checked here: GetCallerIdentity (the credential check before any sweep must work for every key;
# that it needs no RAM permission is UNCONFIRMED), and AssumeRole, which decides its own permission (trust
# policy) in responses/organization.py.
_UNCHECKED = frozenset({("sts", "GetCallerIdentity"), ("sts", "AssumeRole")})


def ram_action(info: CallInfo) -> str:
    return f"{RAM_CODES.get(info.product, info.product)}:{info.action}"


def is_write(info: CallInfo) -> bool:
    return (info.product, info.action) in WRITES


def allowed(key: Optional[AccessKey], info: CallInfo) -> bool:
    if key is None or (info.product, info.action) in _UNCHECKED:
        return True
    if key.read_only and is_write(info):
        return False
    if key.allow is None:
        return True
    action = ram_action(info).lower()
    return any(fnmatchcase(action, pattern.lower()) for pattern in key.allow)


def denied(info: CallInfo, key: AccessKey) -> EmulatorError:
    """The product's answer to a call its caller may not make.

    - MaxCompute: ODPS-0420095 "Access Denied - You have no privilege 'odps:<Action>' on
      {acs:odps:*:projects/<project>}" (the ODPS-0420095 error page); its HTTP status for the OpenAPI
      is UNCONFIRMED (403 here), in MaxCompute's own body shape.
    - DataWorks: 403 Forbidden.Access (its error-code page; the `forbidden` fault's answer).
    - RAM, IMS, ActionTrail and the rest: 403 NoPermission "You are not authorized to do this action.
      You should be authorized by RAM." (documented for STS AssumeRole; for these products the code is
      UNCONFIRMED), with the gateway's AccessDeniedDetail naming the action (as Forbidden.Access does).
    """
    action = ram_action(info)
    if info.product == "maxcompute":
        project = info.params.get("projectName") or "*"
        return MaxComputeError(f"Access Denied - You have no privilege '{action}' on "
                               f"{{acs:odps:*:projects/{project}}}", status=403, code="ODPS-0420095")
    detail = {"AccessDeniedDetail": {"AuthAction": action,
                                     "AuthPrincipalType": key.identity.IdentityType or "RAMUser",
                                     "PolicyType": "AccountLevelIdentityBasedPolicy",
                                     "NoPermissionType": "ImplicitDeny"}}
    if info.product == "dataworks":
        return ForbiddenAccess(extra=detail)
    return NoPermission(extra=detail)


def check(key: Optional[AccessKey], info: CallInfo) -> None:
    if key is not None and not allowed(key, info):
        raise denied(info, key)
