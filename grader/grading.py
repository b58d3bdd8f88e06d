"""Grading, in one place: submission in, :class:`GradeResult` out.

Everything that decides a verdict lives here: which suite runs, how the
sandbox's observations become per-test results, what counts as ``passed``,
``failed`` or ``error``. Sandboxes only run things; renderers only print.
"""

from __future__ import annotations

import time
from pathlib import Path

from . import __version__
from .appkit.serve import EXIT_IMPORT_ERROR, EXIT_NO_APP, MESSAGE_PREFIX
from .challenges import Challenge
from .errors import ChallengeError
from .results import GradeResult, Report, ReportError, TestResult, parse_report
from .sandbox.base import RunOutcome, RunRequest, Sandbox
from .submission import prepared_submission

#: Why the app-side launcher (grader.appkit.serve) exited, by exit code.
_APP_EXIT_REASONS = {
    EXIT_NO_APP: "no Flask app found",
    EXIT_IMPORT_ERROR: "the app failed to import",
    137: "the app was killed (out of memory or a limit)",
}


def grade(
    challenge: Challenge,
    submission: Path,
    sandbox: Sandbox,
    *,
    suite: str = "hidden",
) -> GradeResult:
    """Grade ``submission`` (a folder or an archive) against one of the challenge's suites."""
    started = time.monotonic()
    tests_dir = challenge.hidden_tests if suite == "hidden" else challenge.public_tests
    with prepared_submission(submission) as app_dir:
        outcome = sandbox.run(RunRequest(app_dir=app_dir, tests_dir=tests_dir, limits=challenge.limits))
    result = interpret(challenge, outcome)
    result.duration = round(time.monotonic() - started, 3)
    result.submission = str(submission)
    return result


def _app_failure_message(outcome: RunOutcome, fallback: str) -> str:
    """Explain why the app is gone, from what the sandbox saw of its exit."""
    app_exit = outcome.app_exit
    if app_exit is None:
        return fallback
    if app_exit.oom_killed:
        return "the app ran out of memory (killed by the memory limit)"
    lines = [line for line in app_exit.log_tail.splitlines() if line.strip()]
    starts = [i for i, line in enumerate(lines) if line.startswith(MESSAGE_PREFIX)]
    if starts:
        # the launcher's message runs from its last prefixed line to the end (a traceback)
        start = starts[-1]
        return "\n".join([lines[start][len(MESSAGE_PREFIX) :], *lines[start + 1 :]][:40])
    reason = _APP_EXIT_REASONS.get(app_exit.exit_code or 0, f"the app exited with code {app_exit.exit_code}")
    tail = "\n".join(lines[-12:])
    return f"{reason}\nlast output:\n{tail}" if tail else reason


def error_result(challenge: Challenge, sandbox: str, message: str) -> GradeResult:
    """A zero-score ``error`` verdict: where every grading starts until tests prove more."""
    return GradeResult(
        challenge=challenge.id,
        challenge_version=challenge.version,
        status="error",
        score=0.0,
        max_score=challenge.points,
        message=message,
        sandbox=sandbox,
        duration=0.0,
        grader_version=__version__,
    )


def interpret(challenge: Challenge, outcome: RunOutcome) -> GradeResult:
    """Turn what the sandbox observed into a verdict."""
    result = error_result(challenge, outcome.sandbox, "")
    result.image = outcome.image
    result.limits_hit = list(outcome.limits_hit)
    if outcome.report is None:
        if outcome.timed_out:
            result.message = f"the run exceeded its time limit ({challenge.limits.run_timeout:g} s)"
        else:
            result.message = _app_failure_message(outcome, "the test run produced no result")
        return result
    try:
        report = parse_report(outcome.report)
    except ReportError as exc:
        raise ChallengeError(f"the test runner returned an invalid report: {exc}") from None
    if report.collect_errors:
        raise ChallengeError(
            f"the {challenge.id} suite could not be collected: {report.collect_errors[0][:500]}"
        )
    stopped_before_tests = not report.tests and (report.interrupted or outcome.app_exit)
    if report.app_error is None and stopped_before_tests:
        # the run was stopped (app died, time limit) while the runner still waited for the app
        report.app_error = {"kind": "stopped", "message": report.interrupted or "the app stopped"}
    if report.app_error is not None:
        fallback = report.app_error["message"]
        result.message = _app_failure_message(outcome, fallback) if outcome.app_exit else fallback
        if report.app_error["kind"] == "start_timeout" and "start_timeout" not in result.limits_hit:
            result.limits_hit.append("start_timeout")
        result.tests = _tests(report, "not run: the app could not be started")
        return result
    unfinished = report.interrupted or "no result was recorded for this test"
    if outcome.app_exit is not None:
        unfinished = _app_failure_message(outcome, unfinished)
    result.tests = _tests(report, unfinished)
    if not result.tests:
        raise ChallengeError(f"the {challenge.id} suite collected no tests")
    result.score = round(sum(t.score for t in result.tests), 4)
    result.max_score = round(sum(t.max_score for t in result.tests), 4)
    if any(raw.timed_out for raw in report.tests) and "test_timeout" not in result.limits_hit:
        result.limits_hit.append("test_timeout")
    if all(t.status == "passed" for t in result.tests):
        result.status = "passed"
        result.message = "all tests passed"
    else:
        result.status = "failed"
        failed = len(result.failed_tests)
        result.message = f"{failed} of {len(result.tests)} tests did not pass"
        if report.interrupted or outcome.app_exit is not None:
            result.message += f" ({unfinished.splitlines()[0]})"
    return result


def _tests(report: Report, unfinished: str) -> list[TestResult]:
    tests = []
    for raw in report.tests:
        status = raw.outcome or "error"
        tests.append(
            TestResult(
                name=raw.nodeid.split("::", 1)[-1],
                description=raw.description,
                status=status,
                score=raw.points if status == "passed" else 0.0,
                max_score=raw.points,
                message=raw.message if raw.outcome else unfinished,
                duration=raw.duration,
            )
        )
    return tests
