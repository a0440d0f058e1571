"""The client layer: boto3-style clients over the official Alibaba Cloud SDKs."""

from dwdiag.clients.credentials import Credentials
from dwdiag.clients.errors import ClientError
from dwdiag.clients.session import CallStats, Session

__all__ = ["CallStats", "ClientError", "Credentials", "Session"]
