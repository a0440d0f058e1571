"""Route table: (x-acs-version, x-acs-action) -> handler, one module per product."""
from __future__ import annotations

from typing import Dict, Tuple

from . import actiontrail, dataworks, deployments, identity, maxcompute, organization
from .base import Call, Handler

ROUTES: Dict[Tuple[str, str], Handler] = {}
for _module in (dataworks, deployments, maxcompute, actiontrail, identity, organization):
    ROUTES.update(_module.ROUTES)

__all__ = ["ROUTES", "Call", "Handler"]
