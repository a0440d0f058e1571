"""A session in another account: STS AssumeRole into its role, renewed before it expires.

The scanning account's own session calls `AssumeRole` (through the client layer, so the endpoint
overrides, retries and redaction hold as for every call); the SDK clients of the member's session get
this object as their credentials provider (`alibabacloud_credentials`' `ICredentialsProvider`), and ask it
before every request. A long sweep renews the session `renew_before` seconds before it expires, so no
call goes out with an expired token. The credentials issued never leave this object but as the SDK's
request signature, and `secrets()` names them for redaction.
"""

from __future__ import annotations

import re
import threading
import time
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Optional

from alibabacloud_credentials_api import ICredentialsProvider  # the interface alone: no SDK behind it

from dwdiag.clients.errors import ClientError

if TYPE_CHECKING:
    from alibabacloud_credentials.provider.refreshable import Credentials as SdkCredentials

    from dwdiag.clients.session import Session

# RoleSessionName: letters, digits and . @ - _ ; 2 to 64 characters (STS AssumeRole, docs/evidence.md).
_SESSION_CHARS = re.compile(r"[^A-Za-z0-9.@\-_]")


def role_arn(account_id: str, role_name: str) -> str:
    return f"acs:ram::{account_id}:role/{role_name.lower()}"


def session_name(run_id: Optional[str]) -> str:
    """Says in the member's ActionTrail that the calls are dwdiag's, and of which run."""
    name = _SESSION_CHARS.sub("-", f"dwdiag-{run_id}" if run_id else "dwdiag")
    return name[:64]


class AssumedRole(ICredentialsProvider):
    """Credentials of the role `arn`, assumed by the scanning account's `session` and renewed as they age."""

    def __init__(self, session: "Session", arn: str, name: str, *, duration_seconds: int = 3600,
                 renew_before: int = 600, clock=time.time) -> None:
        self.session, self.arn, self.name = session, arn, name
        self.duration_seconds, self.renew_before = duration_seconds, renew_before
        self._clock = clock
        self._lock = threading.Lock()
        self._current: Optional[SdkCredentials] = None
        self._issued: list[str] = []  # every secret and token handed out, for redaction
        self.renewals = 0

    def get_credentials(self) -> SdkCredentials:
        with self._lock:
            if self._current is None or self._clock() >= self._current.get_expiration() - self.renew_before:
                self._current = self._assume()
            return self._current

    async def get_credentials_async(self) -> SdkCredentials:  # the SDK's async path; dwdiag calls synchronously
        return self.get_credentials()

    def get_provider_name(self) -> str:
        return "dwdiag_assumed_role"

    def check(self) -> None:
        """Assume the role now (raises ClientError naming the refusal), so a member that refuses is told
        apart before its sweep starts."""
        self.get_credentials()

    def secrets(self) -> tuple[str, ...]:
        return tuple(self._issued) + self.session.secrets()

    def _assume(self) -> SdkCredentials:
        # The credentials SDK (and the HTTP stacks under it) loads with the first role assumed, not with dwdiag.
        from alibabacloud_credentials.provider.refreshable import Credentials as SdkCredentials

        body = self.session.client("sts").assume_role(RoleArn=self.arn, RoleSessionName=self.name,
                                                      DurationSeconds=self.duration_seconds)
        creds = body.get("Credentials") or {}
        key_id, secret, token = (creds.get(k) for k in ("AccessKeyId", "AccessKeySecret", "SecurityToken"))
        expiration = _epoch(creds.get("Expiration"))
        if not (key_id and secret and token) or expiration is None:
            raise ClientError("sts", "AssumeRole", "MalformedResponse",
                              "the answer has no complete Credentials (AccessKeyId, AccessKeySecret, SecurityToken, "
                              "Expiration)", request_id=body.get("RequestId"))
        self._issued += [secret, token]
        if self._current is not None:
            self.renewals += 1
        return SdkCredentials(access_key_id=key_id, access_key_secret=secret, security_token=token,
                              expiration=expiration, provider_name=self.get_provider_name())


def _epoch(text: object) -> Optional[int]:
    if not isinstance(text, str):
        return None
    try:
        stamp = datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return None
    return int(stamp.replace(tzinfo=timezone.utc).timestamp())
