"""A local emulator of the Alibaba Cloud APIs that dwdiag reads (DataWorks, MaxCompute,
ActionTrail, RAM, STS), served over HTTP to the unchanged official SDKs, and a local Function Compute
2.0 runtime for the functions of template.yml (`dwdiag_emulator.fc`).

Run-time controls (server.Emulator, and HTTP under /_emulator/ on any region's port): faults, quotas,
the request log, STS token expiry, and
- world changes that leave ActionTrail write events (changes.py): `Emulator.change(kind, account=None,
  actor="ops-alice", **params)` / `POST /_emulator/changes {"kind", "account"?, "actor"?, ...params}`
  (answers the event; a bad kind, parameter or object is ValueError / 400). Kinds:
  add_workspace_member_role(workspace_id, user_id, role="role_project_admin", user_name=None),
  remove_workspace_member_role(workspace_id, user_id, role="role_project_admin"),
  set_project_protection(project, protected), stop_logging(name), start_logging(name),
  disable_console_logon(user_name). The write API handlers (StartLogging, StopLogging,
  UpdateProjectBasicMeta, the RAM/IMS login-profile writes) record theirs, by the calling key's identity;
  serviceNames are changes.SERVICE_NAMES;
- the service clock: `Emulator.advance(seconds)` / `POST /_emulator/clock {"advance": seconds}` moves every
  account's clock forward (answers {"now"}); `Emulator.now()` / `GET /_emulator/clock`. LookupEvents serves
  an event recorded at run time once the clock reaches its eventTime plus the world's
  `actiontrail_delivery_seconds` (default 0; ActionTrail documents up to 10 minutes).

The diagnostics library never imports this package.
"""
from .controls import RequestRecord
from .fc import FcRuntime
from .server import Emulator
from .world import Fault, Quota, World, WorldError, load_world

__all__ = ["Emulator", "FcRuntime", "Fault", "Quota", "RequestRecord", "World", "WorldError", "load_world"]
