"""Grading outside the request: durable jobs in the database, and who runs them.

Every submission to grade has a row in ``jobs``. The life of a job is three
status transitions, each one SQL statement or one transaction:

* **claim** ``queued -> running``: an ``UPDATE ... WHERE status = 'queued'``
  on one row; the worker that sees ``rowcount == 1`` owns it, so two workers
  (threads, processes, hosts) never grade the same job at once;
* **complete** ``running -> done``: the result, the submission's ``done``
  and the webhook deliveries are written in *one* transaction, guarded by
  ``WHERE worker = me AND status = 'running'``: a result is never half
  written, and never written twice;
* **recover** on start: jobs left ``running`` by a dead process go back to
  ``queued`` (one service process per database; see the README).

Claims are fair between teams: the next job is the oldest queued job of the
team with the fewest jobs running, and among those the team served least
recently (``teams.last_claim_at``), so one team's 200 queued jobs delay
another team's upload by at most one grading per worker.

:class:`JobRunner` is the seam for executors: the default
:class:`ThreadRunner` grades in worker threads of the service process; a
distributed executor (Celery) implements the same three methods and calls
:func:`execute` in its workers.
"""

from __future__ import annotations

import functools
import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, cast

from sqlalchemy import Update, func, select, update
from sqlalchemy.engine import CursorResult
from sqlalchemy.orm import Session

from ..challenges import Challenge
from ..errors import Cancelled, ChallengeError, InfrastructureError
from ..grading import error_result, grade_safely
from ..results import GradeResult
from ..sandbox.base import Sandbox
from ..staging import StagedSubmission
from . import datadir
from .catalog import gradable, resolve_challenge
from .db import Database
from .intake import stored_submission
from .models import Delivery, Job, Submission, Team, Webhook, utcnow

log = logging.getLogger(__name__)

#: Gradings the engine failed (Docker down) are retried this many times, then recorded as errors.
MAX_ATTEMPTS = 3
#: :func:`~grader.grading.grade_safely` or a stand-in: (challenge, submission, sandbox, label=, retries=)
GradeFunction = Callable[..., GradeResult]


def _changed(session: Session, statement: Update) -> int:
    """Run an UPDATE; how many rows it changed (the claim and completion guards)."""
    result = cast(CursorResult[Any], session.execute(statement))
    return int(result.rowcount or 0)


@dataclass(frozen=True)
class ClaimedJob:
    """A job this worker owns until it completes or releases it.

    ``stored`` is the submission's stored tree (staged once at upload) or,
    for a submission stored by an older version, its archive; ``content_key``
    the key staging gave it; ``label`` the client's name for it.
    """

    id: int
    submission_id: int
    challenge_id: str
    stored: Path
    content_key: str
    label: str
    attempts: int
    #: the submission's team: its challenge is resolved as that team sees it (private ones included)
    team_id: int

    def submission(self) -> StagedSubmission | Path:
        """What to grade (:func:`.intake.stored_submission`)."""
        return stored_submission(self.stored, self.content_key, self.label)


class JobStore:
    """The jobs table's transitions (see the module docstring)."""

    def __init__(self, db: Database, data_dir: Path, worker: str) -> None:
        self.db = db
        self.data_dir = data_dir
        self.worker = worker

    def recover(self) -> int:
        """Put back every job a dead process left ``running``; returns how many."""
        with self.db.session() as session:
            rows = _changed(
                session,
                update(Job)
                .where(Job.status == "running")
                .values(status="queued", worker="", updated_at=utcnow()),
            )
            running = select(Job.submission_id).where(Job.status == "queued")
            session.execute(
                update(Submission)
                .where(Submission.status == "running", Submission.id.in_(running))
                .values(status="queued")
            )
        return int(rows or 0)

    def claim(self) -> ClaimedJob | None:
        """Take the next job (see the module docstring); ``None`` if none is queued or another won it."""
        for _ in range(5):
            with self.db.session() as session:
                found = next_job(session)
                if found is None:
                    return None
                job_id, team_id = found
                won = _changed(
                    session,
                    update(Job)
                    .where(Job.id == job_id, Job.status == "queued")
                    .values(
                        status="running", worker=self.worker, attempts=Job.attempts + 1, updated_at=utcnow()
                    ),
                )
                if won != 1:
                    continue  # another worker took it between the select and the update
                session.execute(update(Team).where(Team.id == team_id).values(last_claim_at=utcnow()))
                job = session.get_one(Job, job_id)
                submission = session.get_one(Submission, job.submission_id)
                submission.status = "running"
                session.execute(
                    update(Submission).where(Submission.same_as_id == submission.id).values(status="running")
                )
                return ClaimedJob(
                    job.id,
                    submission.id,
                    submission.challenge_id,
                    self.data_dir / submission.stored_path,
                    submission.content_hash,
                    submission.filename,
                    job.attempts,
                    submission.team_id,
                )
        return None

    def challenge(self, job: ClaimedJob) -> Challenge:
        """The job's challenge as its team sees it now (:func:`.catalog.resolve_challenge`)."""
        with self.db.session() as session:
            return resolve_challenge(session, self.data_dir, job.team_id, job.challenge_id)

    def complete(self, job: ClaimedJob, result: GradeResult) -> bool:
        """Write the result, ``done`` and the webhook calls at once; False if the job was not ours."""
        with self.db.session() as session:
            owned = _changed(
                session,
                update(Job)
                .where(Job.id == job.id, Job.status == "running", Job.worker == self.worker)
                .values(status="done", updated_at=utcnow()),
            )
            if owned != 1:
                session.rollback()
                return False
            data = result.to_dict()
            submission = session.get_one(Submission, job.submission_id)
            followers = session.scalars(
                select(Submission).where(Submission.same_as_id == submission.id)
            ).all()
            hooks = session.scalars(select(Webhook).where(Webhook.team_id == submission.team_id)).all()
            for target in (submission, *followers):
                target.status = "done"
                target.result = dict(data, submission=target.filename)
                target.challenge_version = result.challenge_version or target.challenge_version
                target.grade_count += 1
                target.finished_at = utcnow()
                session.add_all(Delivery(webhook_id=h.id, submission_id=target.id) for h in hooks)
        return True

    def release(self, job: ClaimedJob) -> None:
        """Give the job back (the service is stopping, or the engine failed): it will run again."""
        with self.db.session() as session:
            session.execute(
                update(Job)
                .where(Job.id == job.id, Job.worker == self.worker, Job.status == "running")
                .values(status="queued", worker="", updated_at=utcnow())
            )
            session.execute(
                update(Submission)
                .where((Submission.id == job.submission_id) | (Submission.same_as_id == job.submission_id))
                .where(Submission.status == "running")
                .values(status="queued")
            )


def next_job(session: Session) -> tuple[int, int] | None:
    """(job id, team id) of the job to claim next: round-robin by team, fewest running first."""
    queued = (
        select(Submission.team_id.label("team_id"), func.min(Job.id).label("job_id"))
        .join(Submission, Submission.id == Job.submission_id)
        .where(Job.status == "queued")
        .group_by(Submission.team_id)
        .subquery()
    )
    running = (
        select(Submission.team_id.label("team_id"), func.count(Job.id).label("running"))
        .join(Submission, Submission.id == Job.submission_id)
        .where(Job.status == "running")
        .group_by(Submission.team_id)
        .subquery()
    )
    row = session.execute(
        select(queued.c.job_id, queued.c.team_id)
        .join(Team, Team.id == queued.c.team_id)
        .outerjoin(running, running.c.team_id == queued.c.team_id)
        .order_by(
            func.coalesce(running.c.running, 0),
            Team.last_claim_at.asc().nulls_first(),
            queued.c.job_id,
        )
        .limit(1)
    ).first()
    return None if row is None else (int(row[0]), int(row[1]))


def sweep(data_dir: Path, sandbox: Sandbox) -> None:
    """Remove what killed service processes of this data folder left: containers, then scratch.

    Only owners recorded by a scratch folder here and provably dead are
    touched (:mod:`.datadir`). If the engine cannot be asked, the folder is
    kept, so the next start tries again.
    """
    for folder, labels in datadir.dead_scratch(data_dir):
        if sandbox.name == "docker":
            from docker.errors import DockerException

            from ..sandbox.owner import prune_owner
            from ..sandbox.pool import may_remove, pool_dir

            allowed = functools.partial(may_remove, root=pool_dir())
            try:
                removed = prune_owner(sandbox.client, labels, allowed)  # type: ignore[attr-defined]
            except (DockerException, InfrastructureError) as exc:
                log.warning("leftover containers of %s not pruned: %s", folder.name, str(exc)[:200])
                continue
            if removed:
                log.info("removed %d container(s) left by %s", removed, folder.name)
        datadir.remove_scratch(folder)
        log.info("removed the scratch folder of a dead service process (%s)", folder.name)


def execute(
    store: JobStore, job: ClaimedJob, sandbox: Sandbox, grade_fn: GradeFunction = grade_safely
) -> str:
    """Grade one claimed job and record the outcome; returns ``done`` or ``released``.

    What the candidate's code causes is its own ``error`` result (as in
    ``grader batch``); a fault of the grader (Docker down) releases the job
    to run again, up to :data:`MAX_ATTEMPTS`, then records an error result.
    """
    challenge = store.challenge(job)
    try:
        # a private challenge's suite is copied where the sandbox can read it (see catalog.gradable)
        with gradable(challenge, store.data_dir, datadir.process_scratch(store.data_dir)) as runnable:
            # named by the client's name for it, never its path on the server
            result = grade_fn(runnable, job.submission(), sandbox, label=job.label, retries=0)
    except Cancelled:
        store.release(job)
        return "released"
    except ChallengeError as exc:  # broken on this server: another try would fail the same way
        result = error_result(challenge, sandbox.name, f"the grader could not run: {exc.format()}")
    except InfrastructureError as exc:
        if job.attempts < MAX_ATTEMPTS:
            log.warning("job %s: %s; will retry", job.id, exc.format())
            store.release(job)
            return "released"
        result = error_result(challenge, sandbox.name, f"the grader could not run: {exc.format()}")
    result.submission = job.label
    store.complete(job, result)
    return "done"


class JobRunner(Protocol):
    """What the service needs of an executor: start, hear of new jobs, stop."""

    def start(self) -> None: ...

    def wake(self) -> None: ...

    def stop(self) -> None: ...


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


class ThreadRunner:
    """The default executor: ``threads`` workers in this process, polling the jobs table."""

    POLL_SECONDS = 1.0

    def __init__(
        self,
        store: JobStore,
        sandbox: Sandbox,
        threads: int,
        grade_fn: GradeFunction = grade_safely,
        on_done: Callable[[], None] = lambda: None,
    ) -> None:
        self.store = store
        self.sandbox = sandbox
        self.threads = max(1, threads)
        self.grade_fn = grade_fn
        self.on_done = on_done
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._workers: list[threading.Thread] = []

    def start(self) -> None:
        recovered = self.store.recover()
        if recovered:
            log.info("re-queued %d job(s) left running by a previous process", recovered)
        for index in range(self.threads):
            thread = threading.Thread(target=self._loop, name=f"grade-{index}", daemon=True)
            thread.start()
            self._workers.append(thread)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Stop claiming; cancel the gradings under way (their jobs go back to ``queued``)."""
        self._stopping.set()
        self._wake.set()
        self.sandbox.cancel()
        for thread in self._workers:
            thread.join(timeout=30)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            job = self.store.claim()
            if job is None:
                self._wake.wait(self.POLL_SECONDS)
                self._wake.clear()
                continue
            try:
                outcome = execute(self.store, job, self.sandbox, self.grade_fn)
            except Exception as exc:  # noqa: BLE001 - a grader bug must cost one result, not a worker thread
                log.exception("job %s failed", job.id)
                challenge = self.store.challenge(job)
                self.store.complete(job, error_result(challenge, self.sandbox.name, f"internal error: {exc}"))
                outcome = "done"
            if outcome == "done":
                self.on_done()
            else:
                time.sleep(self.POLL_SECONDS)
