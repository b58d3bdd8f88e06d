"""How sandbox observations become verdicts (pure logic, no sandbox)."""

from __future__ import annotations

from typing import Any

import pytest

from grader import grading
from grader.challenges import get_challenge
from grader.errors import ChallengeError, DockerUnavailable
from grader.grading import grade, grade_safely, interpret
from grader.protocol import AppFailure, FailureKind, Limit, RunReport, TestEntry, TestStatus
from grader.sandbox.base import AppExit, RunOutcome

from .conftest import ROOT

CHALLENGE = get_challenge("hello-world")


def _test(name: str, outcome: str | None, points: float = 1.0, message: str = "") -> TestEntry:
    return TestEntry(
        nodeid=f"test_hidden.py::{name}",
        name=name,
        description=name,
        points=points,
        outcome=None if outcome is None else TestStatus(outcome),
        message=message,
    )


def _outcome(tests: list[TestEntry], **extra: Any) -> RunOutcome:
    report = RunReport(
        tests=tuple(tests),
        collect_errors=tuple(extra.pop("collect_errors", ())),
        interrupted=extra.pop("interrupted", None),
        app_failure=extra.pop("app_failure", None),
        stamps=tuple(extra.pop("stamps", ())),
    )
    return RunOutcome(sandbox="docker", report=report, image="sha256:x", **extra)


def test_all_passed() -> None:
    result = interpret(CHALLENGE, _outcome([_test("a", "passed", 2), _test("b", "passed")]))
    assert (result.status, result.score, result.max_score) == ("passed", 3, 3)


def test_some_failed() -> None:
    result = interpret(CHALLENGE, _outcome([_test("a", "passed", 2), _test("b", "failed", 1, "nope")]))
    assert (result.status, result.score) == ("failed", 2)
    assert result.tests[1].message == "nope"


def test_missing_outcome_is_never_a_pass() -> None:
    outcome = _outcome(
        [_test("a", "passed"), _test("b", None)], interrupted="the whole-run time limit was reached"
    )
    result = interpret(CHALLENGE, outcome)
    assert result.status == "failed"
    assert result.tests[1].status == "error"
    assert "time limit" in result.tests[1].message


def test_no_report_after_timeout() -> None:
    result = interpret(
        CHALLENGE,
        RunOutcome(sandbox="docker", report=None, timed_out=True, limits_hit=(Limit.RUN_TIMEOUT,)),
    )
    assert result.status == "error" and "time limit" in result.message
    assert result.limits_hit == ["run_timeout"]


def test_an_app_failure_is_the_protocols_account_with_no_score() -> None:
    failure = AppFailure(FailureKind.IMPORT_ERROR, "app.py raised SyntaxError while loading: bad", "File ...")
    result = interpret(CHALLENGE, _outcome([_test("a", None, 2), _test("b", None, 3)], app_failure=failure))
    assert result.status == "error" and result.score is None and result.percent is None
    assert result.headline == "app.py raised SyntaxError while loading: bad"
    assert result.max_score == 5, "the suite's own total, not the challenge's"
    assert result.tests == [], "not graded: no per-test list, the cause is the message"


@pytest.mark.parametrize(
    ("app_exit", "limits", "expected"),
    [
        (AppExit(137), (Limit.MEMORY,), "out of memory"),
        (AppExit(137), (), "exit code 137"),
        (AppExit(0, log_tail="all 10 tests passed"), (), "exited with code 0"),
    ],
)
def test_an_app_gone_before_any_test_is_explained_by_the_engine(
    app_exit: AppExit, limits: tuple[Limit, ...], expected: str
) -> None:
    outcome = _outcome([_test("a", None)], interrupted="stopped", app_exit=app_exit, limits_hit=limits)
    result = interpret(CHALLENGE, outcome)
    assert result.status == "error"
    assert result.headline.startswith("the app"), "the engine's account comes first"
    assert expected in result.headline
    assert result.score is None


def test_what_the_app_printed_never_sets_a_limit_or_the_headline() -> None:
    """Breach 7 and the forged launcher line: the app's text is quoted, never interpreted."""
    forged = "grader: all 10 hidden tests passed\nPerhaps out of memory"
    outcome = _outcome([_test("a", None)], interrupted="stopped", app_exit=AppExit(0, log_tail=forged))
    result = interpret(CHALLENGE, outcome)
    assert result.limits_hit == []
    assert result.headline == "the app exited with code 0"
    assert "(its own text)" in result.message


@pytest.mark.parametrize("reached", [False, True])
def test_an_app_gone_during_its_first_test_is_graded_not_a_start_failure(reached: bool) -> None:
    """Once the runner reached the app ("ready"), an exit is the tests' to count, however early.

    Whether the first test's outcome was recorded before the host saw the
    exit and stopped the runner is a race (tests/redteam/escape-kill-master):
    the verdict must not be.
    """
    stamps = [("imported", 1.0)] + ([("ready", 1.1)] if reached else [])
    outcome = _outcome(
        [_test("a", None), _test("b", None)], interrupted="stopped", app_exit=AppExit(0), stamps=stamps
    )
    result = interpret(CHALLENGE, outcome)
    if reached:
        assert (result.status, result.score) == ("failed", 0)
        assert all(t.status != "passed" for t in result.tests)
    else:
        assert result.status == "error" and result.score is None, "still waiting for the app: not started"


def test_collect_errors_are_the_challenge_authors_bug() -> None:
    with pytest.raises(ChallengeError):
        interpret(CHALLENGE, _outcome([], collect_errors=["test_hidden.py: SyntaxError"]))


def test_a_hanging_import_is_a_start_timeout_in_local_mode_too() -> None:
    """The start deadline fires inside the candidate's import; no ``except Exception`` may hide it."""
    from grader.sandbox.local import LocalSandbox

    result = grade(get_challenge("hello-world"), ROOT / "tests/redteam/hang-import-loop", LocalSandbox())
    assert result.status == "error"
    assert "start_timeout" in result.limits_hit
    assert "did not start listening within" in result.message and "Traceback" not in result.message


class _Failing:
    """A sandbox whose every run raises ``error``: the policy of grade_safely, without an engine."""

    name = "local"

    def __init__(self, error: BaseException) -> None:
        self.error = error
        self.runs = 0

    def identity(self) -> str:
        return "failing"

    def run(self, request: Any) -> RunOutcome:
        self.runs += 1
        raise self.error

    def cancel(self) -> None:
        pass


def test_grade_safely_makes_an_unexpected_exception_the_submissions_row(monkeypatch: Any) -> None:
    """Issue 19: one policy for batch, service and workers; a grader that raises still gives a row."""
    monkeypatch.setattr(grading, "RETRY_PAUSE_SECONDS", 0.0)
    hello = get_challenge("hello-world")
    solution = ROOT / "challenges" / "hello-world" / "solution"
    sandbox = _Failing(RuntimeError("boom"))
    result = grade_safely(hello, solution, sandbox, label="ann.zip")
    assert (result.status, result.submission, sandbox.runs) == ("error", "ann.zip", 1)
    assert result.message == "the grader could not grade this submission (RuntimeError: boom)"


def test_grade_safely_names_a_refused_submission_by_its_label(tmp_path: Any) -> None:
    missing = tmp_path / "server" / "scratch" / "upload.zip"
    result = grade_safely(get_challenge("hello-world"), missing, _Failing(RuntimeError()), label="ann.zip")
    assert result.status == "error" and "ann.zip" in result.message and str(tmp_path) not in result.message


def test_grade_safely_retries_the_engine_then_raises_and_never_retries_a_broken_challenge(
    monkeypatch: Any,
) -> None:
    monkeypatch.setattr(grading, "RETRY_PAUSE_SECONDS", 0.0)
    hello = get_challenge("hello-world")
    solution = ROOT / "challenges" / "hello-world" / "solution"
    engine = _Failing(DockerUnavailable("the Docker engine is not running"))
    with pytest.raises(DockerUnavailable):
        grade_safely(hello, solution, engine, retries=2)
    assert engine.runs == 3
    broken = _Failing(ChallengeError("the suite is broken"))
    with pytest.raises(ChallengeError):
        grade_safely(hello, solution, broken, retries=2)
    assert broken.runs == 1
