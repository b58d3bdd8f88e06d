"""Mutants of a reference solution: every operator on every module, deduplicated.

A mutant is the solution folder with one file changed. Two mutations that
produce the same code (compared as ASTs, so spacing does not matter) are one
mutant, and a mutation that changes nothing the interpreter sees is no
mutant at all. Each mutant gets a stable, readable id ``FILE:LINE:KIND``
(``#2``, ``#3``... when one line has several of a kind): challenge authors
name it in ``challenge.toml`` to declare it equivalent. Jinja templates under a
``templates/`` folder of the solution get mutants too (:mod:`.template_ops`),
named the same way (``templates/index.html:3:template-safe-added``).
"""

from __future__ import annotations

import ast
import difflib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import jinja2

from ..errors import ChallengeError
from .edits import Source, apply
from .operators import find_mutations, why
from .template_ops import find_template_mutations

#: Lines of context around a survivor's change in its diff.
DIFF_CONTEXT = 1
#: Files under a ``templates/`` folder that are Jinja templates.
TEMPLATE_SUFFIXES = {".html", ".htm", ".xml", ".txt", ".jinja", ".jinja2", ".j2"}


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


def _templates(solution: Path) -> list[Path]:
    return sorted(
        p
        for p in solution.rglob("*")
        if p.is_file()
        and not p.is_symlink()
        and p.suffix in TEMPLATE_SUFFIXES
        and "templates" in p.relative_to(solution).parts[:-1]
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
    return _name(found, text, name)


def _name(mutants: list[tuple[int, int, str, str, str]], text: str, name: str) -> list[Mutant]:
    """Ids ``FILE:LINE:KIND`` (``#2``... for more of a kind on one line), in source order."""
    mutants.sort(key=lambda item: (item[0], item[1]))
    named: list[Mutant] = []
    counts: dict[str, int] = {}
    for line, _, kind, change, code in mutants:
        base = f"{name}:{line}:{kind}"
        counts[base] = counts.get(base, 0) + 1
        mutant_id = base if counts[base] == 1 else f"{base}#{counts[base]}"
        named.append(Mutant(mutant_id, kind, name, line, change, _diff(text, code, name), code))
    return named


def mutants_of_template(text: str, name: str, load: Callable[[str], str | None]) -> list[Mutant]:
    """The distinct mutants of one template; ``load`` reads another template by name (a parent)."""
    environment = jinja2.Environment()
    seen = {text}
    found: list[tuple[int, int, str, str, str]] = []
    for mutation in find_template_mutations(text, load):
        if mutation.text in seen:
            continue
        try:
            environment.parse(mutation.text)
        except jinja2.TemplateSyntaxError as exc:  # an operator bug, never the author's: say which
            raise ChallengeError(
                f"{name}:{mutation.line}: the {mutation.operator} mutation gives an invalid template "
                f"({exc.message})"
            ) from None
        seen.add(mutation.text)
        found.append((mutation.line, mutation.start, mutation.operator, mutation.change, mutation.text))
    return _name(found, text, name)


def _template_loader(path: Path) -> Callable[[str], str | None]:
    """Reads a template by its Jinja name from the ``templates/`` folder holding ``path``."""
    root = path.parent
    while root.name != "templates":
        root = root.parent

    def load(template: str) -> str | None:
        target = (root / template).resolve()
        if not target.is_relative_to(root.resolve()) or not target.is_file():
            return None
        return target.read_text(encoding="utf-8")

    return load


def generate_mutants(solution: Path) -> list[Mutant]:
    """Every mutant of every Python module and Jinja template of the solution folder."""
    mutants: list[Mutant] = []
    for path in _modules(solution):
        name = path.relative_to(solution).as_posix()
        mutants.extend(mutants_of_module(path.read_text(encoding="utf-8"), name))
    for path in _templates(solution):
        name = path.relative_to(solution).as_posix()
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError:
            raise ChallengeError(f"{name}: the template is not UTF-8 text") from None
        mutants.extend(mutants_of_template(text, name, _template_loader(path)))
    return mutants
