"""The package's layout: no import cycles and no upward arrows (issue 19).

Imports are read with ``ast`` from every module of ``grader/``, those inside
function bodies included: an import moved into a function to dodge a cycle
is still a cycle. ``if TYPE_CHECKING:`` blocks are left out (they never run).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from .conftest import ROOT

PACKAGE = ROOT / "grader"

#: Each module's layer, by the longest matching prefix: a module may import only from its
#: own layer or a lower one. 0: models and parsing; 1: one grading; 2: many gradings and
#: the tools built on them; 3: the front ends (CLI, service, workers' command line).
LAYERS = {
    "grader": 0,
    "grader.errors": 0,
    "grader.protocol": 0,
    "grader.results": 0,
    "grader.challenges": 0,
    "grader.submission": 0,
    "grader.targuard": 0,
    "grader.zipguard": 0,
    "grader.candidates": 0,
    "grader.appkit": 0,
    "grader.testkit": 0,
    "grader.output": 0,
    "grader.similarity": 0,
    "grader.promises": 0,
    "grader.promises_report": 0,
    "grader.sandbox": 1,
    "grader.grading": 1,
    "grader.staging": 0,
    "grader.mutation": 2,
    "grader.executors": 2,
    "grader.batch": 2,
    "grader.verify": 2,
    "grader.workspace": 2,
    "grader.progress": 2,
    "grader.similarity.cli": 3,
    "grader.cli": 3,
    "grader.entry": 3,
    "grader.host_cli": 3,
    "grader.verify_cli": 3,
    "grader.invite_cli": 3,
    "grader.mutation.command": 3,
    "grader.service": 3,
    "grader.__main__": 3,
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        if "_data" in path.parts:
            continue
        parts = path.relative_to(ROOT).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imports(name: str, path: Path, modules: dict[str, Path]) -> Iterator[str]:
    """The grader modules ``name`` imports, at any depth (type-checking-only imports left out)."""
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    skipped: set[int] = set()
    tree = ast.parse(path.read_text())
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped.update(id(n) for child in node.body for n in ast.walk(child))
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            targets = [
                f"{module}.{a.name}" if f"{module}.{a.name}" in modules else module for a in node.names
            ]
        else:
            continue
        yield from (t for t in targets if t in modules and t != name)


def _graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: set(_imports(name, path, modules)) for name, path in modules.items()}


def _layer(name: str) -> int:
    prefixes = [p for p in LAYERS if name == p or name.startswith(p + ".")]
    assert prefixes, f"{name} has no layer in LAYERS: add it"
    return LAYERS[max(prefixes, key=len)]


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative enough for ~150 nodes)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph[node]):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                top = stack.pop()
                on_stack.discard(top)
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_cycles() -> None:
    assert _cycles(_graph()) == []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_upward_arrows() -> None:
    upward = sorted(
        f"{source} (layer {_layer(source)}) imports {target} (layer {_layer(target)})"
        for source, targets in _graph().items()
        for target in targets
        if _layer(target) > _layer(source)
    )
    assert upward == []


def test_the_grading_service_reaches_its_parts_only_through_its_context() -> None:
    """The blueprints and the body gate read the running service from ``context``, never from ``app``."""
    graph = _graph()
    importers = sorted(name for name, targets in graph.items() if "grader.service.app" in targets)
    assert importers == ["grader.service.cli"]
