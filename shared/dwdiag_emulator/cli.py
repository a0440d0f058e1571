"""`dwdiag-emulator serve --world FILE --port P [--fc ...]` and `dwdiag-emulator generate ...`."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path
from typing import Dict, List, Optional


def _serve(args: argparse.Namespace) -> int:
    from .server import Emulator
    from .world import WorldError
    try:
        emulator = Emulator(args.world)
    except (WorldError, OSError) as exc:
        print(f"dwdiag-emulator: {exc}", file=sys.stderr)
        return 2
    emulator.start(port=args.port, host="127.0.0.1")
    for region, endpoint in emulator.endpoints.items():
        print(f"{region}: http://{endpoint}", flush=True)
    runtime = None
    try:
        if args.fc:
            runtime = _fc_runtime(args, emulator)
            print(f"fc: {runtime.start(port=args.fc_port)}", flush=True)
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        try:
            stop.wait()
        except KeyboardInterrupt:
            pass
    except (ValueError, OSError) as exc:
        print(f"dwdiag-emulator: {exc}", file=sys.stderr)
        return 2
    finally:
        if runtime is not None:
            runtime.stop()
        emulator.stop()
    return 0


def _pairs(items: Optional[List[str]], what: str) -> Dict[str, str]:
    pairs = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep:
            raise ValueError(f"{what} takes KEY=VALUE, not {item!r}")
        pairs[key] = value
    return pairs


def _fc_runtime(args: argparse.Namespace, emulator: object) -> object:
    from .fc import FcRuntime, package

    code: object = args.fc_code
    if args.fc_code not in ("source", "package"):
        folder = Path(args.fc_code)  # a folder of unpacked packages, one per function
        code = {name: package(folder / name) for name in _function_names(args.fc_template)}
    return FcRuntime(emulator, args.fc_template, code=code, time_scale=args.fc_time_scale,
                     workers=args.fc_workers, parameters=_pairs(args.fc_param, "--fc-param"),
                     environment=_pairs(args.fc_env, "--fc-env"))


def _function_names(template: Optional[str]) -> List[str]:
    from .fc import load_template
    from .fc.runtime import ROOT

    return list(load_template(template or ROOT / "template.yml"))


def _generate(args: argparse.Namespace) -> int:
    from .generate import write_world
    counts = write_world(args.out, workspaces=args.workspaces, mc_projects=args.mc_projects,
                         seed=args.seed, regions=args.region or None)
    print(", ".join(f"{k}={v}" for k, v in counts.items()))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="dwdiag-emulator", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="serve a world file on 127.0.0.1")
    serve.add_argument("--world", required=True, help="world YAML file")
    serve.add_argument("--port", type=int, default=8080,
                       help="port of the home region; further regions take the next ports")
    serve.add_argument("--fc", action="store_true",
                       help="also serve FC 2.0 InvokeFunction for the functions of a template.yml")
    serve.add_argument("--fc-template", help="template.yml (default: the checkout's)")
    serve.add_argument("--fc-code", default="source",
                       help="'source' (functions/<category>/ and shared/), 'package' (build/fc/<function>/) "
                            "or a folder holding one unpacked package per function")
    serve.add_argument("--fc-port", type=int, default=0, help="port of the FC endpoint (default: a free one)")
    serve.add_argument("--fc-time-scale", type=float, default=1.0,
                       help="multiplies Timeout, retry backoff and event age (0.01 runs 900 s as 9 s)")
    serve.add_argument("--fc-workers", type=int, default=4, help="async invocations run at once")
    serve.add_argument("--fc-param", action="append", metavar="NAME=VALUE", help="a template parameter")
    serve.add_argument("--fc-env", action="append", metavar="KEY=VALUE",
                       help="an environment variable set on top of the template's")
    serve.set_defaults(func=_serve)
    gen = sub.add_parser("generate", help="write a large seeded world")
    gen.add_argument("--workspaces", type=int, default=100)
    gen.add_argument("--mc-projects", type=int, default=50)
    gen.add_argument("--seed", type=int, default=0)
    gen.add_argument("--region", action="append", help="region id (repeatable)")
    gen.add_argument("--out", required=True)
    gen.set_defaults(func=_generate)
    return parser


def main(argv: Optional[List[str]] = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)
