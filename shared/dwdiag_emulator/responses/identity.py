"""RAM 2015-05-01 (ListUsers, GetUser) and STS 2015-04-01 (GetCallerIdentity): global."""
from __future__ import annotations

from typing import Any, Dict

from ..exceptions import EntityNotExistUser
from ..protocol import get_int, get_str
from .base import Call, dump_all, page_by_token


def list_users(call: Call) -> Dict[str, Any]:
    """Marker/MaxItems (1-1000, default 100) with IsTruncated. A listed user has no LastLoginDate
    (ListUsersResponseBodyUsersUser: Comments, CreateDate, DisplayName, Email, MobilePhone,
    UpdateDate, UserId, UserName)."""
    size = min(max(get_int(call.params, "MaxItems", 100), 1), 1000)
    page, marker = page_by_token(call.backend.ram_users, get_str(call.params, "Marker") or "",
                                 size, {"op": "ListUsers"})
    users = dump_all(page, exclude={"LastLoginDate"})
    body: Dict[str, Any] = {"RequestId": call.request_id, "IsTruncated": bool(marker),
                            "Users": {"User": users}}
    if marker:
        body["Marker"] = marker
    return body


def get_user(call: Call) -> Dict[str, Any]:
    """LastLoginDate: "The last time the user logged on with a password", UTC (GetUser docs).

    A user who never logged on with a password (a world user without LastLoginDate) gets "".
    The GetUser page does not say "" or absent (UNCONFIRMED); the RAM user record of a user just
    created, in the documented CreateUser event (ActionTrail IMS events, doc 28824), shows
    "LastLoginDate": "", so the emulator serves that."""
    name = get_str(call.params, "UserName", required=True)
    user = call.backend.ram_by_name.get(name)
    if user is None:
        raise EntityNotExistUser(name)
    return {"RequestId": call.request_id, "User": {**user.wire(), "LastLoginDate": user.LastLoginDate or ""}}


def get_caller_identity(call: Call) -> Dict[str, Any]:
    key = call.backend.keys.get(call.access_key_id)
    ident = key.identity.wire() if key else {}
    ident.setdefault("AccountId", call.backend.world.account_id)
    return {"RequestId": call.request_id, **ident}


ROUTES = {
    ("2015-05-01", "ListUsers"): list_users,
    ("2015-05-01", "GetUser"): get_user,
    ("2015-04-01", "GetCallerIdentity"): get_caller_identity,
}
