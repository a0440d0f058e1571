"""The layout of the tests themselves: helpers and fixtures that test packages share live in tests/support/.

No module under tests/ imports from a test module (test_*.py) or a conftest.py, nor from another test
package; it may import tests/support/ and the helper modules of its own package (tests/faults/matrix.py,
the builders in tests/checks/__init__.py). tests/support/ imports only itself. Fixtures are never imported
by name: the support modules that hold fixtures are plugins of tests/conftest.py.
"""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Iterator, Optional

import pytest

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
SUPPORT = "tests.support"


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def module_file(name: str) -> Optional[Path]:
    base = ROOT.joinpath(*name.split("."))
    for candidate in (base.with_suffix(".py"), base / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


def sources() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if "__pycache__" not in p.parts)


def imports(path: Path) -> Iterator[tuple[int, str, list[str]]]:
    """(line, module, names) for every import in the file, nested ones included, relative ones resolved."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name, []
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            yield node.lineno, module, [alias.name for alias in node.names]


def targets(module: str, names: list[str]) -> set[str]:
    """The modules an import reads: `from tests.faults import tally` reads tests.faults.tally."""
    submodules = {f"{module}.{n}" for n in names if module_file(f"{module}.{n}")}
    rest = [n for n in names if f"{module}.{n}" not in submodules]
    return submodules | ({module} if rest or not names else set())


def is_tests(module: str) -> bool:
    return module == "tests" or module.startswith("tests.")


def is_support(module: str) -> bool:
    return module == SUPPORT or module.startswith(SUPPORT + ".")


@pytest.mark.slow
def test_no_module_imports_a_test_module_a_conftest_or_another_packages_helpers():
    wrong = []
    for path in sources():
        here = module_name(path)
        package = here if path.name == "__init__.py" else here.rpartition(".")[0]
        for line, module, names in imports(path):
            for target in targets(module, names):
                if not is_tests(target) or is_support(target):
                    continue
                where = f"{path.relative_to(ROOT)}:{line} imports {target}"
                file = module_file(target)
                if is_support(here):
                    wrong.append(f"{where}: tests/support/ imports only tests/support/")
                elif file is None or file.name == "conftest.py" or file.name.startswith("test_"):
                    wrong.append(f"{where}: move what it needs to tests/support/")
                elif target != package and target.rpartition(".")[0] != package:
                    wrong.append(f"{where}: helpers used by more than one package belong in tests/support/")
    assert wrong == [], "\n".join(wrong)


def fixtures(path: Path) -> set[str]:
    """The names of the fixtures a module defines (functions decorated with pytest.fixture)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for decorator in node.decorator_list:
                target = decorator.func if isinstance(decorator, ast.Call) else decorator
                if ast.unparse(target) in ("pytest.fixture", "fixture"):
                    found.add(node.name)
    return found


def plugins() -> list[str]:
    tree = ast.parse((TESTS / "conftest.py").read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) == "pytest_plugins" for t in node.targets):
            return list(ast.literal_eval(node.value))
    return []


@pytest.mark.slow
def test_support_fixtures_are_plugins_and_never_imported_by_name():
    support = {module_name(p): fixtures(p) for p in sources() if is_support(module_name(p))}
    with_fixtures = {m for m, names in support.items() if names}
    assert with_fixtures <= set(plugins()), "list every support module with fixtures in tests/conftest.py"
    imported = [f"{path.relative_to(ROOT)}:{line} imports the fixture {name} from {module}"
                for path in sources() for line, module, names in imports(path)
                for name in names if name in support.get(module, set())]
    assert imported == [], "\n".join(imported)
