"""Grade every mutant of a challenge's reference solution with its hidden suite.

Each mutant is graded exactly like a candidate's submission: through
:func:`grader.grading.grade`, in the given sandbox, with the challenge's own
limits, several at once (a thread pool, as in :mod:`grader.batch`). A mutant
is *killed* when it scores below full marks, for whatever reason: a failed
test, an app that no longer starts, or a time limit (a hanging mutant is
stopped by the limits like any submission, and the report says so).

Mutants the challenge declares equivalent (``[[mutation.equivalent]]`` in
``challenge.toml``) are graded too: one that is killed after all, and a
declaration naming no generated mutant, are *problems* that fail the check,
so a declaration can never silently hide a mutant.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path

from ..challenges import Challenge
from ..errors import ChallengeError, InfrastructureError
from ..grading import grade
from ..results import GradeResult
from ..sandbox.base import Sandbox
from .counts import cap_problem
from .generate import Mutant, generate_mutants

#: Pause before the one retry of a grading the engine failed (as in a batch).
RETRY_PAUSE_SECONDS = 1.0
TIME_LIMITS = ("start_timeout", "test_timeout", "run_timeout")


@dataclass
class MutantOutcome:
    """What grading one mutant showed."""

    mutant: Mutant
    status: str  # killed | survived | equivalent
    detail: str = ""
    timed_out: bool = False
    reason: str = ""  # the declared reason, for equivalent mutants
    category: str = ""  # the declared class (same-behaviour, unreachable...), for equivalent mutants
    duration: float = 0.0


@dataclass
class MutationReport:
    """The mutation analysis of one challenge."""

    challenge: str
    version: str
    sandbox: str
    outcomes: list[MutantOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    duration: float = 0.0

    def count(self, status: str) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def generated(self) -> int:
        return len(self.outcomes)

    @property
    def timeouts(self) -> int:
        return sum(1 for o in self.outcomes if o.status == "killed" and o.timed_out)

    @property
    def score_text(self) -> str:
        """The score as counts, never a bare percentage: ``killed/total (N declared equivalent)``."""
        equivalent = self.count("equivalent")
        total = self.generated - equivalent
        return f"{self.count('killed')}/{total} ({equivalent} declared equivalent)"

    @property
    def score(self) -> float:
        """killed / (generated - equivalent); 1.0 when nothing is left to kill."""
        candidates = self.generated - self.count("equivalent")
        return self.count("killed") / candidates if candidates else 1.0

    def ok(self, min_score: float) -> bool:
        return self.score >= min_score and not self.problems


def _verdict(result: GradeResult) -> tuple[bool, bool, str]:
    """(killed, by a time limit, what killed it) for one mutant's grading."""
    if result.status == "passed" and (result.score or 0.0) >= result.max_score:
        return False, False, ""
    limits = [limit for limit in result.limits_hit if limit in TIME_LIMITS]
    if limits:
        return True, True, f"stopped by the time limit ({', '.join(limits)})"
    if result.status == "error":
        return True, False, f"could not be graded: {result.headline}"
    failed = [t.name for t in result.failed_tests]
    shown = ", ".join(failed[:4]) + (f" and {len(failed) - 4} more" if len(failed) > 4 else "")
    return True, False, f"failed {shown}"


class MutationRun:
    """Grades the mutants of one challenge in one sandbox."""

    def __init__(self, challenge: Challenge, sandbox: Sandbox, jobs: int) -> None:
        self.challenge = challenge
        self.sandbox = sandbox
        self.jobs = max(1, jobs)
        self.declared = {e.mutant: e.reason for e in challenge.equivalent_mutants}
        self.classes = {e.mutant: e.category for e in challenge.equivalent_mutants}

    def _grade(self, folder: Path, *, first_failure: bool = True) -> GradeResult:
        """A mutant's suite stops at its first failing test: one failure kills it."""
        try:
            return grade(self.challenge, folder, self.sandbox, first_failure=first_failure)
        except InfrastructureError as exc:
            if isinstance(exc, ChallengeError):
                raise
            time.sleep(RETRY_PAUSE_SECONDS)
            return grade(self.challenge, folder, self.sandbox, first_failure=first_failure)

    def grade_mutant(self, mutant: Mutant, scratch: Path) -> MutantOutcome:
        """Copy the solution, apply the mutant, grade it like a submission."""
        started = time.monotonic()
        folder = scratch / mutant.id.replace("/", "_").replace(":", "_").replace("#", "_")
        shutil.copytree(self.challenge.solution_dir, folder, ignore=shutil.ignore_patterns("__pycache__"))
        try:
            (folder / mutant.file).write_text(mutant.code, encoding="utf-8")
            result = self._grade(folder)
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        killed, timed_out, detail = _verdict(result)
        outcome = MutantOutcome(mutant, "killed" if killed else "survived", detail, timed_out)
        if mutant.id in self.declared and not killed:
            outcome.status, outcome.reason = "equivalent", self.declared[mutant.id]
            outcome.category = self.classes[mutant.id]
        outcome.duration = round(time.monotonic() - started, 3)
        return outcome

    def check_baseline(self) -> None:
        """Mutation scores mean nothing unless the unchanged solution scores full marks."""
        result = self._grade(self.challenge.solution_dir, first_failure=False)
        if _verdict(result)[0]:
            raise ChallengeError(
                f"{self.challenge.id}: the reference solution does not score full marks ({result.headline})",
                hint="run `grader verify` and fix the challenge first",
            )

    def run(self, on_outcome: Callable[[MutantOutcome], None] = lambda _: None) -> MutationReport:
        """Grade every mutant (in parallel); Ctrl-C cancels the gradings under way."""
        started = time.monotonic()
        report = MutationReport(self.challenge.id, self.challenge.version, self.sandbox.name)
        self.check_baseline()
        mutants = generate_mutants(self.challenge.solution_dir)
        generated = {m.id for m in mutants}
        for mutant_id in sorted(set(self.declared) - generated):
            report.problems.append(
                f"declared equivalent mutant {mutant_id} is not generated: "
                "remove or update the declaration in challenge.toml"
            )
        over = cap_problem(len(mutants), sorted(self.declared))
        if over:
            report.problems.append(over)
        by_id: dict[str, MutantOutcome] = {}
        with tempfile.TemporaryDirectory(prefix="grader-mutants-") as scratch:
            executor = ThreadPoolExecutor(max_workers=self.jobs, thread_name_prefix="mutant")
            pending: dict[Future[MutantOutcome], Mutant] = {
                executor.submit(self.grade_mutant, m, Path(scratch)): m for m in mutants
            }
            try:
                while pending:
                    done, _ = wait(pending, return_when=FIRST_COMPLETED)
                    for future in done:
                        pending.pop(future)
                        outcome = future.result()
                        by_id[outcome.mutant.id] = outcome
                        on_outcome(outcome)
            except KeyboardInterrupt:
                self.sandbox.cancel()
                executor.shutdown(wait=True, cancel_futures=True)
                raise
            except InfrastructureError:
                executor.shutdown(wait=True, cancel_futures=True)
                raise
            executor.shutdown(wait=True)
        report.outcomes = [by_id[m.id] for m in mutants]
        for outcome in report.outcomes:
            if outcome.mutant.id in self.declared and outcome.status == "killed":
                report.problems.append(
                    f"mutant {outcome.mutant.id} is declared equivalent but was killed "
                    f"({outcome.detail}): remove the declaration"
                )
        report.duration = round(time.monotonic() - started, 2)
        return report
