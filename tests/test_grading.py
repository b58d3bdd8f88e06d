"""How sandbox observations become verdicts (pure logic, no sandbox)."""

from __future__ import annotations

from typing import Any

import pytest

from grader.challenges import get_challenge
from grader.errors import ChallengeError
from grader.grading import grade, interpret
from grader.results import REPORT_SCHEMA
from grader.sandbox.base import AppExit, RunOutcome

from .conftest import ROOT

CHALLENGE = get_challenge("hello-world")


def _test(name: str, outcome: str | None, points: float = 1.0, message: str = "") -> dict[str, Any]:
    return {
        "nodeid": f"test_hidden.py::{name}",
        "name": name,
        "description": name,
        "points": points,
        "outcome": outcome,
        "message": message,
        "duration": 0.0,
    }


def _outcome(tests: list[dict[str, Any]], **extra: Any) -> RunOutcome:
    report = {
        "schema": REPORT_SCHEMA,
        "tests": tests,
        "collect_errors": [],
        "interrupted": extra.pop("interrupted", None),
        "app_error": extra.pop("app_error", None),
    }
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
        CHALLENGE, RunOutcome(sandbox="docker", report=None, timed_out=True, limits_hit=["run_timeout"])
    )
    assert result.status == "error" and "time limit" in result.message
    assert result.limits_hit == ["run_timeout"]


@pytest.mark.parametrize(
    ("app_exit", "expected"),
    [
        (AppExit(3, log_tail="grader: no Flask app found: expected app.py"), "no Flask app found"),
        (AppExit(4, log_tail="grader: app.py raised while loading:\nSyntaxError: bad"), "SyntaxError"),
        (AppExit(137, oom_killed=True), "out of memory"),
        (AppExit(0, log_tail="10 passed"), "exited with code 0"),
    ],
)
def test_app_errors_explain_themselves(app_exit: AppExit, expected: str) -> None:
    outcome = _outcome(
        [_test("a", None)], app_error={"kind": "start_timeout", "message": "did not start"}, app_exit=app_exit
    )
    result = interpret(CHALLENGE, outcome)
    assert result.status == "error"
    assert expected in result.message
    assert result.score == 0


def test_collect_errors_are_the_challenge_authors_bug() -> None:
    outcome = _outcome([])
    assert outcome.report is not None
    outcome.report["collect_errors"] = ["test_hidden.py: SyntaxError"]
    with pytest.raises(ChallengeError):
        interpret(CHALLENGE, outcome)


def test_a_forged_report_shape_is_rejected() -> None:
    with pytest.raises(ChallengeError):
        interpret(CHALLENGE, RunOutcome(sandbox="docker", report={"status": "passed"}))


def test_app_dying_before_any_test_ran_is_the_submissions_error() -> None:
    """The host stops the runner while it still waits for the app: no tests, interrupted."""
    outcome = _outcome(
        [],
        interrupted="the whole-run time limit was reached",
        app_exit=AppExit(3, log_tail="grader: no Flask app found: expected app.py"),
    )
    result = interpret(CHALLENGE, outcome)
    assert result.status == "error"
    assert "no Flask app found" in result.message


def test_a_hanging_import_is_a_start_timeout_in_local_mode_too() -> None:
    """The start deadline fires inside the candidate's import; no ``except Exception`` may hide it."""
    from grader.sandbox.local import LocalSandbox

    result = grade(get_challenge("hello-world"), ROOT / "tests/redteam/hang-import-loop", LocalSandbox())
    assert result.status == "error"
    assert "start_timeout" in result.limits_hit
    assert "did not load within" in result.message and "Traceback" not in result.message
