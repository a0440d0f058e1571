"""The local FC runtime's test helpers: a tiny function (its template and handler, written to a folder),
and an aliyun-fc2 client for a runtime."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

SERVICE = "svc"
# Timeout 2 s (scaled by each test), two async retries, events live 60 s; `stale` lets its events live 1 s.
# A test that expects no timeout keeps the timeout well above a process's start-up on a loaded machine.
TEMPLATE = """\
ROSTemplateFormatVersion: '2015-09-01'
Transform: 'Aliyun::Serverless-2018-04-03'
Parameters:
  Greeting: {Type: String, Default: hello}
  Secret: {Type: String, NoEcho: true}
Resources:
  svc:
    Type: 'Aliyun::Serverless::Service'
    tiny:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: index.handler
        Runtime: python3.10
        CodeUri: ./tiny
        Timeout: 2
        MemorySize: 256
        EnvironmentVariables:
          GREETING: !Ref Greeting
          GREETING_SUB: !Sub '${Greeting}, world'
          SECRET: !Ref Secret
          DWDIAG_DEADLINE_SECONDS: '100'
        AsyncConfiguration:
          MaxAsyncRetryAttempts: 2
          MaxAsyncEventAgeInSeconds: 60
    stale:
      Type: 'Aliyun::Serverless::Function'
      Properties:
        Handler: index.handler
        Runtime: python3.10
        CodeUri: ./tiny
        Timeout: 20
        AsyncConfiguration:
          MaxAsyncRetryAttempts: 2
          MaxAsyncEventAgeInSeconds: 1
"""

# What the handler does is read from its event: sleep, raise, exit, or answer with an error of its own;
# it always answers with what FC gave it.
HANDLER = '''\
import json
import os
import sys
import time


def handler(event, context):
    e = json.loads(event or b"{}")
    if e.get("sleep"):
        time.sleep(e["sleep"])
    if e.get("raise"):
        raise ValueError(e["raise"])
    if "exit" in e:
        os._exit(e["exit"])
    print("tiny handled", context.request_id)
    return json.dumps({
        "ok": not e.get("fail_softly"), "event_type": type(event).__name__, "event": e,
        "request_id": context.request_id, "region": context.region, "account_id": context.account_id,
        "credentials": vars(context.credentials), "function": vars(context.function),
        "service": vars(context.service),
        "env": {k: v for k, v in os.environ.items() if k.startswith(("FC_", "ALIBABA_CLOUD_", "DWDIAG_", "GREETING", "SECRET"))},
        "cwd": os.getcwd(), "path0": sys.path[0], "site_packages": any("site-packages" in p for p in sys.path)})
'''


def write_tiny(folder: Path) -> tuple[Path, Path]:
    """(template.yml, the code folder) of the tiny function."""
    code = folder / "tiny"
    code.mkdir(parents=True, exist_ok=True)
    (code / "index.py").write_text(HANDLER, encoding="utf-8")
    template = folder / "template.yml"
    template.write_text(TEMPLATE, encoding="utf-8")
    return template, code


def fc2_client(url: str, ak: str, secret: str, token: Optional[str] = None, timeout: float = 30) -> Any:
    import fc2

    return fc2.Client(endpoint=url, accessKeyID=ak, accessKeySecret=secret, securityToken=token or "", Timeout=timeout)


def payload(**event: Any) -> bytes:
    return json.dumps(event).encode()
