"""The accounts an emulator serves: the world's own and, with an `organization`, each member's tenant.

Every account has its own Backend (regions, RAM users, keys) and its own Controls (quotas and their
buckets, faults, request log), since quotas are per account and region. A request is routed by the
AccessKeyId it is signed with: the account that holds the key serves it. STS AssumeRole issues keys
into the member's tenant, so a key issued for a member reads that member's data.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Dict, List, Optional, Tuple

from .backend import Backend, Clock, format_time
from .controls import Controls
from .world import OrgMember, StsToken, Trail, World


@dataclass
class Tenant:
    account_id: str
    world: World
    backend: Backend
    controls: Controls
    member: Optional[OrgMember] = None  # the ListAccounts entry; None for an account outside it


class Directory:
    def __init__(self, world: World, clock: Optional[Clock] = None):
        self.world = world
        self.organization = world.organization
        worlds: List[Tuple[World, Optional[OrgMember]]] = [(world, self._own_entry(world))]
        if self.organization is not None:
            worlds += [(m.tenant, m) for m in self.organization.members if m.tenant is not None]
        regions: List[str] = []
        for w, _ in worlds:
            regions += [r for r in w.region_names() if r not in regions]
        self.tenants: Dict[str, Tenant] = {}
        for w, member in worlds:
            backend = Backend(w, clock, extra_regions=regions)
            backend.directory = self
            self.tenants[w.account_id] = Tenant(w.account_id, w, backend,
                                                Controls(w.quotas, w.faults, w.log_limit), member)
        self.root = self.tenants[world.account_id]
        self._lock = threading.Lock()
        self._by_key: Dict[str, Tenant] = {}
        for tenant in self.tenants.values():
            self._by_key.update({ak: tenant for ak in tenant.backend.keys})
        self._issued: List[StsToken] = []

    def _own_entry(self, world: World) -> Optional[OrgMember]:
        org = world.organization
        return org.member(world.account_id) if org is not None else None

    # --- routing ------------------------------------------------------------------------------
    def by_key(self, access_key_id: str) -> Tenant:
        """The account holding the key; an unknown key goes to the world's own account, which then
        answers InvalidAccessKeyId.NotFound."""
        with self._lock:
            return self._by_key.get(access_key_id, self.root)

    def tenant(self, account_id: Optional[str] = None) -> Tenant:
        if account_id is None:
            return self.root
        try:
            return self.tenants[account_id]
        except KeyError:
            raise ValueError(f"no account {account_id} in this emulator "
                             f"(accounts: {', '.join(self.tenants)})") from None

    def all(self) -> List[Tenant]:
        return list(self.tenants.values())

    # --- the service clock ----------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Move every account's service clock (Backend.now) forward by the same amount."""
        for tenant in self.tenants.values():
            tenant.backend.advance(seconds)

    # --- ActionTrail ----------------------------------------------------------------------------
    def organization_trails(self, account_id: str, region: str) -> List[Trail]:
        """The multi-account trails whose home region is `region` that cover a member account: the
        management account's trails with IsOrganizationTrail true, the objects themselves, so a member
        reads the management trail's configuration and state. The management account (it lists them as
        its own trails) and an account outside the directory get none.

        That a member sees them at all is documented only for the console ("Member accounts can only be
        used to view multi-account trails", doc 162123); that DescribeTrails/GetTrailStatus called by a
        member answer with them, unchanged, is UNCONFIRMED (docs/evidence.md, Emulated organization)."""
        if self.organization is None or account_id == self.root.account_id or self.member(account_id) is None:
            return []
        state = self.root.backend.regions.get(region)
        return [t for t in state.trails if t.IsOrganizationTrail] if state is not None else []

    # --- STS ----------------------------------------------------------------------------------
    def member(self, account_id: str) -> Optional[OrgMember]:
        return self.organization.member(account_id) if self.organization is not None else None

    def issue(self, account_id: str, token: StsToken) -> None:
        """Make a token AssumeRole issued usable: held by the member's tenant, routed to it."""
        tenant = self.tenants[account_id]
        with self._lock:
            tenant.backend.keys[token.AccessKeyId] = token
            self._by_key[token.AccessKeyId] = tenant
            self._issued.append(token)

    def expire_issued(self) -> int:
        """Every token AssumeRole has issued expires now (by the wall clock, as the gateway checks)."""
        past = format_time(datetime.now(timezone.utc) - timedelta(seconds=1))
        with self._lock:
            for token in self._issued:
                token.Expiration = past
            return len(self._issued)

    def issued(self) -> List[StsToken]:
        with self._lock:
            return list(self._issued)
