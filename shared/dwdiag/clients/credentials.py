"""Where the API credentials come from: an explicit STS triple, FC's context, the environment, or the chain."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional


@dataclass(frozen=True)
class Credentials:
    access_key_id: str
    access_key_secret: str = field(repr=False)
    security_token: Optional[str] = field(default=None, repr=False)

    @classmethod
    def from_fc_context(cls, context: Any) -> Optional["Credentials"]:
        """Function Compute python3.10 passes the role's STS triple as `context.credentials`."""
        creds = getattr(context, "credentials", None)
        key_id = getattr(creds, "access_key_id", None) or getattr(creds, "accessKeyId", None)
        if not key_id:
            return None
        return cls(key_id, getattr(creds, "access_key_secret", None) or getattr(creds, "accessKeySecret", ""),
                   getattr(creds, "security_token", None) or getattr(creds, "securityToken", None))

    @classmethod
    def from_environment(cls, environ: Optional[Mapping[str, str]] = None) -> Optional["Credentials"]:
        env = os.environ if environ is None else environ
        key_id = env.get("ALIBABA_CLOUD_ACCESS_KEY_ID")
        if not key_id:
            return None
        return cls(key_id, env.get("ALIBABA_CLOUD_ACCESS_KEY_SECRET", ""),
                   env.get("ALIBABA_CLOUD_SECURITY_TOKEN") or None)

    def secrets(self) -> tuple[str, ...]:
        return tuple(s for s in (self.access_key_secret, self.security_token) if s)


def resolve(explicit: Optional[Credentials] = None) -> Optional[Credentials]:
    """Explicit, else the ALIBABA_CLOUD_* variables; None means the SDK's default credential chain."""
    return explicit or Credentials.from_environment()
