"""Where a function's code lives, and the import path its process gets.

Two layouts:
- a package: the unpacked folder scripts/package builds (build/fc/<function>/): index.py at its root,
  the dwdiag library and every dependency beside it. The process runs with `python -I -S`: nothing but
  the folder and the standard library is importable, as in FC, where the code package is all there is.
- a source layout, for fast tests: functions/<category>/index.py with shared/ on the path, and the
  dependencies of the interpreter that runs the tests.
"""
from __future__ import annotations

import site
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple, Union

from .template import FunctionSpec


@dataclass(frozen=True)
class CodeDir:
    """root: the function's code directory (FC's /code, the process's working directory, first on the
    path); extra_path: what else is importable; isolated: no site-packages of the running interpreter."""
    root: Path
    extra_path: Tuple[Path, ...] = field(default_factory=tuple)
    isolated: bool = True

    def interpreter_flags(self) -> List[str]:
        # -I: ignore PYTHON* variables and the user's site; -S: no site-packages at all.
        return ["-I", "-S"] if self.isolated else ["-E", "-s"]

    def sys_path(self) -> List[str]:
        return [str(self.root), *(str(p) for p in self.extra_path)]


def package(folder: Union[str, Path]) -> CodeDir:
    """An unpacked code package (scripts/package's build/fc/<function>/)."""
    return CodeDir(Path(folder).resolve(), (), True)


def source(function_dir: Union[str, Path], shared: Union[str, Path]) -> CodeDir:
    """functions/<category>/ with shared/ (the dwdiag library) and this interpreter's site-packages."""
    return CodeDir(Path(function_dir).resolve(), (Path(shared).resolve(), *_site_packages()), False)


def _site_packages() -> Iterable[Path]:
    seen = []
    for entry in [*site.getsitepackages(), *sys.path]:
        path = Path(entry)
        if path.name in ("site-packages", "dist-packages") and path.is_dir() and path not in seen:
            seen.append(path)
    return seen


def category_of(function: FunctionSpec) -> str:
    """`dwdiag-computing-storage` in service `dwdiag` -> `computing_storage` (functions/<category>/)."""
    name = function.name
    prefix = f"{function.service}-"
    if name.startswith(prefix):
        name = name[len(prefix):]
    return name.replace("-", "_")


def resolve_layout(functions: Mapping[str, FunctionSpec], layout: Union[str, Mapping[str, CodeDir]],
                   root: Path, build: Optional[Path] = None) -> Dict[str, CodeDir]:
    """layout "source" (functions/<category>/ under root), "package" (build/fc/<function>/, or `build`),
    or an explicit mapping of function name to CodeDir."""
    if not isinstance(layout, str):
        return dict(layout)
    if layout == "source":
        return {name: source(root / "functions" / category_of(spec), root / "shared")
                for name, spec in functions.items()}
    if layout == "package":
        folder = build or root / "build" / "fc"
        return {name: package(folder / name) for name in functions}
    raise ValueError(f"code layout is 'source', 'package' or a mapping of function to CodeDir, not {layout!r}")
