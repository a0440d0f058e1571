"""A local emulator of the Alibaba Cloud APIs that dwdiag reads (DataWorks, MaxCompute,
ActionTrail, RAM, STS), served over HTTP to the unchanged official SDKs, and a local Function Compute
2.0 runtime for the functions of template.yml (`dwdiag_emulator.fc`).

The diagnostics library never imports this package.
"""
from .controls import RequestRecord
from .fc import FcRuntime
from .server import Emulator
from .world import Fault, Quota, World, WorldError, load_world

__all__ = ["Emulator", "FcRuntime", "Fault", "Quota", "RequestRecord", "World", "WorldError", "load_world"]
