"""Each challenge's mutant and declaration counts, pinned so that a change shows in review.

Counting generates mutants without grading them (well under a second per
challenge). When a challenge's solution, its declarations or an operator
change, regenerate the table and review the diff:

    python -m grader.mutation.counts --pin
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

from grader.mutation.counts import Counts, all_counts, cap_problem, declaration_cap, pin, render_pinned
from grader.mutation.report import TABLE_HEAD

from .conftest import ROOT

#: challenge -> (mutants generated, mutants declared equivalent)
# pinned:start (python -m grader.mutation.counts --pin)
PINNED = {
    "blueprint": (32, 0),
    "conditional-get": (45, 1),
    "error-handler": (29, 1),
    "factory-config": (33, 1),
    "file-upload": (29, 2),
    "hello-world": (6, 0),
    "jinja-templates": (71, 2),
    "json-post": (46, 0),
    "login-session": (80, 5),
    "rate-limit": (28, 1),
    "request-hooks": (35, 1),
    "session-cart": (60, 0),
    "streaming-export": (25, 0),
    "todo-api": (94, 6),
    "url-converters": (21, 1),
}
# pinned:end
#: All fifteen challenges together declare at most this many equivalent mutants (issue 18).
MAX_DECLARATIONS = 40


@pytest.fixture(scope="module")
def counts() -> list[Counts]:
    return all_counts()


def test_counts_match_the_pinned_table(counts: list[Counts]) -> None:
    """Fails with the new table when a count changes: re-pin, and justify the diff in review."""
    current = {c.challenge: (c.mutants, c.declared) for c in counts}
    assert current == PINNED, "run `python -m grader.mutation.counts --pin`:\n" + render_pinned(counts)


def test_declarations_stay_under_the_caps(counts: list[Counts]) -> None:
    over = {c.challenge: (c.declared, c.cap) for c in counts if c.declared > c.cap}
    assert not over, f"declared equivalents over the 10% cap (declared, cap): {over}"
    assert sum(c.declared for c in counts) <= MAX_DECLARATIONS


@pytest.mark.parametrize(
    "generated, cap", [(0, 0), (6, 1), (19, 1), (20, 2), (47, 4), (109, 10)], ids=lambda v: str(v)
)
def test_cap_is_ten_percent_rounded_down_but_at_least_one(generated: int, cap: int) -> None:
    assert declaration_cap(generated) == cap


def test_cap_problem_names_the_declarations_to_turn_into_tests() -> None:
    assert cap_problem(20, ["app.py:3:boolean", "app.py:1:boolean"]) is None
    problem = cap_problem(20, ["app.py:3:boolean", "app.py:1:boolean", "app.py:2:json-key"])
    assert problem == (
        "3 equivalent declarations exceed the cap of 2 (10% of 20 mutants): "
        "turn at least 1 of them into tests: app.py:1:boolean, app.py:2:json-key, app.py:3:boolean"
    )


def test_pin_rewrites_only_the_table(tmp_path: Path) -> None:
    target = tmp_path / "test_x.py"
    target.write_text('A = 1\n# pinned:start (x)\nPINNED = {\n    "old": (1, 0),\n}\n# pinned:end\nB = 2\n')
    assert pin([Counts("a", 7, 1), Counts("b", 30, 0)], target)
    assert target.read_text() == (
        'A = 1\n# pinned:start (x)\nPINNED = {\n    "a": (7, 1),\n    "b": (30, 0),\n}\n# pinned:end\nB = 2\n'
    )
    assert not pin([Counts("a", 7, 1), Counts("b", 30, 0)], target)


def _table_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("mutation_table", ROOT / "benchmarks" / "mutation_table.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _readme_rows() -> dict[str, list[str]]:
    script = _table_script()
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split(script.START)[1].split(script.END)[0]
    table = script.table_of(section)
    assert tuple(table[:2]) == TABLE_HEAD, "the README table is not the report's table"
    rows = [[cell.strip() for cell in line.strip("|").split("|")] for line in table[2:]]
    return {row[0].strip("`"): row for row in rows}


def test_readme_table_is_the_generated_one_with_the_pinned_counts() -> None:
    """Passes once the lead has run benchmarks/mutation_table.py after merging (see the README)."""
    rows = _readme_rows()
    assert set(rows) == set(PINNED)
    for challenge, (mutants, declared) in PINNED.items():
        _, generated, killed, _, survived, equivalent, score, _, mark = rows[challenge]
        total = mutants - declared
        assert (int(generated), int(equivalent)) == (mutants, declared), challenge
        assert (int(killed), int(survived), mark) == (total, 0, "✅"), challenge
        assert score == f"{total}/{total} ({declared} declared equivalent)", challenge


def test_table_script_replaces_only_its_section() -> None:
    script = _table_script()
    report = "\n".join(
        ["## Mutation testing (min score 100.0%)", "", *TABLE_HEAD, "| `a` | 1 |", "", "### `a`"]
    )
    assert script.table_of(report) == [*TABLE_HEAD, "| `a` | 1 |"]
    text = f"intro\n{script.START}\nold\n{script.END}\nrest\n"
    new = script.replace_section(text, script.section(script.table_of(report), "2026-12-04", "1.0"))
    assert new.startswith(f"intro\n{script.START}\nGenerated by `benchmarks/mutation_table.py`")
    assert new.endswith(f"| `a` | 1 |\n{script.END}\nrest\n") and "old" not in new
    with pytest.raises(SystemExit, match="exactly one"):
        script.replace_section("no markers", "x")
