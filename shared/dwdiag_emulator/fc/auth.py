"""FC 2.0's own signature (`Authorization: FC <AccessKeyId>:<signature>`) and STS token
(`x-fc-security-token`), checked against the world's AccessKey pairs and STS tokens.

Signature authentication (https://help.aliyun.com/en/functioncompute/fc-2-0/developer-reference/signature-authentication,
https://www.alibabacloud.com/help/doc-detail/53252.htm): base64(HMAC-SHA256(secret, METHOD "\n" CONTENT-MD5
"\n" CONTENT-TYPE "\n" DATE "\n" CanonicalizedFCHeaders CanonicalizedResource)); the x-fc-* headers
lowercased, sorted, `key:value\n` each; the resource is the unescaped path. A missing or invalid
Authorization is 403; DATE may differ from the server's clock by less than 15 minutes.
Error codes and messages: the FC error-code table (https://www.alibabacloud.com/help/doc-detail/154973.htm).
"""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from typing import Dict, Optional, Tuple
from urllib.parse import parse_qsl, unquote

from ..backend import Backend, parse_time
from ..world import StsToken
from .errors import FcError

MAX_SKEW_S = 15 * 60  # the world's auth.max_clock_skew_s, 900 unless it says otherwise
TOKEN_HEADER = "x-fc-security-token"


def authenticate(method: str, target: str, headers: Dict[str, str], backend: Backend,
                 now: Optional[datetime] = None) -> str:
    """The caller's AccessKeyId, or FcError as FC answers."""
    lower = {k.lower(): v for k, v in headers.items()}
    ak, signature = _parse(lower.get("authorization", ""))
    date = lower.get("date")
    if not date:
        raise FcError(400, "MissingRequiredHeader", "required HTTP header Date was not specified")
    _check_clock(date, now or datetime.now(timezone.utc), backend.world.auth.max_clock_skew_s)
    secret = _secret(backend, ak, lower.get(TOKEN_HEADER))
    expected = sign(method, target, lower, secret)
    if not hmac.compare_digest(expected, signature):
        raise FcError(403, "SignatureNotMatch", "The request signature we calculated does not match the "
                                                "signature you provided. Check your access key and signing method")
    return ak


def sign(method: str, target: str, lower_headers: Dict[str, str], secret: str) -> str:
    """The signature of a request, as fc2.auth.Auth.sign_request computes it."""
    path, _, query = target.partition("?")
    resource = unquote(path)
    if query:
        resource += "\n" + "\n".join(sorted(f"{k}={v}" for k, v in parse_qsl(query, keep_blank_values=True)))
    fc_headers = "".join(f"{k}:{lower_headers[k]}\n" for k in sorted(lower_headers) if k.startswith("x-fc-"))
    to_sign = "\n".join([method.upper(), lower_headers.get("content-md5", ""),
                         lower_headers.get("content-type", ""), lower_headers.get("date", ""),
                         fc_headers + resource])
    digest = hmac.new(secret.encode("utf-8"), to_sign.encode("utf-8"), hashlib.sha256).digest()
    return base64.b64encode(digest).decode("utf-8")


def _parse(value: str) -> Tuple[str, str]:
    scheme, _, rest = value.partition(" ")
    ak, _, signature = rest.partition(":")
    if scheme != "FC" or not ak or not signature:
        # 403 is documented for a missing or invalid Authorization; the code is UNCONFIRMED
        raise FcError(403, "SignatureNotMatch", "the Authorization header is missing or is not "
                                                "'FC <AccessKeyId>:<signature>'")
    return ak.strip(), signature.strip()


def _check_clock(date: str, now: datetime, max_skew_s: float = MAX_SKEW_S) -> None:
    try:
        sent = parsedate_to_datetime(date)
    except (TypeError, ValueError):
        raise FcError(400, "InvalidArgument", f"the Date header {date!r} is not an RFC 1123 GMT time") from None
    if sent.tzinfo is None:
        sent = sent.replace(tzinfo=timezone.utc)
    if abs((now - sent).total_seconds()) >= max_skew_s:
        # rejection is documented; the code and message are UNCONFIRMED
        raise FcError(403, "RequestTimeTooSkewed", "the difference between the request time and the "
                                                   "server's time is 15 minutes or more")


def _secret(backend: Backend, ak: str, token: Optional[str]) -> str:
    key = backend.keys.get(ak)
    if key is None or key.Status != "Active":
        raise FcError(403, "InvalidAccessKeyID", f"invalid access key ID '{ak}'")
    if isinstance(key, StsToken):
        # how FC words a missing, wrong or expired token is UNCONFIRMED; the stricter reading: 403
        if not token:
            raise FcError(403, "InvalidSecurityToken", "the AccessKeyId is temporary: the request needs "
                                                       f"the {TOKEN_HEADER} header")
        if token != key.SecurityToken:
            raise FcError(403, "InvalidSecurityToken", "the security token does not match the AccessKeyId")
        if key.Expiration and parse_time(key.Expiration) <= datetime.now(timezone.utc):
            raise FcError(403, "InvalidSecurityToken", "the security token has expired")
    elif token:
        raise FcError(403, "InvalidSecurityToken", "a security token was sent with a long-term AccessKeyId")
    return key.AccessKeySecret
