"""The one seam between a batch and where its gradings run.

A batch (``grader batch``, or a grading service) turns submissions into
:class:`GradingJob` objects and hands them to an :class:`Executor`, which yields a
:class:`Completed` for each as soon as it is known, in whatever order they
finish. The batch stores, counts and reports them; it does not know whether
they were graded by a thread pool on this machine (:mod:`.local`) or by
workers on other Docker hosts behind a broker (:mod:`.celery`).
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ..results import GradeResult

#: Environment variable naming the broker when ``--broker`` is not given.
BROKER_ENV = "GRADER_BROKER_URL"


@dataclass(frozen=True)
class GradingJob:
    """One submission to grade; ``key`` identifies its inputs (submission, challenge, image).

    ``path`` is the submission's staged copy (a folder of this process's
    scratch), ``label`` how results and messages name it.
    """

    id: str
    path: Path
    key: str
    label: str


@dataclass
class Completed:
    """A job's verdict, where it was graded, and what the batch must still do with it.

    ``stored`` is true when the executor already wrote the batch's result
    file (the local path does it in the grading thread, so a grading that
    finishes while the batch stops is still kept). ``cacheable`` is false for
    an ``error`` that says nothing about the submission (a worker without the
    challenge, a job stopped at its time limit): a re-run grades it again.
    """

    job: GradingJob
    result: GradeResult
    host: str
    stored: bool = False
    cacheable: bool = True


class Executor(Protocol):
    """Grades jobs somewhere and yields their results as they finish."""

    def run(self, jobs: list[GradingJob]) -> Iterator[Completed]:
        """Grade every job; raise :class:`~grader.errors.InfrastructureError` if the grading itself fails."""
        ...

    def cancel(self) -> int:
        """Stop: drop the queued jobs and stop those under way; return how many were under way."""
        ...


def this_host() -> str:
    """The name results carry when graded on this machine."""
    return socket.gethostname()
