"""Wire errors: one class per error code, each knowing its HTTP status and body shape.

Codes, messages and statuses come from the POP gateway's public client-error table
(developer.aliyun.com/ask/278265, help.aliyun.com/document_detail/51132.html) and the
DataWorks error-code page; anything not stated there is marked UNCONFIRMED in the docstring.
"""
from __future__ import annotations

import json
import uuid
from typing import Any, Dict, Optional


def new_request_id() -> str:
    return str(uuid.uuid4()).upper()


class EmulatorError(Exception):
    """An answer that the real service gives as an HTTP error."""

    code = "InternalError"
    status = 500
    message = "The request processing has failed due to some unknown error."

    def __init__(self, message: Optional[str] = None, *, status: Optional[int] = None,
                 code: Optional[str] = None, headers: Optional[Dict[str, str]] = None,
                 extra: Optional[Dict[str, Any]] = None):
        self.code = code or self.code
        self.status = status or self.status
        self.message = message or self.message
        self.headers = dict(headers or {})
        self.extra = dict(extra or {})
        super().__init__(f"{self.status} {self.code}: {self.message}")

    def body(self, request_id: str, host: str) -> Dict[str, Any]:
        """The POP gateway shape the SDK parses (RequestId/Code/Message + HostId/Recommend)."""
        body = {"RequestId": request_id, "HostId": host, "Code": self.code,
                "Message": self.message,
                "Recommend": f"https://api.aliyun.com/troubleshoot?q={self.code}"}
        body.update(self.extra)
        return body

    def render(self, request_id: str, host: str) -> bytes:
        return json.dumps(self.body(request_id, host)).encode("utf-8")


class MaxComputeError(EmulatorError):
    """MaxCompute's own shape: requestId/httpCode/errorCode/errorMsg (the SDK's e.code is 'None')."""

    def body(self, request_id: str, host: str) -> Dict[str, Any]:
        body = {"requestId": request_id, "httpCode": self.status,
                "errorCode": self.code, "errorMsg": self.message}
        body.update(self.extra)
        return body


# --- routing -------------------------------------------------------------------------------

class InvalidActionNotFound(EmulatorError):
    code, status = "InvalidAction.NotFound", 404
    message = "Specified api is not found, please check your url and method."


class InvalidVersion(EmulatorError):
    code, status = "InvalidVersion", 400
    message = "Specified parameter Version is not valid."


class MissingParameter(EmulatorError):
    code, status = "MissingParameter", 400

    def __init__(self, name: str):
        super().__init__(f"The input parameter \"{name}\" that is mandatory for processing "
                         "this request is not supplied.")


class InvalidParameter(EmulatorError):
    code, status = "InvalidParameter", 400

    def __init__(self, name: str, detail: str = ""):
        text = f"The specified parameter \"{name}\" is not valid."
        super().__init__(f"{text} {detail}".strip())


# --- authentication (codes confirmed; InvalidSecurityToken.* statuses UNCONFIRMED, 400 assumed)

class IncompleteSignature(EmulatorError):
    code, status = "IncompleteSignature", 400
    message = "The request signature does not conform to Aliyun standards."


class SignatureDoesNotMatch(EmulatorError):
    code, status = "SignatureDoesNotMatch", 400
    message = "Specified signature is not matched with our calculation."


class InvalidAccessKeyIdNotFound(EmulatorError):
    code, status = "InvalidAccessKeyId.NotFound", 404
    message = "Specified access key is not found."


class InvalidAccessKeyIdInactive(EmulatorError):
    code, status = "InvalidAccessKeyId.Inactive", 400
    message = "Specified access key is disabled."


class InvalidTimeStampExpired(EmulatorError):
    code, status = "InvalidTimeStamp.Expired", 400
    message = "Specified time stamp or date value is expired."


class MissingSecurityToken(EmulatorError):
    code, status = "MissingSecurityToken", 400
    message = "SecurityToken is mandatory for this action."


class InvalidSecurityTokenMalformed(EmulatorError):
    code, status = "InvalidSecurityToken.Malformed", 400
    message = "Specified SecurityToken is malformed."


class InvalidSecurityTokenExpired(EmulatorError):
    code, status = "InvalidSecurityToken.Expired", 400
    message = "Specified SecurityToken is expired."


class InvalidSecurityTokenMismatch(EmulatorError):
    code, status = "InvalidSecurityToken.MismatchWithAccessKey", 400
    message = "Specified SecurityToken mismatch with the AccessKey."


# --- quotas and permissions (DataWorks error-code page; Throttling.User 400 on the POP table) --

class ThrottlingUser(EmulatorError):
    code, status = "Throttling.User", 429
    message = "Request was denied due to user flow control."


class ThrottlingApiRisk(EmulatorError):
    code, status = "Throttling.Api.Risk", 429
    message = "The request exceeded your daily available limit."


class ForbiddenAccess(EmulatorError):
    code, status = "Forbidden.Access", 403
    message = "Access is forbidden. Please first activate DataWorks service or check permissions."


class ServiceUnavailable(EmulatorError):
    code, status = "ServiceUnavailable", 503
    message = "The request has failed due to a temporary failure of the server."


# --- resource lookups (codes UNCONFIRMED except RAM EntityNotExist.User and ActionTrail's) ------

class DataWorksNotFound(EmulatorError):
    """DataWorks' code for a missing object is UNCONFIRMED."""

    code, status = "Invalid.Resource.NotFound", 404


class EntityNotExistUser(EmulatorError):
    code, status = "EntityNotExist.User", 404

    def __init__(self, name: str):
        super().__init__(f"The user does not exist: {name}.")


class EntityNotExistLoginProfile(EmulatorError):
    """RAM GetLoginProfile's 404 for a user without console logon (AlibabaCloudDocs/ram, GetLoginProfile,
    error table); that DeleteLoginProfile, UpdateLoginProfile and IMS answer the same is UNCONFIRMED."""

    code, status = "EntityNotExist.User.LoginProfile", 404
    message = "The user login profile does not exist."


class TrailNotFound(EmulatorError):
    """ActionTrail's code for an unknown trail: 404 TrailNotFoundException "The specified Trail does
    not exist." (the StartLogging error table, alibabacloud.com/help/en/actiontrail/developer-reference/
    api-tracking-related-apis-startlogging; the GetTrailStatus page lists no error codes, so that
    GetTrailStatus answers the same is UNCONFIRMED)."""

    code, status = "TrailNotFoundException", 404
    message = "The specified Trail does not exist."


class InvalidNextToken(EmulatorError):
    """A page token that does not belong to these request parameters (code UNCONFIRMED)."""

    code, status = "InvalidNextToken", 400
    message = "The specified NextToken is not valid for this request."


class MaxComputeNoSuchProject(MaxComputeError):
    """MaxCompute's code for a missing project (UNCONFIRMED)."""

    code, status = "NoSuchObject", 404
    message = "The specified project does not exist."


# --- STS AssumeRole (the AssumeRole API reference's error table; the root-account and trust messages
# from "STS common errors", help doc 42775) and Resource Directory ListAccounts ------------------

class InvalidParameterRoleArn(EmulatorError):
    code, status = "InvalidParameter.RoleArn", 400
    message = "The parameter RoleArn is wrongly formed."


class InvalidParameterRoleSessionName(EmulatorError):
    code, status = "InvalidParameter.RoleSessionName", 400
    message = "The parameter RoleSessionName is wrongly formed."


class InvalidParameterDurationSeconds(EmulatorError):
    code, status = "InvalidParameter.DurationSeconds", 400
    message = "The Min/Max value of DurationSeconds is 15min/1hr."


class NoPermission(EmulatorError):
    """403 NoPermission (AssumeRole error table). The root-account and does-not-trust messages are
    doc 42775's; that they come with 403 like the table's row is UNCONFIRMED."""

    code, status = "NoPermission", 403
    message = "You are not authorized to do this action. You should be authorized by RAM."


ROOT_MAY_NOT_ASSUME = "Roles may not be assumed by root accounts."
ROLE_DOES_NOT_TRUST = ("No permission perform sts:AssumeRole on this Role. Maybe you are not authorized "
                       "to perform sts:AssumeRole or the specified role does not trust you")


class EntityNotExistRole(EmulatorError):
    code, status = "EntityNotExist.Role", 404
    message = "The specified Role not exists."


class EntityNotExistsResourceDirectory(EmulatorError):
    """ListAccounts' documented 404. Also served to a member account (not the management account)
    calling ListAccounts, which the page does not cover (UNCONFIRMED)."""

    code, status = "EntityNotExists.ResourceDirectory", 404
    message = ("The resource directory for the account is not enabled. We recommend that you first "
               "enable the resource directory for the account.")
