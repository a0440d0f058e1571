"""`dwdiag-emulator serve --world FILE --port P` and `dwdiag-emulator generate ...`."""
from __future__ import annotations

import argparse
import signal
import sys
import threading
from typing import List, Optional


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
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        stop.wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


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
