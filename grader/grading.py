"""Grading, in one place: submission in, :class:`GradeResult` out.

Everything that decides a verdict lives here: which suite runs, how the
sandbox's observations become per-test results, what counts as ``passed``,
``failed`` or ``error``. Sandboxes only run things; renderers only print.
Every fact used comes from the trusted side (the runner's report, the
engine's record of the app's exit and limits); what the app printed is only
ever quoted, as its log, never interpreted.
"""

from __future__ import annotations

import time
from contextlib import ExitStack
from dataclasses import replace
from pathlib import Path

from . import __version__
from .challenges import Challenge
from .errors import Cancelled, ChallengeError, InfrastructureError, UsageError
from .protocol import AppFailure, FailureKind, Limit, RunReport, Suite, TestEntry, TestStatus
from .results import GradeResult, TestResult, Verdict
from .sandbox.base import AppExit, RunOutcome, RunRequest, Sandbox
from .staging import StagedSubmission, staged_submission
from .submission import shown

#: The app's own output quoted under a message, at most this many lines.
LOG_LINES = 12
#: Pause before another try of a grading the engine failed (a runc hiccup under load).
RETRY_PAUSE_SECONDS = 1.0


def grade(
    challenge: Challenge,
    submission: Path | StagedSubmission,
    sandbox: Sandbox,
    *,
    suite: Suite = Suite.HIDDEN,
    first_failure: bool = False,
    scratch: Path | None = None,
) -> GradeResult:
    """Grade ``submission`` against one of the challenge's suites.

    ``submission`` is either already staged (a batch, the service: staged
    once, graded from that copy) or a folder or archive, staged here in
    ``scratch`` (default: the system's temporary folder).
    ``first_failure`` stops the suite at its first failing test (mutation
    testing only needs to know that a mutant is killed, not how badly).
    """
    if isinstance(submission, StagedSubmission):
        return _grade_staged(challenge, submission, sandbox, suite, first_failure)
    with staged_submission(submission, scratch=scratch) as staged:
        return _grade_staged(challenge, staged, sandbox, suite, first_failure)


def _grade_staged(
    challenge: Challenge, staged: StagedSubmission, sandbox: Sandbox, suite: Suite, first_failure: bool
) -> GradeResult:
    started = time.monotonic()
    outcome = sandbox.run(run_request(challenge, staged.root, suite=suite, first_failure=first_failure))
    result = interpret(challenge, outcome)
    timing = {
        "stage": staged.seconds,
        **outcome.timing,
    }  # stage: 0 when it was staged long before (the service)
    return replace(
        result, duration=round(time.monotonic() - started, 3), submission=staged.label, timing=timing
    )


def run_request(
    challenge: Challenge, app_dir: Path, *, suite: Suite = Suite.HIDDEN, first_failure: bool = False
) -> RunRequest:
    """What a sandbox is asked to run for one grading (and what ``DockerSandbox.warm`` makes spares for)."""
    server = challenge.server
    return RunRequest(
        app_dir,
        challenge.hidden_tests if suite == Suite.HIDDEN else challenge.public_tests,
        challenge.limits,
        challenge.run_env(),
        env_template=dict(challenge.env),
        served=server is not None,
        workers=server.workers if server else 1,
        first_failure=first_failure,
    )


def grade_safely(
    challenge: Challenge,
    submission: Path | StagedSubmission,
    sandbox: Sandbox,
    *,
    label: str | None = None,
    scratch: Path | None = None,
    retries: int = 1,
) -> GradeResult:
    """Grade one submission with the one policy of every path: the CLI's batch, the service, the workers.

    - What the submission causes is its own ``error`` result, named by
      ``label`` (never a server path): a submission refused while staging
      (:class:`UsageError`) and anything unexpected while grading it.
    - An engine fault (:class:`InfrastructureError`) is tried ``retries``
      more times, then raised: the grader is broken, not the submission,
      and the caller decides (``grader batch`` stops with exit 3, the
      service releases the job, a worker answers a non-cacheable error).
    - A broken challenge (:class:`ChallengeError`) and a cancel are raised
      at once: another try would fail the same way, or is not wanted.

    A submission given as a path is staged once, before the first try.
    """
    name = submission.label if isinstance(submission, StagedSubmission) else str(label or submission)
    attempt = 0
    with ExitStack() as staging:
        while True:
            try:
                if not isinstance(submission, StagedSubmission):
                    submission = staging.enter_context(
                        staged_submission(submission, label=name, scratch=scratch)
                    )
                return grade(challenge, submission, sandbox)
            except UsageError as exc:
                return error_result(challenge, sandbox.name, exc.format(), submission=name)
            except (Cancelled, ChallengeError):
                raise
            except InfrastructureError:
                if attempt >= retries:
                    raise
                attempt += 1
                time.sleep(RETRY_PAUSE_SECONDS)
            except Exception as exc:  # noqa: BLE001 - the one safe-grading function: a hostile app may trip anything
                message = f"the grader could not grade this submission ({type(exc).__name__}: {shown(exc)})"
                return error_result(challenge, sandbox.name, message, submission=name)


def error_result(challenge: Challenge, sandbox: str, message: str, **fields: object) -> GradeResult:
    """An ``error`` verdict: no score, no per-test list, only its cause (no app, a refused submission...)."""
    values: dict[str, object] = {
        "challenge": challenge.id,
        "challenge_version": challenge.version,
        "status": Verdict.ERROR,
        "score": None,
        "max_score": challenge.points,
        "message": message,
        "sandbox": sandbox,
        "duration": 0.0,
        "grader_version": __version__,
    }
    values.update(fields)
    return GradeResult(**values)  # type: ignore[arg-type]


def _app_log(app_exit: AppExit | None) -> str:
    """The app's last lines, labelled as its own words."""
    if app_exit is None:
        return ""
    lines = [line for line in app_exit.log_tail.splitlines() if line.strip()][-LOG_LINES:]
    return "the app's last output (its own text):\n" + "\n".join(lines) if lines else ""


def _exit_reason(app_exit: AppExit, limits: tuple[Limit, ...]) -> str:
    """Why the app is gone, from the engine's record only."""
    if Limit.MEMORY in limits:
        return "the app ran out of memory (killed by the memory limit)"
    if app_exit.exit_code == 137:
        return "the app was killed (exit code 137: a limit or a signal)"
    return f"the app exited with code {app_exit.exit_code}"


def _join(*parts: str) -> str:
    return "\n".join(part for part in parts if part)


def _failure_message(failure: AppFailure, outcome: RunOutcome) -> str:
    """The protocol's account first; the engine's memory record overrides a bare 'stopped'."""
    first = failure.message
    if failure.kind == FailureKind.STOPPED and Limit.MEMORY in outcome.limits_hit:
        first = f"the app ran out of memory while loading (killed by the memory limit); {first}"
    return _join(first, failure.detail, _app_log(outcome.app_exit))


def _tests(report: RunReport, unfinished: str) -> list[TestResult]:
    return [_test(entry, unfinished) for entry in report.tests]


def _test(entry: TestEntry, unfinished: str) -> TestResult:
    status = entry.outcome or TestStatus.ERROR
    return TestResult(
        name=entry.nodeid.split("::", 1)[-1],
        description=entry.description,
        status=status,
        score=entry.points if status == TestStatus.PASSED else 0.0,
        max_score=entry.points,
        message=entry.message if entry.outcome else unfinished,
        duration=entry.duration,
    )


def interpret(challenge: Challenge, outcome: RunOutcome) -> GradeResult:
    """Turn what the sandbox observed into a verdict, built once."""
    limits = list(outcome.limits_hit)
    image = outcome.image
    report = outcome.report
    if report is None:
        if outcome.timed_out:
            message = f"the run exceeded its time limit ({challenge.limits.run_timeout:g} s)"
        elif outcome.app_exit is not None:
            message = _join(_exit_reason(outcome.app_exit, outcome.limits_hit), _app_log(outcome.app_exit))
        else:
            message = outcome.problem or "the test run produced no result"
        return error_result(
            challenge, outcome.sandbox, message, limits_hit=[str(x) for x in limits], image=image
        )
    if report.collect_errors:
        raise ChallengeError(
            f"the {challenge.id} suite could not be collected: {report.collect_errors[0][:500]}"
        )
    failure = report.app_failure
    ran = any(entry.outcome is not None for entry in report.tests)
    reached = "ready" in dict(report.stamps)  # the runner had the app's facts and it listened
    if failure is None and not ran and not reached and (report.interrupted or outcome.app_exit):
        # stopped (app died, time limit) while the runner still waited for the app; once the app
        # was reached, dying during the first test is the tests' to count (not passed), not a
        # start failure, however soon the host noticed the exit
        reason = (
            _exit_reason(outcome.app_exit, outcome.limits_hit)
            if outcome.app_exit
            else report.interrupted or "the app stopped"
        )
        failure = AppFailure(FailureKind.STOPPED, reason)
    if failure is not None:
        if failure.kind == FailureKind.START_TIMEOUT and Limit.START_TIMEOUT not in limits:
            limits.append(Limit.START_TIMEOUT)
        tests = _tests(report, "not run: the app could not be started")
        return error_result(  # no score, no per-test list: the cause is the message
            challenge,
            outcome.sandbox,
            _failure_message(failure, outcome),
            limits_hit=[str(x) for x in limits],
            max_score=round(sum(t.max_score for t in tests), 4) if tests else challenge.points,
            image=image,
        )
    unfinished = report.interrupted or "no result was recorded for this test"
    if outcome.app_exit is not None:
        unfinished = _join(_exit_reason(outcome.app_exit, outcome.limits_hit), _app_log(outcome.app_exit))
    tests = _tests(report, unfinished)
    if not tests:
        raise ChallengeError(f"the {challenge.id} suite collected no tests")
    if any(entry.timed_out for entry in report.tests) and Limit.TEST_TIMEOUT not in limits:
        limits.append(Limit.TEST_TIMEOUT)
    not_passed = [t for t in tests if t.status != TestStatus.PASSED]
    if not not_passed:
        status, message = Verdict.PASSED, "all tests passed"
    else:
        status, message = Verdict.FAILED, f"{len(not_passed)} of {len(tests)} tests did not pass"
        if report.interrupted or outcome.app_exit is not None:
            message += f" ({unfinished.splitlines()[0]})"
    return GradeResult(
        challenge=challenge.id,
        challenge_version=challenge.version,
        status=status,
        score=round(sum(t.score for t in tests), 4),
        max_score=round(sum(t.max_score for t in tests), 4),
        message=message,
        sandbox=outcome.sandbox,
        duration=0.0,
        tests=tests,
        limits_hit=[str(x) for x in limits],
        grader_version=__version__,
        image=image,
    )
