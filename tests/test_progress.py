"""The batch progress line: counts, and a rate that only counts real gradings."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from pathlib import Path

import click
import pytest

from grader.progress import Progress, StagingProgress
from grader.results import GradeResult


@dataclass
class _Sub:
    id: str


def _result(status: str) -> GradeResult:
    return GradeResult("hello-world", status, 0.0, 12.0, "", "local", 0.1)


def test_reused_results_do_not_make_a_rate(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [100.0]
    monkeypatch.setattr(time, "monotonic", lambda: clock[0])
    progress = Progress(total=52)
    for i in range(50):
        clock[0] += 0.001  # looking up a stored result takes a millisecond
        line = click.unstyle(progress.line(_Sub(f"s{i}"), _result("passed"), True))
    assert "-/min" in line and "(cached)" in line
    for i in range(2):
        clock[0] += 30.0  # each real grading takes half a minute
        line = click.unstyle(progress.line(_Sub(f"g{i}"), _result("failed"), False))
    assert re.search(r"\b2/min\b", line), line
    assert line.startswith("[52/52] 50 passed  2 failed  0 error")


def test_submission_names_are_cleaned(monkeypatch: pytest.MonkeyPatch) -> None:
    line = Progress(total=1).line(_Sub("evil\x1b]0;title\x07"), _result("error"), False)
    assert "\x1b]" not in click.unstyle(line) and "\x07" not in line


def test_staging_says_how_far_it_is_before_the_first_grading(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A batch of thousands reads its archives first: the log says so, and when it is done."""
    from grader.staging import staged_candidates

    for name in ("a", "b", "c"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "app.py").write_text("from flask import Flask\napp = Flask(__name__)\n")
    heard: list[int] = []
    progress = StagingProgress(3)

    def on_staged(count: int) -> None:
        heard.append(count)
        progress(count)

    with staged_candidates([(n, tmp_path / n) for n in ("a", "b", "c")], on_staged=on_staged) as staged:
        assert len(staged) == 3
    assert heard == [0, 1, 2, 3]
    assert capsys.readouterr().err.splitlines() == ["staging 0/3", "staging 3/3 done"]
