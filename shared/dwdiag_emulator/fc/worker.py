"""The process one invocation runs in: import the handler from the code directory, call it with the
event bytes and an FC context, write the answer. Standard library only, run as
`python -I -S -c <this file's text> <spec.json>`, so a code package is imported alone.

What FC's python3.10 runtime hands a handler (https://www.alibabacloud.com/help/doc-detail/158690.htm,
https://www.alibabacloud.com/help/doc-detail/422182.htm): the event as bytes, and a context with
request_id, credentials (access_key_id, access_key_secret, security_token), function (name, handler,
memory, timeout), service (name, log_project, log_store, qualifier, version_id), region, account_id.
An exception becomes {"errorMessage", "errorType", "stackTrace"} (Python error handling,
https://www.alibabacloud.com/help/en/functioncompute/fc/error-handling-1-1).
"""
import base64
import importlib
import json
import os
import resource
import sys
import traceback


class _Fields:
    def __init__(self, **fields):
        self.__dict__.update(fields)

    def __repr__(self):
        shown = {k: ("***" if "secret" in k or "token" in k else v) for k, v in self.__dict__.items()}
        return f"{type(self).__name__}({shown})"


class Credentials(_Fields):
    pass


class FunctionMeta(_Fields):
    pass


class ServiceMeta(_Fields):
    pass


class Tracing(_Fields):
    pass


class FCContext(_Fields):
    pass


def _context(spec):
    c = spec["context"]
    return FCContext(
        request_id=c["request_id"],
        credentials=Credentials(**c["credentials"]),
        function=FunctionMeta(**c["function"]),
        service=ServiceMeta(**c["service"]),
        region=c["region"], account_id=c["account_id"],
        tracing=Tracing(span_context=None, jaeger_endpoint=None, span_baggages={}, parent_span_id=None))


def _body(value):
    if isinstance(value, (bytes, bytearray)):
        return bytes(value)
    if value is None:
        return b""
    if isinstance(value, str):
        return value.encode("utf-8")
    return json.dumps(value).encode("utf-8")  # UNCONFIRMED: how FC serialises other return types


def _error(exc):
    frames = [[f'File "{f.filename}"', f"line {f.lineno}", f"in {f.name}", f.line or ""]
              for f in traceback.extract_tb(exc.__traceback__)]
    return {"errorMessage": str(exc), "errorType": type(exc).__name__, "stackTrace": frames}


def _write(path, answer):
    answer["max_rss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(answer, f)
    os.replace(tmp, path)


def main(spec_path):
    with open(spec_path, encoding="utf-8") as f:
        spec = json.load(f)
    sys.path[:] = [*spec["sys_path"], *(p for p in sys.path if p not in ("", ".") and p not in spec["sys_path"])]
    os.chdir(spec["sys_path"][0])
    event = base64.b64decode(spec["event_b64"])
    try:
        module = importlib.import_module(spec["module"])
        handler = getattr(module, spec["entry"], None)
        if handler is None:
            raise AttributeError(f"Handler '{spec['entry']}' missing on module '{spec['module']}'")
        result = handler(event, _context(spec))
        answer = {"status": "ok", "body_b64": base64.b64encode(_body(result)).decode()}
    except Exception as exc:  # noqa: BLE001 - FC catches everything the handler raises
        traceback.print_exc()
        answer = {"status": "error", "error": _error(exc)}
    sys.stdout.flush()
    sys.stderr.flush()
    _write(spec["result_path"], answer)


if __name__ == "__main__":
    main(sys.argv[1])
