"""Uploads in, stored submissions and queued jobs out (shared by the API and the dashboard).

An upload is written under this process's scratch folder only, then staged
once, exactly as the CLI stages a submission
(:func:`grader.staging.staged_submission`: size caps *before* unpacking, no
links, no absolute or ``..`` paths). That staged tree is what is stored
(``submissions/<id>/files/``), keyed (its content key is the submission's
``content_hash``: the same code zipped twice is one submission), graded and
shown: nothing unpacks an upload again. Refusals are
:class:`InvalidSubmission` with the CLI's one-line reasons, naming the file
as the client named it and never a server path.

No file or folder name on the server comes from the client: scratch copies
are ``upload.zip`` or ``upload.py``, stored trees ``submissions/<id>/files``.
The client's names are kept, exactly as uploaded, as labels in the database
only (and a batch member's files are its own, read from inside the upload).

Fairness (see the README): a team has at most ``max_queued`` gradings
queued or running, and one upload may unpack at most ``staging_bytes`` in
``staging_seconds`` over all its stagings (a batch and each of its members).
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from ..challenges import Challenge
from ..errors import InvalidSubmission, UsageError
from ..grading import error_result
from ..staging import Member, StagedSubmission, prepared_batch, staged_submission
from ..submission import (
    ARCHIVE_SUFFIXES,
    SINGLE_FILE_SUFFIX,
    UploadBudget,
    UploadBudgetExceeded,
    kind_suffix,
    shown,
)
from .datadir import STORED, STORED_TREE, private_dir, private_file
from .models import Batch, BatchMember, Job, Submission, Team, utcnow

#: Jobs that hold a place in the queue.
ACTIVE = ("queued", "running")


class QueueFull(UsageError):
    """The team already has as many gradings queued as it may (answered 429)."""


@dataclass(frozen=True)
class Limits:
    """The fairness caps (``GRADER_MAX_QUEUED_JOBS``, ``GRADER_UPLOAD_STAGING_MB``, ``..._SECONDS``)."""

    max_queued: int = 200
    staging_bytes: int = 256 * 2**20
    staging_seconds: float = 120.0


def archive_suffix(name: str) -> str:
    """The archive suffix ``name`` ends with, lower-cased (``.tar.gz``), or ``""``."""
    suffix = kind_suffix(name)
    return suffix if suffix in ARCHIVE_SUFFIXES else ""


class Intake:
    """Stores uploads under ``data_dir`` and records them as submissions of a team."""

    def __init__(self, data_dir: Path, scratch: Path, limits: Limits | None = None) -> None:
        self.data_dir = data_dir
        self._scratch = scratch
        self.stored = data_dir / STORED
        self.limits = limits or Limits()

    @property
    def scratch(self) -> Path:
        """This process's scratch folder, created ``0700`` on first use (admin commands never need it)."""
        return private_dir(self._scratch)

    def save_upload(self, upload: FileStorage) -> tuple[Path, str]:
        """Write the uploaded file to a private scratch folder; returns (path, client's name)."""
        client_name = Path((upload.filename or "").replace("\\", "/")).name or "upload"
        suffix = archive_suffix(client_name)
        single = not suffix and client_name.lower().endswith(SINGLE_FILE_SUFFIX)
        if not suffix and not single:
            raise InvalidSubmission(
                f"{shown(client_name)} is neither an archive nor a .py file",
                hint="upload a .zip, .tar.gz or a one-file app.py",
            )
        folder = private_dir(self.scratch / uuid.uuid4().hex)
        path = folder / f"upload{suffix or SINGLE_FILE_SUFFIX}"  # a lone .py is staged as app.py
        with private_file(path) as handle:
            upload.save(handle)
        return path, client_name

    def discard(self, path: Path) -> None:
        shutil.rmtree(path.parent, ignore_errors=True)

    def budget(self, client_name: str) -> UploadBudget:
        """The staging budget of one upload."""
        return UploadBudget(client_name, self.limits.staging_bytes, self.limits.staging_seconds)

    def add(
        self,
        session: Session,
        team_id: int,
        challenge: Challenge,
        archive: Path,
        client_name: str,
        *,
        candidate: str = "",
        external_id: str = "",
        regrade: bool = False,
        invitation_id: int | None = None,
    ) -> Submission:
        """Record one uploaded archive as a submission; queue a job unless its content was graded.

        ``invitation_id``: the invitation it came through (a candidate's own upload).
        """
        self._make_room(session, team_id, 1)
        created: list[Path] = []
        done = False
        try:
            submission = self._add(
                session, team_id, challenge, archive, client_name, candidate, external_id, regrade,
                self.budget(client_name), created,
            )  # fmt: skip
            submission.invitation_id = invitation_id
            self._check_queue(session, team_id)
            done = True
        finally:
            if not done:
                self._remove(created)
        return submission

    def _add(
        self,
        session: Session,
        team_id: int,
        challenge: Challenge,
        archive: Path,
        label: str,
        candidate: str,
        external_id: str,
        regrade: bool,
        budget: UploadBudget,
        created: list[Path],
    ) -> Submission:
        with staged_submission(archive, label=label, scratch=self.scratch, budget=budget) as staged:
            submission = self._new(session, team_id, challenge, label, staged.key, candidate, external_id)
            created.append(self.stored / str(submission.id))
            self._keep(submission, staged)
        digest = staged.key
        original = None if regrade else self._original(session, team_id, challenge, digest, submission.id)
        if original is None:
            session.add(Job(submission_id=submission.id))
        else:
            submission.same_as_id = original.id
            submission.status = original.status
            if original.status == "done" and original.result is not None:
                submission.result = dict(original.result, submission=label)
                submission.finished_at = utcnow()
        return submission

    def _new(
        self,
        session: Session,
        team_id: int,
        challenge: Challenge,
        label: str,
        digest: str,
        candidate: str,
        external_id: str,
    ) -> Submission:
        submission = Submission(
            team_id=team_id,
            challenge_id=challenge.id,
            challenge_version=challenge.version,
            candidate=candidate[:200],
            external_id=external_id[:200],
            filename=label[:255],
            stored_path="",
            content_hash=digest,
            status="queued",
            grade_count=0,
        )
        session.add(submission)
        session.flush()
        return submission

    def _keep(self, submission: Submission, staged: StagedSubmission) -> None:
        """Store the staged tree as the submission's files (moved, not unpacked again).

        The folder holding it is ``0700``; the tree inside stays readable, not
        writable, for the sandbox's user, as staging made it.
        """
        private_dir(self.stored)
        target = private_dir(self.stored / str(submission.id)) / STORED_TREE
        shutil.move(staged.root, target)
        submission.stored_path = str(target.relative_to(self.data_dir))

    def _original(
        self, session: Session, team_id: int, challenge: Challenge, digest: str, exclude: int
    ) -> Submission | None:
        """The team's newest graded-or-grading submission with the same content and challenge version."""
        return session.scalar(
            select(Submission)
            .where(
                Submission.team_id == team_id,
                Submission.challenge_id == challenge.id,
                Submission.challenge_version == challenge.version,
                Submission.content_hash == digest,
                Submission.same_as_id.is_(None),
                Submission.id != exclude,
            )
            .order_by(Submission.id.desc())
            .limit(1)
        )

    def add_batch_archive(
        self,
        session: Session,
        team_id: int,
        challenge: Challenge,
        archive: Path,
        client_name: str,
        regrade: bool,
    ) -> Batch:
        """One archive holding one folder or archive per candidate: a batch of submissions.

        As in ``grader batch`` (:mod:`grader.staging`), an unusable member
        becomes that member's own ``error`` result; only an unusable outer
        archive, or one that spends the upload's whole staging budget,
        refuses the upload.
        """
        self._make_room(session, team_id, 1)
        budget = self.budget(client_name)
        created: list[Path] = []
        done = False
        try:
            with prepared_batch(archive, label=client_name, scratch=self.scratch, budget=budget) as members:
                if len(members) > self.limits.max_queued:
                    raise QueueFull(
                        f"{shown(client_name)} holds {len(members)} candidates; "
                        f"a team may have at most {self.limits.max_queued} gradings queued",
                        hint="upload the batch in smaller parts",
                    )
                batch = Batch(team_id=team_id, challenge_id=challenge.id, name=client_name[:200])
                session.add(batch)
                session.flush()
                for member in members:
                    self._add_member(session, team_id, challenge, member, regrade, budget, batch, created)
            self._check_queue(session, team_id)
            done = True
        finally:
            if not done:
                self._remove(created)
        return batch

    def _add_member(
        self,
        session: Session,
        team_id: int,
        challenge: Challenge,
        member: Member,
        regrade: bool,
        budget: UploadBudget,
        batch: Batch,
        created: list[Path],
    ) -> None:
        why = member.problem
        if not why:
            try:
                submission = self._add(
                    session,
                    team_id,
                    challenge,
                    member.path,
                    member.label,
                    member.id,
                    "",
                    regrade,
                    budget,
                    created,
                )
            except UploadBudgetExceeded:
                raise
            except InvalidSubmission as exc:
                why = exc.format()
        if why:  # nothing of it is stored: it has no files to show
            submission = self._new(session, team_id, challenge, member.label, "", member.id, "")
            result = error_result(challenge, "none", why, submission=member.label)
            submission.status = "done"
            submission.result = result.to_dict()
            submission.finished_at = utcnow()
        session.add(BatchMember(batch_id=batch.id, submission_id=submission.id))

    def add_batch_ids(
        self, session: Session, team_id: int, submissions: list[Submission], name: str
    ) -> Batch:
        """A batch of the team's existing submissions (all of one challenge)."""
        challenges = {s.challenge_id for s in submissions}
        if len(challenges) != 1:
            raise UsageError(
                "a batch holds submissions of one challenge", hint="list submissions of one challenge"
            )
        batch = Batch(team_id=team_id, challenge_id=challenges.pop(), name=name[:200])
        session.add(batch)
        session.flush()
        session.add_all(BatchMember(batch_id=batch.id, submission_id=s.id) for s in submissions)
        return batch

    def _make_room(self, session: Session, team_id: int, wanted: int) -> None:
        """Refuse early, before any staging, when the team's queue is already full."""
        if active_jobs(session, team_id) + wanted > self.limits.max_queued:
            raise self._full()

    def _check_queue(self, session: Session, team_id: int) -> None:
        """The exact check, once the upload's jobs are written, until the commit.

        The team's row is locked first (PostgreSQL: a concurrent upload of the
        team waits here, then counts this one's committed jobs; SQLite
        writers are serial anyway), so two uploads cannot both fit under the cap.
        """
        session.execute(select(Team.id).where(Team.id == team_id).with_for_update())
        if active_jobs(session, team_id) > self.limits.max_queued:
            raise self._full()

    def _full(self) -> QueueFull:
        return QueueFull(
            f"your team already has {self.limits.max_queued} gradings queued or running, the most it may",
            hint="wait for some to finish, then upload again",
        )

    @staticmethod
    def _remove(created: list[Path]) -> None:
        """Stored copies of an upload that was refused (its rows are rolled back)."""
        for folder in created:
            shutil.rmtree(folder, ignore_errors=True)


def stored_submission(stored: Path, content_key: str, label: str) -> StagedSubmission | Path:
    """What the intake stored, as grading takes it: the tree staged at upload, graded as it is,
    or the archive an older version stored (staged when it is graded)."""
    if stored.is_dir():
        return StagedSubmission(stored, content_key, label)
    return stored


def active_jobs(session: Session, team_id: int) -> int:
    """The team's jobs queued or running."""
    count = session.scalar(
        select(func.count(Job.id))
        .join(Submission, Submission.id == Job.submission_id)
        .where(Submission.team_id == team_id, Job.status.in_(ACTIVE))
    )
    return int(count or 0)


def requeue(session: Session, submission: Submission) -> bool:
    """Grade a done submission again (a new job, the old result kept until then); False if already queued.

    Idempotent: the ``done -> queued`` transition is one conditional UPDATE,
    so of concurrent regrades of one submission exactly one queues a job.
    """
    result = session.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.status == "done")
        .values(status="queued", same_as_id=None)
        .execution_options(synchronize_session=False)
    )
    if getattr(result, "rowcount", 0) != 1:
        session.refresh(submission)
        return False
    session.add(Job(submission_id=submission.id))
    session.flush()
    session.refresh(submission)
    return True
