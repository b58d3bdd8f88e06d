"""Mutants of a reference solution: every operator on every module, deduplicated.

A mutant is the solution folder with one file changed. Two mutations that
produce the same code (compared as ASTs, so spacing does not matter) are one
mutant, and a mutation that changes nothing the interpreter sees is no
mutant at all. Each mutant gets a stable, readable id ``FILE:LINE:KIND``
(``#2``, ``#3``... when one line has several of a kind): challenge authors
name it in ``challenge.toml`` to declare it equivalent.
"""

from __future__ import annotations

import ast
import difflib
from dataclasses import dataclass
from pathlib import Path

from ..errors import ChallengeError
from .edits import Source, apply
from .operators import find_mutations, why

#: Lines of context around a survivor's change in its diff.
DIFF_CONTEXT = 1


@dataclass(frozen=True)
class Mutant:
    """One changed copy of the solution."""

    id: str
    kind: str
    file: str
    line: int
    change: str
    diff: str
    code: str

    @property
    def why(self) -> str:
        """Why a surviving mutant of this kind matters, in one line."""
        return why(self.kind)


def _modules(solution: Path) -> list[Path]:
    return sorted(
        p
        for p in solution.rglob("*.py")
        if p.is_file() and not p.is_symlink() and "__pycache__" not in p.relative_to(solution).parts
    )


def _diff(before: str, after: str, name: str) -> str:
    lines = difflib.unified_diff(
        before.splitlines(keepends=True),
        after.splitlines(keepends=True),
        f"a/{name}",
        f"b/{name}",
        n=DIFF_CONTEXT,
    )
    return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def mutants_of_module(text: str, name: str) -> list[Mutant]:
    """The distinct mutants of one module's source, in source order."""
    try:
        tree = ast.parse(text, filename=name)
    except SyntaxError as exc:
        raise ChallengeError(f"{name}: the reference solution does not parse ({exc.msg})") from None
    src = Source(text)
    original = ast.dump(tree)
    seen = {original}
    found: list[tuple[int, int, str, str, str]] = []
    for mutation in find_mutations(tree, src):
        code = apply(src.data, mutation.edits)
        try:
            shape = ast.dump(ast.parse(code))
        except SyntaxError as exc:  # an operator bug, never the author's: say which
            raise ChallengeError(
                f"{name}:{mutation.line}: the {mutation.operator} mutation gives invalid Python ({exc.msg})"
            ) from None
        if shape in seen:
            continue
        seen.add(shape)
        first = min(edit.start for edit in mutation.edits)
        found.append((mutation.line, first, mutation.operator, mutation.change, code))
    found.sort(key=lambda item: (item[0], item[1]))
    mutants: list[Mutant] = []
    counts: dict[str, int] = {}
    for line, _, kind, change, code in found:
        base = f"{name}:{line}:{kind}"
        counts[base] = counts.get(base, 0) + 1
        mutant_id = base if counts[base] == 1 else f"{base}#{counts[base]}"
        mutants.append(Mutant(mutant_id, kind, name, line, change, _diff(text, code, name), code))
    return mutants


def generate_mutants(solution: Path) -> list[Mutant]:
    """Every mutant of every Python module of the solution folder."""
    mutants: list[Mutant] = []
    for path in _modules(solution):
        name = path.relative_to(solution).as_posix()
        mutants.extend(mutants_of_module(path.read_text(encoding="utf-8"), name))
    return mutants
