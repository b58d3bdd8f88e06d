"""The suite's own rules (tests/conftest.py), checked on the test files themselves, read with ``ast``."""

from __future__ import annotations

import ast
from pathlib import Path

from .conftest import PRUNE_GROUP

TESTS = Path(__file__).resolve().parent


def _prunes(function: ast.FunctionDef) -> bool:
    """Whether a test removes other processes' containers itself: a prune call, or `grader sandbox prune`."""
    for node in ast.walk(function):
        if isinstance(node, ast.Call):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            if called in ("prune", "prune_from_the_shell"):
                return True
            if any(isinstance(a, ast.Constant) and a.value == "prune" for a in node.args):
                return True
    return False


def _groups(function: ast.FunctionDef) -> set[str]:
    found = set()
    for decorator in function.decorator_list:
        if isinstance(decorator, ast.Call) and ast.unparse(decorator.func).endswith("xdist_group"):
            found |= {ast.unparse(a) for a in decorator.args}
    return found


def test_every_test_that_prunes_runs_in_the_prune_group() -> None:
    """A prune removes every dead owner's containers on the engine: a test doing one beside a test
    that planted such a container (on the other xdist worker) removes the plant. PRUNE_GROUP keeps
    them one after another on one worker."""
    assert PRUNE_GROUP
    outside = []
    for path in sorted(TESTS.glob("test_*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.FunctionDef) or not node.name.startswith("test_"):
                continue
            if _prunes(node) and "PRUNE_GROUP" not in _groups(node):
                outside.append(f"{path.name}::{node.name}")
    assert not outside, f"prunes outside xdist_group(PRUNE_GROUP): {outside}"


def test_the_check_sees_a_prune_outside_the_group() -> None:
    source = "def test_x(cli):\n    cli('sandbox', 'prune')\n"
    (function,) = ast.parse(source).body
    assert isinstance(function, ast.FunctionDef) and _prunes(function) and not _groups(function)
