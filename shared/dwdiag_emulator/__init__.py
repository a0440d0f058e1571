"""A local emulator of the Alibaba Cloud APIs that dwdiag reads (DataWorks, MaxCompute,
ActionTrail, RAM, STS), served over HTTP to the unchanged official SDKs.

The diagnostics library never imports this package.
"""
from .controls import RequestRecord
from .server import Emulator
from .world import Fault, Quota, World, WorldError, load_world

__all__ = ["Emulator", "Fault", "Quota", "RequestRecord", "World", "WorldError", "load_world"]
