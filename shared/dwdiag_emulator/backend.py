"""Backend state: the validated world plus lookup indexes. Changed only by the few write operations
(responses: UpdateProjectBasicMeta, StartLogging/StopLogging, the login-profile operations) and by the
run-time changes of changes.py (Emulator.change), each under `Backend.lock`, so a later read sees the
change; each also records its ActionTrail event in RegionState.events (changes.record_event).

Responses are rendered page by page from these objects; nothing is pre-rendered, so a large
world is held once.
"""
from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

from .objects import (ComputeEntry, ComputeGroup, DataSourceEntry, DataSourceGroup, Deployment,
                      DwFile, PipelineRun, Workspace)
from .world import AccessKey, Event, Region, World

Clock = Callable[[], datetime]


def parse_time(text: str) -> datetime:
    """ISO-8601 with a Z or offset; naive values are UTC."""
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def format_time(value: datetime) -> str:
    return value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class RegionState:
    def __init__(self, name: str, region: Region):
        self.name = name
        self.workspaces: List[Workspace] = region.dataworks.workspaces
        self.workspace_by_id = {ws.Id: ws for ws in self.workspaces}
        self.data_sources: Dict[int, Tuple[Workspace, DataSourceGroup, DataSourceEntry]] = {}
        self.compute: Dict[int, Tuple[Workspace, ComputeGroup, ComputeEntry]] = {}
        self.snapshots: Dict[Tuple[str, str], list] = defaultdict(list)
        self.files: Dict[Tuple[int, int], DwFile] = {}
        self.deployments: Dict[Tuple[int, int], Deployment] = {}
        self.runs: Dict[Tuple[int, str], PipelineRun] = {}
        for ws in self.workspaces:
            self._index_workspace(ws)
        self.mc_projects = region.maxcompute.projects
        self.mc_by_name = {p.name: p for p in self.mc_projects}
        self.trails = region.actiontrail.trails
        for trail in self.trails:
            trail.HomeRegion = trail.HomeRegion or name
            trail.Region = trail.Region or name
        # newest first, the default LookupEvents direction
        self.events: List[Tuple[datetime, Event]] = sorted(
            ((parse_time(e.eventTime), e) for e in region.actiontrail.events),
            key=lambda pair: pair[0], reverse=True)

    def _index_workspace(self, ws: Workspace) -> None:
        for group in ws.data_sources:
            for entry in group.DataSource:
                self.data_sources[entry.Id] = (ws, group, entry)
        for cgroup in ws.compute_resources:
            for centry in cgroup.ComputeResource:
                self.compute[centry.Id] = (ws, cgroup, centry)
        for snap in ws.snapshots:
            self.snapshots[(str(ws.Id), snap.ObjectId)].append(snap)
        self.files.update({(ws.Id, f.FileId): f for f in ws.files})
        self.deployments.update({(ws.Id, d.Id): d for d in ws.deployments})
        self.runs.update({(ws.Id, r.Id): r for r in ws.pipeline_runs})


class Backend:
    """One account's tenant. `extra_regions` are served empty (the regions other accounts of an
    organization have and this one does not); `directory` (tenants.Directory) is set when the
    emulator serves more than one account, for STS AssumeRole and ListAccounts."""

    def __init__(self, world: World, clock: Optional[Clock] = None, extra_regions: Sequence[str] = ()):
        self.world = world
        fixed = parse_time(world.now) if world.now else None
        self._clock = clock or (lambda: fixed or datetime.now(timezone.utc))
        self._offset = timedelta(0)  # moved forward by advance() (Emulator.advance)
        names = world.region_names()
        names += [r for r in extra_regions if r not in names]
        self.regions = {name: RegionState(name, world.regions.get(name, Region())) for name in names}
        self.directory: Any = None
        self.lock = threading.RLock()  # held by every write operation while it changes the world
        self.home_region = world.home_region()
        self.ram_users = world.ram_users
        self.ram_by_name = {u.UserName: u for u in self.ram_users}
        self.keys: Dict[str, AccessKey] = {k.AccessKeyId: k for k in world.credentials.access_keys}
        self.keys.update({t.AccessKeyId: t for t in world.credentials.sts_tokens})

    def now(self) -> datetime:
        """The service clock: the world's `now` when it has one (else real time), plus what advance()
        added. Time windows, event times and the times writes stamp read it; signature and STS-token
        expiry checks keep the real clock."""
        return self._clock() + self._offset

    def advance(self, seconds: float) -> None:
        """Move the service clock forward (never back)."""
        with self.lock:
            self._offset += timedelta(seconds=seconds)

    def region(self, name: Optional[str]) -> RegionState:
        return self.regions.get(name or self.home_region) or self.regions[self.home_region]
