"""``[[mutation.equivalent]]`` in challenge.toml: what load_challenge accepts and refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.challenges import EQUIVALENCE_CLASSES, EquivalentMutant, list_challenges, load_challenge
from grader.errors import ChallengeError

from .conftest import ROOT

GOOD = '\n[[mutation.equivalent]]\nmutant = "app.py:1:boolean"\nclass = "unreachable"\nreason = "r"\n'


def _with_manifest_tail(tmp_path: Path, tail: str) -> Path:
    folder = tmp_path / "hello-world"
    shutil.copytree(ROOT / "challenges" / "hello-world", folder)
    manifest = folder / "challenge.toml"
    head = manifest.read_text(encoding="utf-8").split("\n[[mutation.equivalent]]")[0]
    manifest.write_text(head + tail, encoding="utf-8")
    return folder


def test_shipped_declarations_load_with_a_class() -> None:
    """Passes once the challenge branches (issue 18: a `class` on every declaration) are merged."""
    for challenge in list_challenges():
        for declaration in challenge.equivalent_mutants:
            assert declaration.category in EQUIVALENCE_CLASSES, (challenge.id, declaration)


def test_a_declaration_loads_with_its_class(tmp_path: Path) -> None:
    challenge = load_challenge(_with_manifest_tail(tmp_path, GOOD))
    assert challenge.equivalent_mutants == (EquivalentMutant("app.py:1:boolean", "r", "unreachable"),)


@pytest.mark.parametrize("category", EQUIVALENCE_CLASSES)
def test_every_class_is_accepted(tmp_path: Path, category: str) -> None:
    tail = GOOD.replace('"unreachable"', f'"{category}"')
    (declaration,) = load_challenge(_with_manifest_tail(tmp_path, tail)).equivalent_mutants
    assert declaration.category == category


def test_no_declaration_is_empty(tmp_path: Path) -> None:
    assert load_challenge(_with_manifest_tail(tmp_path, "")).equivalent_mutants == ()


@pytest.mark.parametrize(
    "tail, message",
    [
        (
            '\n[[mutation.equivalent]]\nmutant = "app.py:1:boolean"\nclass = "cost"\n',
            "exactly `mutant`, `class` and `reason` \\(found class, mutant\\)",
        ),
        (
            '\n[[mutation.equivalent]]\nmutant = "a"\nreason = "r"\n',
            "exactly `mutant`, `class` and `reason` \\(found mutant, reason\\)",
        ),
        (GOOD.replace('"unreachable"', '"left-open"'), "has class 'left-open': use one of same-behaviour,"),
        (GOOD.replace('"unreachable"', "3"), "has class 3: use one of"),
        (GOOD + 'note = "x"\n', "exactly `mutant`, `class` and `reason` \\(found class, mutant, note"),
        (GOOD.replace('reason = "r"', 'reason = """two\nlines"""'), "must be one line"),
        (GOOD.replace('reason = "r"', 'reason = " "'), "must be one line"),
        (GOOD.replace('"app.py:1:boolean"', '""'), "must be a mutant id"),
        (GOOD * 2, "declared twice"),
        ('\n[mutation]\nskip = ["a"]\n', "may only hold"),
        ('\n[mutation]\nequivalent = "a"\n', "array of tables"),
    ],
    ids=[
        "no-reason",
        "no-class",
        "unknown-class",
        "class-not-a-string",
        "unknown-key",
        "multi-line",
        "blank-reason",
        "blank-id",
        "twice",
        "unknown-table",
        "not-array",
    ],
)
def test_bad_declarations_are_challenge_errors(tmp_path: Path, tail: str, message: str) -> None:
    with pytest.raises(ChallengeError, match=message):
        load_challenge(_with_manifest_tail(tmp_path, tail))
