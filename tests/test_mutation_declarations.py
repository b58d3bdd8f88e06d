"""``[[mutation.equivalent]]`` in challenge.toml: what load_challenge accepts and refuses."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from grader.challenges import EquivalentMutant, load_challenge
from grader.errors import ChallengeError

from .conftest import ROOT


def _with_manifest_tail(tmp_path: Path, tail: str) -> Path:
    folder = tmp_path / "hello-world"
    shutil.copytree(ROOT / "challenges" / "hello-world", folder)
    manifest = folder / "challenge.toml"
    head = manifest.read_text(encoding="utf-8").split("\n[[mutation.equivalent]]")[0]
    manifest.write_text(head + tail, encoding="utf-8")
    return folder


def test_shipped_declarations_load() -> None:
    challenge = load_challenge(ROOT / "challenges" / "hello-world")
    assert challenge.equivalent_mutants == (
        EquivalentMutant(
            "app.py:12:method-added",
            "the statement promises 405 only for POST /; what POST /hello/<name> answers is left open",
        ),
    )


def test_a_declaration_may_name_its_class(tmp_path: Path) -> None:
    """Issue 18's `class` key is tolerated (the promise tooling reads it), not refused as unknown."""
    tail = '\n[[mutation.equivalent]]\nmutant = "app.py:1:boolean"\nclass = "cost"\nreason = "r"\n'
    assert load_challenge(_with_manifest_tail(tmp_path, tail)).equivalent_mutants == (
        EquivalentMutant("app.py:1:boolean", "r"),
    )


def test_no_declaration_is_empty(tmp_path: Path) -> None:
    assert load_challenge(_with_manifest_tail(tmp_path, "")).equivalent_mutants == ()


@pytest.mark.parametrize(
    "tail, message",
    [
        ('\n[[mutation.equivalent]]\nmutant = "app.py:1:boolean"\n', "exactly `mutant` and `reason`"),
        (
            '\n[[mutation.equivalent]]\nmutant = "a"\nreason = "r"\nnote = "x"\n',
            "exactly `mutant` and `reason`",
        ),
        ('\n[[mutation.equivalent]]\nmutant = "a"\nreason = """two\nlines"""\n', "must be one line"),
        ('\n[[mutation.equivalent]]\nmutant = "a"\nreason = " "\n', "must be one line"),
        ('\n[[mutation.equivalent]]\nmutant = ""\nreason = "r"\n', "must be a mutant id"),
        ('\n[[mutation.equivalent]]\nmutant = "a"\nreason = "r"\n' * 2, "declared twice"),
        ('\n[mutation]\nskip = ["a"]\n', "may only hold"),
        ('\n[mutation]\nequivalent = "a"\n', "array of tables"),
    ],
    ids=[
        "no-reason",
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
