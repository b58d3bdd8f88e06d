"""Promise coverage: every ``[#id]`` of a statement is checked by a hidden test.

A statement (``README.md``) tags each promise a client could check with
``[#id]``; each test names the promises it checks with
``@pytest.mark.promises("id", ...)`` (on the function, on its class, or in a
module's ``pytestmark``). Both are read statically (the tests with Python's
``ast``, never imported), so the check needs no app, no sandbox and no
import of candidate-facing code. ``grader verify --promises`` prints the map
and fails when a promise has no hidden test, a marker names an unknown id, a
hidden test names no promise, or a statement tags one id twice: the
coverage then is no longer something a reader must take on trust.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

#: A promise tag as written in a statement (PROMISES.md).
TAG = re.compile(r"\[#([a-z0-9]+(?:-[a-z0-9]+)*)\]")
#: Anything that looks like a tag, to report the malformed ones instead of ignoring them.
_LOOSE_TAG = re.compile(r"\[#([^\]\s]*)\]")
SUITES = ("hidden", "public")


@dataclass(frozen=True)
class Promise:
    """One ``[#id]`` tag of a statement, with the line it is on."""

    id: str
    line: int


@dataclass(frozen=True)
class MarkedTest:
    """One test function and the promise ids its markers name (function, class and module)."""

    suite: str  # hidden | public
    nodeid: str  # tests/hidden/test_hidden.py::TestX::test_y
    line: int
    ids: tuple[str, ...]


@dataclass
class PromiseReport:
    """The promises of one challenge, the tests checking each, and what is wrong."""

    challenge: str
    promises: list[Promise] = field(default_factory=list)
    tests: list[MarkedTest] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def checking(self, promise_id: str, suite: str) -> list[str]:
        """The node ids of the tests of ``suite`` that name ``promise_id``."""
        return [t.nodeid for t in self.tests if t.suite == suite and promise_id in t.ids]


def statement_promises(text: str) -> tuple[list[Promise], list[str]]:
    """The tags of a statement in order, and the problems (duplicates, malformed tags)."""
    promises: list[Promise] = []
    problems: list[str] = []
    seen: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        for match in _LOOSE_TAG.finditer(line):
            tag = match.group(1)
            if not TAG.fullmatch(match.group(0)):
                problems.append(
                    f"README.md:{number}: malformed tag [#{tag}]: use lowercase letters, digits "
                    "and single hyphens"
                )
                continue
            if tag in seen:
                problems.append(f"README.md:{number}: promise [#{tag}] is already tagged on line {seen[tag]}")
                continue
            seen[tag] = number
            promises.append(Promise(tag, number))
    return promises, problems


def _marker_ids(node: ast.expr, where: str, problems: list[str]) -> list[str] | None:
    """The ids of a ``pytest.mark.promises(...)`` expression; None when it is another mark."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    is_promises = isinstance(func, ast.Attribute) and func.attr == "promises"
    if is_promises and isinstance(func, ast.Attribute):
        owner = func.value
        is_promises = (isinstance(owner, ast.Attribute) and owner.attr == "mark") or (
            isinstance(owner, ast.Name) and owner.id == "mark"
        )
    if not is_promises:
        return None
    ids: list[str] = []
    for arg in node.args:
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            ids.append(arg.value)
        else:
            problems.append(f"{where}: promises(...) must list ids as string literals")
    if node.keywords:
        problems.append(f"{where}: promises(...) takes only ids, no keyword arguments")
    return ids


def _decorator_ids(decorators: list[ast.expr], where: str, problems: list[str]) -> list[str] | None:
    """The ids named by a list of decorators (or marks); None when none is a promises mark."""
    found: list[str] | None = None
    for decorator in decorators:
        ids = _marker_ids(decorator, where, problems)
        if ids is not None:
            found = [*(found or []), *ids]
    return found


def _pytestmark(body: list[ast.stmt], where: str, problems: list[str]) -> list[str] | None:
    """The ids of a ``pytestmark = ...`` assignment (one mark or a list of marks) in a body."""
    found: list[str] | None = None
    for stmt in body:
        if isinstance(stmt, ast.Assign) and any(
            isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
        ):
            value = stmt.value
            marks = list(value.elts) if isinstance(value, ast.List | ast.Tuple) else [value]
            ids = _decorator_ids(marks, where, problems)
            if ids is not None:
                found = [*(found or []), *ids]
    return found


def _merge(*parts: list[str] | None) -> tuple[str, ...] | None:
    if all(part is None for part in parts):
        return None
    merged: list[str] = []
    for part in parts:
        merged.extend(i for i in part or [] if i not in merged)
    return tuple(merged)


def _collect(
    body: list[ast.stmt],
    prefix: str,
    inherited: tuple[str, ...] | None,
    suite: str,
    problems: list[str],
) -> list[tuple[str, int, tuple[str, ...] | None]]:
    """(node id, line, ids or None) of every test function in a module or ``Test*`` class body."""
    found: list[tuple[str, int, tuple[str, ...] | None]] = []
    for stmt in body:
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef) and stmt.name.startswith("test"):
            where = f"{prefix}::{stmt.name}"
            own = _decorator_ids(stmt.decorator_list, where, problems)
            found.append((where, stmt.lineno, _merge(list(inherited) if inherited else None, own)))
        elif isinstance(stmt, ast.ClassDef) and stmt.name.startswith("Test"):
            where = f"{prefix}::{stmt.name}"
            marks = _merge(
                list(inherited) if inherited else None,
                _decorator_ids(stmt.decorator_list, where, problems),
                _pytestmark(stmt.body, where, problems),
            )
            found.extend(_collect(stmt.body, where, marks, suite, problems))
    return found


def suite_tests(root: Path, suite: str, problems: list[str]) -> list[MarkedTest]:
    """Every test of ``root/tests/<suite>`` with the ids it names (``()`` when it has no marker)."""
    folder = root / "tests" / suite
    tests: list[MarkedTest] = []
    files = sorted(
        p for p in folder.rglob("*.py") if p.name.startswith("test_") or p.name.endswith("_test.py")
    )
    for path in files:
        name = path.relative_to(root).as_posix()
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"), filename=name)
        except (SyntaxError, UnicodeDecodeError) as exc:
            problems.append(f"{name}: cannot be read as Python ({exc})")
            continue
        module = _pytestmark(tree.body, name, problems)
        for nodeid, line, ids in _collect(tree.body, name, _merge(module), suite, problems):
            tests.append(MarkedTest(suite, nodeid, line, ids or ()))
            if not ids:
                problems.append(
                    f'{nodeid} (line {line}) names no promise: add @pytest.mark.promises("id", ...)'
                )
    return tests


def check_promises(root: Path, challenge_id: str | None = None) -> PromiseReport:
    """Read a challenge folder's statement and suites; list every coverage problem."""
    report = PromiseReport(challenge_id or root.name)
    statement = root / "README.md"
    if not statement.is_file():
        report.problems.append("README.md is missing")
        return report
    report.promises, report.problems = statement_promises(statement.read_text(encoding="utf-8"))
    if not report.promises:
        report.problems.append("README.md tags no promise: end each checkable sentence with [#id]")
    for suite in SUITES:
        report.tests.extend(suite_tests(root, suite, report.problems))
    known = {p.id for p in report.promises}
    for test in report.tests:
        for unknown in (i for i in test.ids if i not in known):
            report.problems.append(f"{test.nodeid} names unknown promise [#{unknown}]")
    for promise in report.promises:
        if not report.checking(promise.id, "hidden"):
            report.problems.append(
                f"promise [#{promise.id}] (README.md:{promise.line}) is checked by no hidden test"
            )
    return report
