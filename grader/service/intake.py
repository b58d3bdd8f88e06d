"""Uploads in, stored submissions and queued jobs out (shared by the API and the dashboard).

An upload is written under the data folder only, checked exactly as the
CLI checks a submission (:func:`grader.submission.prepared_submission`:
size caps *before* unpacking, no links, no absolute or ``..`` paths), and
hashed by its content. Refusals are :class:`InvalidSubmission` with the
CLI's one-line reasons, naming the file as the client named it.
"""

from __future__ import annotations

import shutil
import tarfile
import tempfile
import uuid
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage
from werkzeug.utils import secure_filename

from ..batch import discover
from ..challenges import Challenge
from ..errors import InvalidSubmission, UsageError
from ..grading import error_result
from ..submission import ARCHIVE_SUFFIXES, prepared_submission, tree_hash
from .models import Batch, BatchMember, Job, Submission, utcnow


class Intake:
    """Stores uploads under ``data_dir`` and records them as submissions of a team."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
        self.scratch = data_dir / "tmp"
        self.stored = data_dir / "submissions"

    def save_upload(self, upload: FileStorage) -> tuple[Path, str]:
        """Write the uploaded file to a private scratch folder; returns (path, client's name)."""
        client_name = Path((upload.filename or "").replace("\\", "/")).name or "upload"
        name = secure_filename(client_name) or "upload"
        if not name.lower().endswith(ARCHIVE_SUFFIXES):
            raise InvalidSubmission(f"{client_name} is not an archive", hint="upload a .zip or .tar.gz")
        folder = self.scratch / uuid.uuid4().hex
        folder.mkdir(parents=True)
        path = folder / name
        upload.save(path)
        return path, client_name

    def discard(self, path: Path) -> None:
        shutil.rmtree(path.parent, ignore_errors=True)

    def content_hash(self, archive: Path, client_name: str) -> str:
        """Unpack safely (the CLI's checks) and hash what the grader would read."""
        try:
            with prepared_submission(archive) as app_dir:
                return tree_hash(app_dir)
        except UsageError as exc:
            message = exc.message.replace(str(archive), client_name)
            raise InvalidSubmission(message, hint=exc.hint) from None

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
        batch: Batch | None = None,
    ) -> Submission:
        """Record one checked archive as a submission; queue a job unless its content was graded."""
        digest = self.content_hash(archive, client_name)
        submission = self._new(
            session, team_id, challenge, archive, client_name, digest, candidate, external_id
        )
        original = None if regrade else self._original(session, team_id, challenge, digest, submission.id)
        if original is None:
            session.add(Job(submission_id=submission.id))
        else:
            submission.same_as_id = original.id
            submission.status = original.status
            if original.status == "done" and original.result is not None:
                submission.result = dict(original.result, submission=client_name)
                submission.finished_at = utcnow()
        if batch is not None:
            session.add(BatchMember(batch_id=batch.id, submission_id=submission.id))
        return submission

    def _new(
        self,
        session: Session,
        team_id: int,
        challenge: Challenge,
        archive: Path,
        client_name: str,
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
            filename=client_name[:255],
            stored_path="",
            content_hash=digest,
            status="queued",
            grade_count=0,
        )
        session.add(submission)
        session.flush()
        target = self.stored / str(submission.id) / archive.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(archive, target)
        submission.stored_path = str(target.relative_to(self.data_dir))
        return submission

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

        As in ``grader batch``, an unusable member becomes that member's own
        ``error`` result; only an unusable outer archive refuses the upload.
        """
        batch = Batch(team_id=team_id, challenge_id=challenge.id, name=client_name[:200])
        session.add(batch)
        session.flush()
        with tempfile.TemporaryDirectory(dir=self._scratch()) as packed:
            try:
                with prepared_submission(archive) as root:
                    members = discover(root)
                    paths = [_as_archive(m.path, Path(packed), m.id) for m in members]
            except UsageError as exc:
                raise InvalidSubmission(
                    exc.message.replace(str(archive), client_name), hint=exc.hint
                ) from None
            for member, path in zip(members, paths, strict=True):
                try:
                    self.add(
                        session,
                        team_id,
                        challenge,
                        path,
                        path.name,
                        candidate=member.id,
                        regrade=regrade,
                        batch=batch,
                    )
                except InvalidSubmission as exc:
                    self._add_refused(session, team_id, challenge, path, member.id, exc.format(), batch)
        return batch

    def _add_refused(
        self,
        session: Session,
        team_id: int,
        challenge: Challenge,
        path: Path,
        candidate: str,
        why: str,
        batch: Batch,
    ) -> None:
        submission = self._new(session, team_id, challenge, path, path.name, "", candidate, "")
        result = error_result(challenge, "none", why, submission=path.name)
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

    def _scratch(self) -> Path:
        self.scratch.mkdir(parents=True, exist_ok=True)
        return self.scratch


def _as_archive(source: Path, folder: Path, name: str) -> Path:
    """A batch member as an archive of its own: archives are kept, folders packed (no links)."""
    if source.is_file():
        target = folder / secure_filename(source.name)
        shutil.copyfile(source, target)
        return target
    target = folder / f"{secure_filename(name) or 'submission'}.tar.gz"
    with tarfile.open(target, "w:gz") as archive:
        for path in sorted(source.rglob("*")):
            if path.is_file() and not path.is_symlink():
                archive.add(path, arcname=str(path.relative_to(source)), recursive=False)
    return target


def requeue(session: Session, submission: Submission) -> None:
    """Grade a submission again (its challenge changed): a new job, the old result kept until then."""
    session.add(Job(submission_id=submission.id))
    submission.status = "queued"
    submission.same_as_id = None
