"""Signature checks: ACS3-HMAC-SHA256 (reference 9.2) and the legacy V1 HMAC-SHA1 query
signature, against the AccessKey pairs and STS tokens of the world."""
from __future__ import annotations

import base64
import hashlib
import hmac
from datetime import datetime, timezone
from typing import Dict, Optional, Tuple
from urllib.parse import quote, quote_plus

from .backend import Backend, parse_time
from .exceptions import (IncompleteSignature, InvalidAccessKeyIdInactive,
                         InvalidAccessKeyIdNotFound, InvalidSecurityTokenExpired,
                         InvalidSecurityTokenMalformed, InvalidSecurityTokenMismatch,
                         InvalidTimeStampExpired, MissingSecurityToken, SignatureDoesNotMatch)
from .protocol import ApiRequest
from .world import StsToken

ACS3 = "ACS3-HMAC-SHA256"


def authenticate(req: ApiRequest, backend: Backend) -> str:
    """Return the caller's AccessKeyId or raise the gateway's error for this request."""
    if "Signature" in req.query and "authorization" not in req.headers:
        return _check_v1(req, backend)
    ak, signed, signature = _parse_authorization(req.headers.get("authorization", ""))
    secret = _secret(backend, ak, req.headers.get("x-acs-security-token"))
    _check_clock(req.headers.get("x-acs-date"), backend)
    payload = hashlib.sha256(req.body).hexdigest()
    if req.headers.get("x-acs-content-sha256", payload) != payload:
        raise SignatureDoesNotMatch()
    expected = acs3_signature(req, signed, payload, secret)
    if not hmac.compare_digest(expected, signature):
        raise SignatureDoesNotMatch()
    return ak


def claimed_access_key(req: ApiRequest) -> str:
    """The AccessKeyId a request says it is signed with (before any check), to route it to the
    account holding that key."""
    if "Signature" in req.query and "authorization" not in req.headers:
        return req.params.get("AccessKeyId", "")
    scheme, _, rest = req.headers.get("authorization", "").partition(" ")
    for item in rest.split(","):
        key, _, val = item.strip().partition("=")
        if key == "Credential":
            return val
    return ""


def _parse_authorization(value: str) -> Tuple[str, list, str]:
    scheme, _, rest = value.partition(" ")
    if scheme != ACS3:
        raise IncompleteSignature()
    parts: Dict[str, str] = {}
    for item in rest.split(","):
        key, _, val = item.strip().partition("=")
        parts[key] = val
    if not all(parts.get(k) for k in ("Credential", "SignedHeaders", "Signature")):
        raise IncompleteSignature()
    return parts["Credential"], parts["SignedHeaders"].split(";"), parts["Signature"]


def _secret(backend: Backend, ak: str, token: Optional[str]) -> str:
    key = backend.keys.get(ak)
    if key is None:
        raise InvalidAccessKeyIdNotFound()
    if key.Status != "Active":
        raise InvalidAccessKeyIdInactive()
    if isinstance(key, StsToken):
        if not token:
            raise MissingSecurityToken()
        if token != key.SecurityToken:
            known = any(isinstance(k, StsToken) and k.SecurityToken == token
                        for k in backend.keys.values())
            raise InvalidSecurityTokenMismatch() if known else InvalidSecurityTokenMalformed()
        if key.Expiration and parse_time(key.Expiration) <= datetime.now(timezone.utc):
            raise InvalidSecurityTokenExpired()
    elif token:
        raise InvalidSecurityTokenMismatch()  # a token sent with a long-term key
    return key.AccessKeySecret


def _check_clock(stamp: Optional[str], backend: Backend) -> None:
    """x-acs-date must be within the gateway's window of the real clock."""
    if not stamp:
        raise IncompleteSignature()
    try:
        sent = parse_time(stamp)
    except ValueError:
        raise IncompleteSignature() from None
    skew = abs((datetime.now(timezone.utc) - sent).total_seconds())
    if skew > backend.world.auth.max_clock_skew_s:
        raise InvalidTimeStampExpired()


def acs3_signature(req: ApiRequest, signed: list, payload: str, secret: str) -> str:
    """Rebuild the canonical request exactly as alibabacloud_tea_openapi.utils does."""
    query = "&".join(f"{k}={quote(req.query[k], safe='~')}" for k in sorted(req.query))
    headers = "".join(f"{name}:{req.headers.get(name, '').strip()}\n" for name in signed)
    canonical = "\n".join([req.method, req.path or "/", query, headers, ";".join(signed), payload])
    to_sign = f"{ACS3}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    return hmac.new(secret.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


def _check_v1(req: ApiRequest, backend: Backend) -> str:
    """Legacy RPC signature: HMAC-SHA1 over the sorted query (and form) parameters."""
    params = {**req.form, **req.query}
    signature = params.pop("Signature")
    ak = params.get("AccessKeyId", "")
    secret = _secret(backend, ak, params.get("SecurityToken"))
    canon = "&".join(f"{quote(k, safe='~')}={quote(params[k], safe='~')}" for k in sorted(params))
    to_sign = f"{req.method}&%2F&{quote_plus(canon, safe='~')}"
    digest = hmac.new((secret + "&").encode(), to_sign.encode(), hashlib.sha1).digest()
    if not hmac.compare_digest(base64.b64encode(digest).decode(), signature):
        raise SignatureDoesNotMatch()
    return ak


__all__ = ["authenticate", "acs3_signature", "claimed_access_key"]
