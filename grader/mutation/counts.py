"""How many mutants each challenge has and how many it declares equivalent, without grading.

Generating mutants takes well under a second per challenge, so these counts
are cheap enough to pin in a test (``tests/test_mutation_counts.py``): a new
declaration, or an operator change that adds mutants, then shows up in review
as a changed line of the pinned table. The same counts give the declaration
cap: at most 10% of a challenge's generated mutants (rounded down, but one is
always allowed) may be declared equivalent; over the cap ``grader verify
--mutants`` fails and names the declarations to turn into tests.

``python -m grader.mutation.counts`` prints the table;
``python -m grader.mutation.counts --pin`` rewrites the pinned table in
``tests/test_mutation_counts.py`` (after a challenge or operator change).
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from ..challenges import Challenge, list_challenges
from .generate import generate_mutants

#: Share of a challenge's mutants that may be declared equivalent (rounded down, at least one).
CAP_SHARE = 0.10
PINNED_FILE = Path(__file__).resolve().parents[2] / "tests" / "test_mutation_counts.py"
_PINNED = re.compile(r"(# pinned:start[^\n]*\nPINNED = \{\n)(.*?)(\}\n# pinned:end)", re.S)


def declaration_cap(generated: int) -> int:
    """How many of ``generated`` mutants a challenge may declare equivalent."""
    return max(1, int(generated * CAP_SHARE)) if generated else 0


def cap_problem(generated: int, declared: list[str]) -> str | None:
    """The problem to report when a challenge declares more equivalents than its cap, else None."""
    cap = declaration_cap(generated)
    if len(declared) <= cap:
        return None
    return (
        f"{len(declared)} equivalent declarations exceed the cap of {cap} (10% of {generated} mutants): "
        f"turn at least {len(declared) - cap} of them into tests: {', '.join(sorted(declared))}"
    )


@dataclass(frozen=True)
class Counts:
    """One challenge's mutant count and declaration count."""

    challenge: str
    mutants: int
    declared: int

    @property
    def cap(self) -> int:
        return declaration_cap(self.mutants)


def count(challenge: Challenge) -> Counts:
    """Generate (never grade) the challenge's mutants and count them."""
    mutants = generate_mutants(challenge.solution_dir)
    return Counts(challenge.id, len(mutants), len(challenge.equivalent_mutants))


def all_counts() -> list[Counts]:
    """The counts of every challenge, sorted by id."""
    return sorted((count(c) for c in list_challenges()), key=lambda c: c.challenge)


def render_pinned(counts: list[Counts]) -> str:
    """The body of the pinned table: ``"id": (mutants, declared),`` lines."""
    return "".join(f'    "{c.challenge}": ({c.mutants}, {c.declared}),\n' for c in counts)


def pin(counts: list[Counts], path: Path = PINNED_FILE) -> bool:
    """Rewrite the pinned table in ``path``; True when it changed."""
    text = path.read_text(encoding="utf-8")
    match = _PINNED.search(text)
    if match is None:
        raise SystemExit(f"{path}: no PINNED table between `# pinned:start` and `# pinned:end`")
    new = text[: match.start(2)] + render_pinned(counts) + text[match.end(2) :]
    path.write_text(new, encoding="utf-8")
    return new != text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m grader.mutation.counts", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--pin", action="store_true", help=f"rewrite the pinned table in {PINNED_FILE.name}")
    args = parser.parse_args(argv)
    counts = all_counts()
    for c in counts:
        over = "  OVER THE CAP" if c.declared > c.cap else ""
        print(f"{c.challenge:<20} {c.mutants:>4} mutants {c.declared:>3} declared (cap {c.cap}){over}")
    print(
        f"{'total':<20} {sum(c.mutants for c in counts):>4} mutants "
        f"{sum(c.declared for c in counts):>3} declared"
    )
    if args.pin:
        changed = pin(counts)
        print(f"{PINNED_FILE}: {'updated' if changed else 'unchanged'}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
