"""How long each Function Compute handler takes to import, each in a fresh interpreter, as FC loads it.

    python -m scripts.bench_lib.imports [--runs 5] [--package build/fc] [--no-invocation]

prints JSON: per handler, the median over `runs` fresh processes of `import index` as `python -X importtime`
reports it (the cumulative time of the top-level `index`), the wall time of the whole process (interpreter
start-up and exit included, as the parent clocks it; -X importtime adds a little of its own), how many
modules it imported, the third-party packages loaded, and the heaviest modules and packages of the median
run's import.

The handler's folder comes first on the import path, as FC puts /code first: from the checkout,
functions/<name>/ then shared/ (the venv's site-packages after them, standing in for the layer); from a
built package dir (`package`, what scripts/package writes to build/fc/), only <package>/dwdiag-<name>/,
in an isolated interpreter (-I -S) that writes no bytecode (-B): FC imports the package's sources, which
ship uncompiled, so each cold start compiles what it imports, and so does this.

A handler imports little at load; its first invocation imports the run's machinery (settings, models, the
sweep, the store) before its first call, and each SDK with the first client of its service. `invocation`
adds that first part (`INVOCATION`, SDKs not included) as a second figure.
"""

from __future__ import annotations

import argparse
import json
import platform
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[2]
HANDLERS = ("computing_storage", "data_transmission", "data_production", "platform_config", "watch")
# What a handler's first invocation imports before its first API call (dwdiag.fc.handle, dwdiag.fc.watch).
INVOCATION = {
    "category": ("dwdiag.fc.invocation", "dwdiag.fc.run"),
    "watch": ("dwdiag.fc.invocation", "dwdiag.fc.run", "dwdiag.alert.deliver", "dwdiag.watch.run"),
}
TOP = 5
_LINE = re.compile(r"^import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)\s*$", re.MULTILINE)
# Printed after the measured imports, so that what it imports itself is not counted.
_REPORT = "import json; print(json.dumps(sorted(sys.modules)))"


def function_dir(package: Path, name: str) -> Path:
    """The unpacked package of a function in scripts/package's output: dwdiag-<name with dashes>/."""
    return package / f"dwdiag-{name.replace('_', '-')}"


def command(root: Path, name: str, python: str, package: Optional[Path],
            then: tuple[str, ...] = ()) -> tuple[list[str], Path]:
    """The child's command line and working directory: the handler's path set as FC sets it, then
    `import index` (and `then`) timed."""
    if package is None:
        path, flags, cwd = [str(root / "functions" / name), str(root / "shared")], [], root
    else:
        folder = function_dir(package, name)
        path, flags, cwd = [str(folder)], ["-I", "-S", "-B"], folder
    imports = "; ".join(["import index", *(f"import {m}" for m in then)])
    code = f"import sys; sys.path[:0] = {path!r}; {imports}; {_REPORT}"
    return [python, *flags, "-X", "importtime", "-c", code], cwd


def parse_importtime(stderr: str) -> list[dict[str, Any]]:
    """-X importtime's lines, in order: module, self and cumulative microseconds, depth (0 = top level)."""
    return [{"module": m.group(4), "self_us": int(m.group(1)), "cumulative_us": int(m.group(2)),
             "depth": len(m.group(3)) // 2} for m in _LINE.finditer(stderr)]


def measure_once(root: Path, name: str, python: str, package: Optional[Path],
                 then: tuple[str, ...] = ()) -> dict[str, Any]:
    """One fresh interpreter: the cumulative time of `index` (and of `then`, each at the top level, as the
    statement imports them), the process's wall time, and every module loaded."""
    cmd, cwd = command(root, name, python, package, then)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=cwd, capture_output=True, text=True, check=False)
    wall_us = (time.perf_counter() - started) * 1e6
    if done.returncode != 0:
        raise RuntimeError(f"{name}: the import failed: {done.stderr.strip().splitlines()[-1:]}")
    lines = measured(parse_importtime(done.stderr), {"index", *then})
    return {"import_us": sum(line["cumulative_us"] for line in lines if line["depth"] == 0), "wall_us": wall_us,
            "modules": json.loads(done.stdout.strip().splitlines()[-1]), "lines": lines}


def measured(lines: list[dict[str, Any]], wanted: set[str]) -> list[dict[str, Any]]:
    """The lines of the top-level imports named `wanted` and of what each imported, not the interpreter's
    start-up (site, encodings). A module's line follows those of the modules it imported."""
    kept: list[dict[str, Any]] = []
    since: list[dict[str, Any]] = []
    for line in lines:
        since.append(line)
        if line["depth"] == 0:
            if line["module"] in wanted:
                kept += since
            since = []
    return kept


def third_party(modules: list[str]) -> list[str]:
    """The top-level packages loaded that are neither the standard library's nor dwdiag's nor the handler."""
    names = {m.split(".")[0] for m in modules}
    return sorted(n for n in names if n not in sys.stdlib_module_names and n not in ("dwdiag", "index", "__main__")
                  and not n.startswith("_"))


def heaviest(lines: list[dict[str, Any]], top: int = TOP) -> dict[str, list[dict[str, Any]]]:
    """The modules that took longest themselves, and the packages (dwdiag's by subpackage) whose modules
    took longest together."""
    modules = sorted(lines, key=lambda line: -line["self_us"])[:top]
    packages: dict[str, int] = {}
    for line in lines:
        parts = line["module"].split(".")
        key = ".".join(parts[:2]) if parts[0] == "dwdiag" else parts[0]
        packages[key] = packages.get(key, 0) + line["self_us"]
    return {
        "modules": [{"module": line["module"], "self_ms": _ms(line["self_us"]),
                     "cumulative_ms": _ms(line["cumulative_us"])} for line in modules],
        "packages": [{"package": k, "ms": _ms(v)} for k, v in sorted(packages.items(), key=lambda kv: -kv[1])[:top]],
    }


def _ms(us: float) -> float:
    return round(us / 1000, 1)


def _median_run(samples: list[dict[str, Any]]) -> dict[str, Any]:
    """The run whose import time is the median (the lower middle one of an even number)."""
    ordered = sorted(samples, key=lambda s: s["import_us"])
    return ordered[(len(ordered) - 1) // 2]


def handler_times(root: Path, name: str, python: str, runs: int, package: Optional[Path],
                  invocation: bool) -> dict[str, Any]:
    samples = [measure_once(root, name, python, package) for _ in range(runs)]
    middle = _median_run(samples)
    result: dict[str, Any] = {
        "import_ms": _ms(statistics.median(s["import_us"] for s in samples)),
        "process_ms": _ms(statistics.median(s["wall_us"] for s in samples)),
        "runs_ms": [_ms(s["import_us"]) for s in samples],
        "modules_imported": len(middle["lines"]),
        "third_party": third_party(middle["modules"]),
        "heaviest": heaviest(middle["lines"]),
    }
    if invocation:
        then = INVOCATION["watch" if name == "watch" else "category"]
        try:
            more = [measure_once(root, name, python, package, then) for _ in range(runs)]
        except RuntimeError as exc:  # e.g. a package built for another Python: its compiled wheels do not load
            result["invocation"] = {"error": str(exc)}
        else:
            result["invocation"] = {
                "imports": list(then),
                "import_ms": _ms(statistics.median(s["import_us"] for s in more)),
                "process_ms": _ms(statistics.median(s["wall_us"] for s in more)),
                "third_party": third_party(_median_run(more)["modules"]),
            }
    return result


def interpreter(python: str) -> dict[str, str]:
    if python == sys.executable:
        version, implementation = platform.python_version(), platform.python_implementation()
    else:
        out = subprocess.run([python, "-c", "import platform; print(platform.python_implementation(), "
                              "platform.python_version())"], capture_output=True, text=True, check=True)
        implementation, version = out.stdout.split()
    return {"python": version, "implementation": implementation, "executable": python}


def import_times(root: Path = ROOT, python: str = sys.executable, runs: int = 5, package: Optional[Path] = None,
                 invocation: bool = True, handlers: tuple[str, ...] = HANDLERS) -> dict:
    """Each handler's import, median of `runs` fresh interpreters (see the module's docstring)."""
    found = interpreter(python)
    package = package.resolve() if package is not None else None  # the child runs in the function's folder
    report: dict[str, Any] = {
        **found, "runs": runs, "code": str(package) if package else "source",
        "handlers": {}, "errors": {},
    }
    if not found["python"].startswith("3.10."):
        report["note"] = (f"measured with {found['implementation']} {found['python']}; Function Compute runs "
                          "python3.10")
    for name in handlers:
        try:
            report["handlers"][name] = handler_times(root, name, python, runs, package, invocation)
        except RuntimeError as exc:
            report["errors"][name] = str(exc)
    if not report["errors"]:
        del report["errors"]
    return report


def main(argv: Optional[list[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m scripts.bench_lib.imports", description=__doc__.split("\n\n")[0])
    p.add_argument("--runs", type=int, default=5, help="fresh interpreters per handler (the median is reported)")
    p.add_argument("--python", default=sys.executable, help="the interpreter to measure with")
    p.add_argument("--package", type=Path, help="scripts/package's output folder (build/fc) instead of the checkout")
    p.add_argument("--no-invocation", action="store_true", help="only the handler's import, not its first invocation's")
    p.add_argument("--handler", action="append", choices=HANDLERS, help="only this handler (repeatable)")
    args = p.parse_args(argv)
    if args.runs < 1:
        p.error("--runs is at least 1")
    report = import_times(ROOT, args.python, args.runs, args.package, invocation=not args.no_invocation,
                          handlers=tuple(args.handler or HANDLERS))
    print(json.dumps(report, indent=2))
    return 1 if report.get("errors") else 0


if __name__ == "__main__":
    sys.exit(main())
