"""The deployment's footprint: the size of each function's code package and of the dependency layer.

scripts/package builds one zip per function (its handler and the dwdiag library) and one layer zip with the
third-party dependencies (scripts/deploy_lib.LAYER_ZIP). What a deploy uploads is the five function zips and
the layer, the layer only when its bytes changed (scripts/deploy reuses a published version of the same zip).
This reports, for each zip, its zipped bytes and MB, its unpacked MB and its file count, and the totals:
`total_zipped_mb` is everything uploaded when all of it changes (the functions and the layer), the figure the
target of docs/deploy-layer.md is set against (TARGET_MB).

    python -m scripts.bench_lib.footprint [BUILD_DIR]     # default build/fc; prints JSON
"""

from __future__ import annotations

import json
import sys
import zipfile
from pathlib import Path
from typing import Any, Optional

ROOT = Path(__file__).resolve().parents[2]
MB = 1024 * 1024
TARGET_MB = 25.0  # code uploaded for the functions and the layer, zipped, in all


def _layer_zip_name() -> str:
    from scripts.deploy_lib import LAYER_ZIP

    return Path(LAYER_ZIP).name


def _function_names() -> list[str]:
    from scripts.deploy_lib import functions

    return list(functions())


def zip_size(path: Path) -> dict[str, Any]:
    """A zip's size: `zipped_bytes` on disk, `unpacked_bytes` of its files, both also in MB, and `files`."""
    with zipfile.ZipFile(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
    zipped, unpacked = path.stat().st_size, sum(i.file_size for i in infos)
    return {"zip": path.name, "zipped_bytes": zipped, "zipped_mb": round(zipped / MB, 2),
            "unpacked_bytes": unpacked, "unpacked_mb": round(unpacked / MB, 2), "files": len(infos)}


def package_sizes(build_dir: Path) -> dict:
    """Each function zip's and the layer zip's size in `build_dir` (scripts/package's output), and the totals.

    {"functions": {name: size}, "layer": size, "total_zipped_bytes", "total_zipped_mb", "total_unpacked_mb",
     "functions_zipped_mb", "largest_function_runtime_unpacked_mb", "target_mb", "under_target"}, a size being
    zip_size()'s. `largest_function_runtime_unpacked_mb` is what one function has on disk at run time, its
    package and the layer. A zip that is missing raises FileNotFoundError: a partial build is no figure."""
    build_dir = Path(build_dir)
    layer_path = build_dir / _layer_zip_name()
    functions = {}
    for name in _function_names():
        path = build_dir / f"{name}.zip"
        if not path.is_file():
            raise FileNotFoundError(f"{path}: no package (run scripts/package)")
        functions[name] = zip_size(path)
    if not layer_path.is_file():
        raise FileNotFoundError(f"{layer_path}: no layer (run scripts/package)")
    layer = zip_size(layer_path)
    sizes = [*functions.values(), layer]
    total_zipped = sum(s["zipped_bytes"] for s in sizes)
    total_unpacked = sum(s["unpacked_bytes"] for s in sizes)
    functions_zipped = sum(s["zipped_bytes"] for s in functions.values())
    largest = max(s["unpacked_bytes"] for s in functions.values()) + layer["unpacked_bytes"]
    return {
        "build_dir": str(build_dir),
        "functions": functions,
        "layer": layer,
        "functions_zipped_mb": round(functions_zipped / MB, 2),
        "total_zipped_bytes": total_zipped,
        "total_zipped_mb": round(total_zipped / MB, 2),
        "total_unpacked_mb": round(total_unpacked / MB, 2),
        "largest_function_runtime_unpacked_mb": round(largest / MB, 2),
        "target_mb": TARGET_MB,
        "under_target": total_zipped < TARGET_MB * MB,
    }


def main(argv: Optional[list[str]] = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        print(__doc__.strip().splitlines()[-1].strip(), file=sys.stderr)
        return 2
    build_dir = Path(argv[0]) if argv else ROOT / "build" / "fc"
    try:
        report = package_sizes(build_dir)
    except FileNotFoundError as error:
        print(f"footprint: {error}", file=sys.stderr)
        return 1
    json.dump(report, sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
