"""The functions of a template.yml (ROS `Aliyun::Serverless-2018-04-03`): names, handler, timeout,
memory, environment and AsyncConfiguration, with `!Ref`/`!Sub` resolved from given parameters.

The template format (a function is a child key of its `Aliyun::Serverless::Service`; `Handler`,
`Timeout`, `MemorySize`, `EnvironmentVariables`, `AsyncConfiguration`) is Funcraft's spec
`docs/specs/2018-04-03.md` (alibaba/funcraft), as summarised in shared/reference/platform.md 1.2.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Union

import yaml

SERVICE_TYPE = "Aliyun::Serverless::Service"
FUNCTION_TYPE = "Aliyun::Serverless::Function"
# FC's defaults where a template says nothing: Timeout 3 s (Funcraft's spec), 128 MB, and async
# retries 3 times (retry-policy page); events live 86400 s (PutAsyncInvokeConfigInput's default).
DEFAULT_TIMEOUT_S = 3
DEFAULT_MEMORY_MB = 128
DEFAULT_ASYNC_RETRIES = 3
DEFAULT_EVENT_AGE_S = 86400


class TemplateError(ValueError):
    """A template the runtime cannot read; the message names the resource and property."""


@dataclass(frozen=True)
class AsyncConfig:
    max_retry_attempts: int = DEFAULT_ASYNC_RETRIES
    max_event_age_s: float = DEFAULT_EVENT_AGE_S


@dataclass(frozen=True)
class FunctionSpec:
    service: str
    name: str
    handler: str = "index.handler"
    runtime: str = "python3.10"
    timeout_s: float = DEFAULT_TIMEOUT_S
    memory_mb: int = DEFAULT_MEMORY_MB
    environment: Dict[str, str] = field(default_factory=dict)
    async_config: AsyncConfig = field(default_factory=AsyncConfig)
    code_uri: str = ""

    @property
    def module(self) -> str:
        return self.handler.rpartition(".")[0]

    @property
    def entry(self) -> str:
        return self.handler.rpartition(".")[2]


def _loader() -> Any:
    """SafeLoader with ROS short-form tags read as their long form: `!Ref X` -> {"Ref": "X"}."""

    class Loader(yaml.SafeLoader):
        pass

    def construct(loader: Any, suffix: str, node: Any) -> Dict[str, Any]:
        if isinstance(node, yaml.ScalarNode):
            value: Any = loader.construct_scalar(node)
        elif isinstance(node, yaml.SequenceNode):
            value = loader.construct_sequence(node, deep=True)
        else:
            value = loader.construct_mapping(node, deep=True)
        return {"Ref" if suffix == "Ref" else f"Fn::{suffix}": value}

    Loader.add_multi_constructor("!", construct)
    return Loader


def load_template(source: Union[str, Path, Mapping[str, Any]],
                  parameters: Optional[Mapping[str, Optional[str]]] = None) -> Dict[str, FunctionSpec]:
    """Function name -> spec. A parameter with no value given and no Default leaves the environment
    variables that refer to it unset (as a test config that has no DingTalk robot)."""
    if isinstance(source, Mapping):
        doc: Any = source
    else:
        with open(source, encoding="utf-8") as f:
            doc = yaml.load(f, Loader=_loader())  # noqa: S506 - a SafeLoader subclass
    if not isinstance(doc, dict) or not isinstance(doc.get("Resources"), dict):
        raise TemplateError("the template has no Resources")
    values = {name: str(p["Default"]) for name, p in (doc.get("Parameters") or {}).items()
              if isinstance(p, dict) and p.get("Default") is not None}
    values.update({k: str(v) for k, v in (parameters or {}).items() if v is not None})
    functions: Dict[str, FunctionSpec] = {}
    for service, resource in doc["Resources"].items():
        if not isinstance(resource, dict) or resource.get("Type") != SERVICE_TYPE:
            continue
        for name, child in resource.items():
            if isinstance(child, dict) and child.get("Type") == FUNCTION_TYPE:
                functions[name] = _function(service, name, child.get("Properties") or {}, values)
    if not functions:
        raise TemplateError(f"the template has no {FUNCTION_TYPE} under an {SERVICE_TYPE}")
    return functions


def _function(service: str, name: str, props: Dict[str, Any], values: Dict[str, str]) -> FunctionSpec:
    where = f"{service}/{name}"
    environment: Dict[str, str] = {}
    for key, raw in (props.get("EnvironmentVariables") or {}).items():
        value = _resolve(raw, values, f"{where} EnvironmentVariables.{key}")
        if value is not None:
            environment[key] = value
    config = props.get("AsyncConfiguration") or {}
    timeout = _resolve(props.get("Timeout", DEFAULT_TIMEOUT_S), values, f"{where} Timeout")
    try:
        return FunctionSpec(
            service=service, name=name, handler=str(props.get("Handler") or "index.handler"),
            runtime=str(props.get("Runtime") or "python3.10"),
            timeout_s=float(timeout if timeout is not None else DEFAULT_TIMEOUT_S),
            memory_mb=int(props.get("MemorySize", DEFAULT_MEMORY_MB)), environment=environment,
            async_config=AsyncConfig(
                max_retry_attempts=int(config.get("MaxAsyncRetryAttempts", DEFAULT_ASYNC_RETRIES)),
                max_event_age_s=float(config.get("MaxAsyncEventAgeInSeconds", DEFAULT_EVENT_AGE_S))),
            code_uri=str(props.get("CodeUri") or ""))
    except (TypeError, ValueError) as exc:
        raise TemplateError(f"{where}: {exc}") from None


def _resolve(raw: Any, values: Dict[str, str], where: str) -> Optional[str]:
    """A literal, `!Ref Param` or `!Sub '...${Param}...'`; None when a parameter has no value."""
    if isinstance(raw, dict) and set(raw) == {"Ref"}:
        return values.get(str(raw["Ref"]))
    if isinstance(raw, dict) and set(raw) == {"Fn::Sub"}:
        missing = []

        def sub(match: "re.Match[str]") -> str:
            if match.group(1) not in values:
                missing.append(match.group(1))
            return values.get(match.group(1), "")

        text = re.sub(r"\$\{([^}]+)\}", sub, str(raw["Fn::Sub"]))
        return None if missing else text
    if isinstance(raw, (dict, list)):
        raise TemplateError(f"{where}: only literals, !Ref and !Sub are understood")
    if isinstance(raw, bool):
        return "true" if raw else "false"
    return str(raw)
