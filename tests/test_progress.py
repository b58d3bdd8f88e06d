"""The batch progress line: counts, and a rate that only counts real gradings."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass

import click
import pytest

from grader.progress import Progress
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
