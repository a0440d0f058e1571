"""A local Function Compute 2.0 runtime: InvokeFunction for the functions of template.yml, each
invocation run in its own process from a code directory, with FC's event bytes, context, environment,
Timeout and asynchronous retries (docs/evidence.md, "The emulator").

    fc = FcRuntime(emulator, code="source", time_scale=0.01)
    with emulator.running(), fc.running() as url:
        fc2.Client(endpoint=url, ...).invoke_function("dwdiag", "dwdiag-platform-config", payload=...)
        fc.drain()
"""
from .code import CodeDir, package, source
from .process import EXITED, ERROR, KILLED, SUCCEEDED, TIMEOUT
from .runtime import EXPIRED, FcRuntime, Invocation, RoleCredentials
from .template import AsyncConfig, FunctionSpec, TemplateError, load_template

__all__ = ["AsyncConfig", "CodeDir", "ERROR", "EXITED", "EXPIRED", "FcRuntime", "FunctionSpec", "Invocation",
           "KILLED", "RoleCredentials", "SUCCEEDED", "TIMEOUT", "TemplateError", "load_template", "package",
           "source"]
