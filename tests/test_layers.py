"""The core's layers point one way: no import loop in lucia_core, and the core never imports the
framework glue. Every import counts, also those inside functions and under TYPE_CHECKING."""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "lucia_core"
ROOT = "lucia_core"
#: Glue that may import the core, never the other way round.
GLUE = ("lucia_core.frameworks", "lucia_core.middleware", "lucia_core.oauth", "lucia_core.cli")


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imported(path: Path, modules: set[str]) -> set[str]:
    """The lucia_core modules ``path`` imports, with the packages (but the root) they live in."""
    name = module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            targets = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for target in targets:
            # Importing a.b.c runs a/__init__ and a/b/__init__ first, unless the importer lives
            # in that package already (then it is being imported, not a dependency).
            while target and target != ROOT and not f"{name}.".startswith(f"{target}."):
                if target in modules:
                    found.add(target)
                target = target.rpartition(".")[0]
    found.discard(name)
    return found


def import_graph() -> dict[str, set[str]]:
    paths = list(PACKAGE.rglob("*.py"))
    modules = {module_name(path) for path in paths}
    return {module_name(path): imported(path, modules) for path in paths}


def reachable(graph: dict[str, set[str]], start: str) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for target in graph.get(todo.pop(), set()) - seen:
            seen.add(target)
            todo.append(target)
    return seen


def test_the_graph_sees_the_imports() -> None:
    graph = import_graph()
    assert "lucia_core.frameworks" in graph["lucia_core.middleware"]  # a package's __init__ runs first
    assert "lucia_core.frameworks" not in graph["lucia_core.frameworks.asgi"]  # but not for its own modules
    assert "lucia_core.request" in graph["lucia_core.auth"]
    assert "lucia_core.auth" in graph["lucia_core.frameworks.fastapi"]
    assert "lucia_core.frameworks.asgi" in graph["lucia_core.middleware"]  # imported inside a function


def test_lucia_core_has_no_import_loop() -> None:
    graph = import_graph()
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as error:
        pytest.fail(f"import loop: {' -> '.join(error.args[1])}")


@pytest.mark.parametrize("module", ["lucia_core.auth", "lucia_core.request", "lucia_core.sessions"])
def test_the_core_imports_no_framework_glue(module: str) -> None:
    glue = {name for name in reachable(import_graph(), module) if name.startswith(GLUE)}
    assert glue == set()
