"""RAM 2015-05-01 (ListUsers, GetUser; the login profile: GetLoginProfile, UpdateLoginProfile,
DeleteLoginProfile), IMS 2019-08-15 (GetLoginProfile, UpdateLoginProfile with Status, DeleteLoginProfile)
and STS 2015-04-01 (GetCallerIdentity): global. Each login-profile write is recorded as a write event
(serviceName Ram for RAM 2015-05-01, Ims for IMS 2019-08-15) in the home region (changes.py)."""
from __future__ import annotations

from typing import Any, Dict

from ..backend import format_time
from ..changes import record_call
from ..exceptions import EntityNotExistLoginProfile, EntityNotExistUser, InvalidParameter
from ..protocol import get_bool, get_int, get_str
from ..world import LoginProfile, RamUser
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


# --- console logon (login profiles) --------------------------------------------------------------

def _user(call: Call, name: str) -> RamUser:
    user = call.backend.ram_by_name.get(name)
    if user is None:
        raise EntityNotExistUser(name)
    return user


def _profile(user: RamUser) -> LoginProfile:
    if user.login_profile is None:
        raise EntityNotExistLoginProfile()
    return user.login_profile


def _update(call: Call, profile: LoginProfile) -> None:
    """PasswordResetRequired / MFABindRequired as sent; Password is accepted and never stored or logged."""
    for name in ("PasswordResetRequired", "MFABindRequired"):
        value = get_bool(call.params, name)
        if value is not None:
            setattr(profile, name, value)
    profile.UpdateDate = format_time(call.backend.now())


def _record(call: Call, user: RamUser, key: str, *extra: str) -> None:
    """The write's event: the user's name (RAM's UserName, IMS's UserPrincipalName as sent) and the flags
    sent; never Password."""
    params: Dict[str, Any] = {key: get_str(call.params, key) or user.UserName}
    params.update({k: call.params[k] for k in extra if get_str(call.params, k) is not None})
    record_call(call, request_parameters=params, resource_name=user.UserName, resource_type="ACS::RAM::User")


_FLAGS = ("PasswordResetRequired", "MFABindRequired")


def ram_get_login_profile(call: Call) -> Dict[str, Any]:
    """RAM 2015-05-01 GetLoginProfile(UserName): LoginProfile{UserName, CreateDate, PasswordResetRequired,
    MFABindRequired} (API reference; the version has no Status, so a profile disabled through IMS is served
    as it is, UNCONFIRMED). No profile: 404 EntityNotExist.User.LoginProfile."""
    user = _user(call, get_str(call.params, "UserName", required=True))
    profile = _profile(user)
    body: Dict[str, Any] = {"UserName": user.UserName, "PasswordResetRequired": profile.PasswordResetRequired,
                            "MFABindRequired": profile.MFABindRequired}
    created = profile.CreateDate or user.CreateDate
    if created:
        body["CreateDate"] = created
    return {"RequestId": call.request_id, "LoginProfile": body}


def ram_update_login_profile(call: Call) -> Dict[str, Any]:
    """RAM 2015-05-01 UpdateLoginProfile(UserName, Password, PasswordResetRequired, MFABindRequired):
    answers {RequestId}. This version has no Status parameter (API reference, SDK model), so it cannot
    disable console logon; a Status sent anyway is ignored (UNCONFIRMED)."""
    with call.backend.lock:
        user = _user(call, get_str(call.params, "UserName", required=True))
        _update(call, _profile(user))
        _record(call, user, "UserName", *_FLAGS)
    return {"RequestId": call.request_id}


def ram_delete_login_profile(call: Call) -> Dict[str, Any]:
    """RAM 2015-05-01 DeleteLoginProfile(UserName): the user's console logon is removed (GetLoginProfile
    then answers EntityNotExist.User.LoginProfile); GetUser's LastLoginDate is history and stays.
    A user without a profile: 404 EntityNotExist.User.LoginProfile (UNCONFIRMED for this operation)."""
    with call.backend.lock:
        user = _user(call, get_str(call.params, "UserName", required=True))
        _profile(user)
        user.login_profile = None
        _record(call, user, "UserName")
    return {"RequestId": call.request_id}


def _principal(call: Call) -> RamUser:
    """IMS names a user by UserPrincipalName, `<UserName>@<domain>` (`<AccountAlias>.onaliyun.com` or a
    domain alias). The emulator matches the part before the @ and does not check the domain (UNCONFIRMED)."""
    upn = get_str(call.params, "UserPrincipalName", required=True)
    name, at, domain = upn.partition("@")
    if not at or not name or not domain:
        raise InvalidParameter("UserPrincipalName", "It must be <name>@<domain>.")
    return _user(call, name)


def _ims_profile(call: Call, user: RamUser, profile: LoginProfile) -> Dict[str, Any]:
    upn = get_str(call.params, "UserPrincipalName") or ""
    body: Dict[str, Any] = {"UserPrincipalName": upn, "Status": profile.Status,
                            "PasswordResetRequired": profile.PasswordResetRequired,
                            "MFABindRequired": profile.MFABindRequired, "AutoDisableLoginStatus": "true"}
    updated = profile.UpdateDate or profile.CreateDate or user.UpdateDate or user.CreateDate
    if updated:
        body["UpdateDate"] = updated
    return body


def ims_get_login_profile(call: Call) -> Dict[str, Any]:
    """IMS 2019-08-15 GetLoginProfile(UserPrincipalName): LoginProfile{UserPrincipalName, Status (Active,
    Inactive), UpdateDate, LastLoginTime, PasswordResetRequired, MFABindRequired, AutoDisableLoginStatus}
    (API reference). LastLoginTime is the user's LastLoginDate, left out when it never logged on."""
    user = _principal(call)
    body = _ims_profile(call, user, _profile(user))
    if user.LastLoginDate:
        body["LastLoginTime"] = user.LastLoginDate
    return {"RequestId": call.request_id, "LoginProfile": body}


def ims_update_login_profile(call: Call) -> Dict[str, Any]:
    """IMS 2019-08-15 UpdateLoginProfile(UserPrincipalName, Password, PasswordResetRequired, MFABindRequired,
    Status): Status Inactive disables password logon to the console, Active enables it (API reference).
    Answers {RequestId, LoginProfile{...}}. Another Status value: 400 InvalidParameter (code UNCONFIRMED)."""
    status = get_str(call.params, "Status")
    if status is not None and status not in ("Active", "Inactive"):
        raise InvalidParameter("Status", "Valid values: Active, Inactive.")
    with call.backend.lock:
        user = _principal(call)
        profile = _profile(user)
        _update(call, profile)
        if status is not None:
            profile.Status = status  # type: ignore[assignment]
        body = _ims_profile(call, user, profile)
        _record(call, user, "UserPrincipalName", "Status", *_FLAGS)
    return {"RequestId": call.request_id, "LoginProfile": body}


def ims_delete_login_profile(call: Call) -> Dict[str, Any]:
    """IMS 2019-08-15 DeleteLoginProfile(UserPrincipalName): "Disables logon to the console" (API reference);
    modelled as RAM's DeleteLoginProfile (no profile afterwards)."""
    with call.backend.lock:
        user = _principal(call)
        _profile(user)
        user.login_profile = None
        _record(call, user, "UserPrincipalName")
    return {"RequestId": call.request_id}


def get_caller_identity(call: Call) -> Dict[str, Any]:
    key = call.backend.keys.get(call.access_key_id)
    ident = key.identity.wire() if key else {}
    ident.setdefault("AccountId", call.backend.world.account_id)
    return {"RequestId": call.request_id, **ident}


ROUTES = {
    ("2015-05-01", "ListUsers"): list_users,
    ("2015-05-01", "GetUser"): get_user,
    ("2015-05-01", "GetLoginProfile"): ram_get_login_profile,
    ("2015-05-01", "UpdateLoginProfile"): ram_update_login_profile,
    ("2015-05-01", "DeleteLoginProfile"): ram_delete_login_profile,
    ("2019-08-15", "GetLoginProfile"): ims_get_login_profile,
    ("2019-08-15", "UpdateLoginProfile"): ims_update_login_profile,
    ("2019-08-15", "DeleteLoginProfile"): ims_delete_login_profile,
    ("2015-04-01", "GetCallerIdentity"): get_caller_identity,
}
