"""Grade a folder of submissions in parallel, resumably.

Every immediate subfolder or archive of the batch folder is one submission,
identified by its name. Each is staged once (:func:`grader.staging.staged_candidates`),
and that copy is what is keyed, graded, compared and shown. Each result is
written to ``OUT/results/<id>.json`` as soon as it is known, with a cache key
made of the staged content's key (so the same code zipped or not is one
submission), the challenge's content hash, the sandbox image and the grader version:
a re-run skips every submission whose key is unchanged, so an interrupted
batch continues where it stopped and a finished one re-grades nothing.

One submission can never stop the batch: anything it causes, an unexpected
exception included, is recorded as that submission's ``error`` result. Only a
fault of the grader itself (no Docker, a broken challenge) stops it, before
or between gradings; an engine fault gets one retry first, a broken
challenge none (it would fail the same way).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from . import __version__
from .candidates import Candidate
from .challenges import Challenge
from .errors import UsageError
from .executors.base import Completed, Executor, GradingJob, this_host
from .executors.local import LocalExecutor
from .grading import error_result, grade_safely
from .output.csvcells import result_cells, safe_row
from .results import CSV_FIELDS, GradeResult
from .sandbox.base import Sandbox
from .similarity import SimilarityReport
from .similarity.render import similarity_fields, write_similarity
from .staging import StagedSubmission


@dataclass
class BatchSummary:
    """What a batch run did; ``results`` maps submission id to result, ``hosts`` to where it was graded.

    ``refused`` counts the submissions that could not be staged (each has its
    ``error`` row; nothing of it ran, and it is read again on the next run).
    """

    results: dict[str, GradeResult] = field(default_factory=dict)
    hosts: dict[str, str] = field(default_factory=dict)
    graded: int = 0
    reused: int = 0
    refused: int = 0

    @property
    def counts(self) -> str:
        """``3 graded, 2 reused`` (and ``, 1 refused while staging`` when there are any)."""
        refused = f", {self.refused} refused while staging" if self.refused else ""
        return f"{self.graded} graded, {self.reused} reused{refused}"

    def count(self, status: str) -> int:
        return sum(1 for r in self.results.values() if r.status == status)


def cache_key(content_key: str, challenge_hash: str, image: str) -> str:
    parts = (content_key, challenge_hash, image, __version__)
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()


class BatchRun:
    """Grades submissions of one challenge into an output folder."""

    def __init__(
        self, challenge: Challenge, sandbox: Sandbox, out: Path, executor: Executor | None = None
    ) -> None:
        self.challenge = challenge
        self.sandbox = sandbox
        self.out = out
        #: where the gradings run; None: a thread pool here (see :meth:`run`'s ``jobs``)
        self.executor = executor
        self.results_dir = out / "results"
        self.image = sandbox.identity()
        self.challenge_hash = challenge.fingerprint()
        self._staged: dict[str, StagedSubmission | UsageError] = {}

    def _result_path(self, submission: Candidate) -> Path:
        return self.results_dir / f"{submission.id}.json"

    def cached(self, submission: Candidate, key: str) -> tuple[GradeResult, str] | None:
        """The stored result and its host if it was produced from exactly the same inputs."""
        try:
            stored = json.loads(self._result_path(submission).read_text(encoding="utf-8"))
            if not isinstance(stored, dict) or stored.get("cache_key") != key:
                return None
            return GradeResult.from_dict(stored.get("result")), str(stored.get("host") or "")
        except (OSError, ValueError):  # missing, not JSON, or not a result (ReportError)
            return None

    def store(self, submission: Candidate, key: str | None, result: GradeResult, host: str) -> None:
        """Write one result file at once (atomically); a ``None`` key is never reused."""
        payload = {"id": submission.id, "cache_key": key, "host": host, "result": result.to_dict()}
        path = self._result_path(submission)
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(payload, indent=2), encoding="utf-8")
        tmp.replace(path)

    def grade_one(self, submission: Candidate, staged: StagedSubmission, key: str) -> GradeResult:
        """Grade one staged submission with :func:`grade_safely`'s policy: whatever it causes is its own row.

        Only the grader's own faults (engine, challenge) and a cancel pass
        through: they are not this submission's doing and must stop the batch.
        """
        result = grade_safely(self.challenge, staged, self.sandbox)
        self.store(submission, key or None, result, this_host())
        return result

    def run(
        self,
        submissions: list[Candidate],
        staged: dict[str, StagedSubmission | UsageError],
        jobs: int,
        *,
        force: bool = False,
        on_result: Callable[[Candidate, GradeResult, bool], None] = lambda *_: None,
        on_interrupt: Callable[[int], None] = lambda _: None,
    ) -> BatchSummary:
        """Grade (or reuse) every staged submission through the executor; Ctrl-C stops cleanly.

        ``staged`` maps each submission's id to its staged copy, or to why it
        could not be staged (its own ``error`` row, never cached).

        On Ctrl-C the executor is cancelled, so the gradings under way stop at
        once (their containers removed, nothing cached) and queued ones never
        start; ``on_interrupt`` hears how many were under way.
        """
        self.results_dir.mkdir(parents=True, exist_ok=True)
        summary = BatchSummary()
        by_id = {s.id: s for s in submissions}
        self._staged = staged
        todo: list[GradingJob] = []
        for submission in submissions:
            copy = staged[submission.id]
            if isinstance(copy, UsageError):  # refused while staging: its own row, never cached
                on_result(submission, self._refused(summary, submission, copy), False)
                continue
            key = cache_key(copy.key, self.challenge_hash, self.image)
            previous = None if force else self.cached(submission, key)
            if previous is not None:
                summary.results[submission.id], summary.hosts[submission.id] = previous
                summary.reused += 1
                on_result(submission, previous[0], True)
            else:
                todo.append(GradingJob(submission.id, copy.root, key, copy.label))
        executor = self.executor or LocalExecutor(self._grade_job, self.sandbox.cancel, jobs)
        try:
            for done in executor.run(todo):
                self._record(summary, by_id[done.job.id], done)
                on_result(by_id[done.job.id], done.result, False)
        except KeyboardInterrupt:
            on_interrupt(executor.cancel())
            raise
        order = [s.id for s in submissions]
        summary.results = {i: summary.results[i] for i in order if i in summary.results}
        return summary

    def _refused(self, summary: BatchSummary, submission: Candidate, why: UsageError) -> GradeResult:
        label = str(submission.path)
        result = error_result(self.challenge, self.sandbox.name, why.format(), submission=label)
        self.store(submission, None, result, this_host())
        summary.results[submission.id] = result
        summary.hosts[submission.id] = this_host()
        summary.refused += 1
        return result

    def _grade_job(self, job: GradingJob) -> GradeResult:
        copy = self._staged[job.id]
        assert isinstance(copy, StagedSubmission)  # only staged submissions become jobs
        return self.grade_one(Candidate(job.id, job.path), copy, job.key)

    def _record(self, summary: BatchSummary, submission: Candidate, done: Completed) -> None:
        if not done.stored:
            self.store(submission, done.job.key if done.cacheable else None, done.result, done.host)
        summary.results[submission.id] = done.result
        summary.hosts[submission.id] = done.host
        summary.graded += 1


def prepare_out(out: Path) -> None:
    """Create the output folder, or say in one line why ``out`` cannot be one (exit 2).

    Checked before anything is graded: a file, ``/dev/null`` or a folder that
    cannot be created would otherwise fail only when the first result is
    written, as a traceback.
    """
    if out.exists() and not out.is_dir():
        raise UsageError(
            f"--output {out} exists and is not a folder",
            hint="pass a folder for results.csv, results.json and report.html",
        )
    try:
        (out / "results").mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(
            f"cannot create the output folder {out}: {exc.strerror}", hint="pass a folder you can write"
        ) from None


def write_outputs(
    out: Path,
    challenge: Challenge,
    summary: BatchSummary,
    sources: Mapping[str, Path] | None = None,
    similarity: SimilarityReport | None = None,
    staged: Mapping[str, StagedSubmission | UsageError] | None = None,
) -> None:
    """``results.csv``, ``results.json`` and ``report.html`` for the whole batch (and ``similarity.json``).

    ``sources`` maps submission ids to their paths (host paths in messages
    become names) and ``staged`` to their staged copies (the report's view of
    each submission's files).
    """
    from .output.html import render_report

    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.csv", "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=CSV_FIELDS)
        writer.writeheader()
        for submission_id, result in summary.results.items():
            writer.writerow(
                safe_row(
                    {
                        "id": submission_id,
                        **result_cells(result),
                        "host": summary.hosts.get(submission_id, ""),
                        **similarity_fields(similarity, submission_id),
                    }
                )
            )
    document = [
        {"id": i, **r.to_dict(), **similarity_fields(similarity, i)} for i, r in summary.results.items()
    ]
    (out / "results.json").write_text(json.dumps(document, indent=2), encoding="utf-8")
    report = render_report(challenge, summary.results, sources, similarity, staged)
    (out / "report.html").write_text(report, encoding="utf-8")
    if similarity is not None:
        write_similarity(out, challenge, similarity, page=False)
