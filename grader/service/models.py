"""The service's tables (SQLAlchemy 2 typed models) and its database handle.

Every row a team can see carries ``team_id``; every query a request makes
filters on it (see :func:`owned`), so another team's object is simply not
found. Schema changes go through Alembic (``migrations/``): the tables here
and the migrations are compared by a test.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, TypeVar

from flask_login import UserMixin
from sqlalchemy import (
    JSON,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from ..results import GradeResult

#: Submission and job states, in the order they happen.
STATUSES = ("queued", "running", "done")


class ReviewStatus(StrEnum):
    """A team's decision on a candidate (stored as its value in ``candidates.review_status``)."""

    TO_REVIEW = "to_review"
    ADVANCE = "advance"
    REJECT = "reject"


class InvitationShows(StrEnum):
    """What a candidate sees after submitting (``invitations.shows``).

    ``receipt``: only the receipt; ``public``: plus the public tests' outcome;
    ``hidden``: plus the hidden suite's score once graded.
    """

    RECEIPT = "receipt"
    PUBLIC = "public"
    HIDDEN = "hidden"


class InvitationState(StrEnum):
    """Where an invitation stands; computed, never stored (see :func:`.invitations.state`)."""

    SENT = "sent"
    STARTED = "started"
    SUBMITTED = "submitted"
    LATE = "late"
    REVOKED = "revoked"
    EXPIRED = "expired"


def utcnow() -> datetime:
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """``moment`` as the API writes every time: UTC, RFC 3339, microseconds, ``Z``.

    Why one helper: SQLite hands stored times back naive (PostgreSQL aware),
    so ``isoformat()`` gave ``+00:00`` on a fresh object and no zone at all
    once read back. Every time stored here is UTC (:func:`utcnow`), so a
    naive one is UTC. Microseconds are kept so a time read from one answer
    can be sent back as ``created_after`` and exclude exactly that object.
    """
    moment = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def rfc3339_or_none(moment: datetime | None) -> str | None:
    return None if moment is None else rfc3339(moment)


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: when a worker last took one of the team's jobs (round-robin between teams, see :mod:`.jobs`)
    last_claim_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class User(UserMixin, Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    username: Mapped[str] = mapped_column(String(100), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored, the token itself is shown once."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(100), default="")
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    challenge_id: Mapped[str] = mapped_column(String(100))
    name: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class BatchMember(Base):
    """A submission in a batch (one submission can be in several: a batch of ids)."""

    __tablename__ = "batch_members"

    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id"), primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), primary_key=True, index=True)


class Submission(Base):
    """One candidate's code for one challenge, and (once done) its result."""

    __tablename__ = "submissions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    challenge_id: Mapped[str] = mapped_column(String(100), index=True)
    challenge_version: Mapped[str] = mapped_column(String(50))
    candidate: Mapped[str] = mapped_column(String(200), default="")
    external_id: Mapped[str] = mapped_column(String(200), default="")
    filename: Mapped[str] = mapped_column(String(255))
    #: path of the stored archive, relative to the data folder
    stored_path: Mapped[str] = mapped_column(String(500))
    content_hash: Mapped[str] = mapped_column(String(64), index=True)
    #: graded by another submission with the same content (graded once, shared)
    same_as_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    #: how many gradings wrote a result here (the kill-and-restart test checks it is 1)
    grade_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    #: the invitation it was submitted through (None: uploaded by the team)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), nullable=True, index=True)

    def grade_result(self) -> GradeResult | None:
        return None if self.result is None else GradeResult.from_dict(self.result)

    def result_dict(self) -> dict[str, Any] | None:
        """The stored result read through the model (an older version's error row says \"no score\" too)."""
        result = self.grade_result()
        return None if result is None else result.to_dict()

    def summary(self) -> dict[str, Any]:
        """What the API says about a submission; ``result`` is the ``--format json`` object."""
        return {
            "id": self.id,
            "challenge": self.challenge_id,
            "challenge_version": self.challenge_version,
            "candidate": self.candidate,
            "external_id": self.external_id,
            "filename": self.filename,
            "status": self.status,
            "same_as": self.same_as_id,
            "created_at": rfc3339(self.created_at),
            "finished_at": rfc3339_or_none(self.finished_at) if self.status == "done" else None,
            # read through the model, so a result stored by an older version says "no score" too
            "result": self.result_dict() if self.status == "done" else None,
            "invitation": self.invitation_id,
        }


class CandidateRecord(Base):
    """A person a team invites: who they are, and the team's decision and notes on them."""

    __tablename__ = "candidates"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(320), index=True)
    #: the id of the candidate in the team's applicant tracking system, if any
    external_id: Mapped[str | None] = mapped_column(String(200), nullable=True, index=True)
    #: a :class:`ReviewStatus` value
    review_status: Mapped[str] = mapped_column(String(16), default=ReviewStatus.TO_REVIEW.value)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "email": self.email,
            "external_id": self.external_id,
            "review_status": self.review_status,
            "notes": self.notes,
            "created_at": rfc3339(self.created_at),
        }


class Invitation(Base):
    """One candidate asked to take one challenge; the link's token is stored as its SHA-256 only."""

    __tablename__ = "invitations"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("candidates.id"), index=True)
    challenge_id: Mapped[str] = mapped_column(String(100))
    #: the challenge's version when the invitation was made (the kit and grading use the current one)
    challenge_version: Mapped[str] = mapped_column(String(50))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    deadline: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    #: minutes from :attr:`started_at` to submit in; None: only the deadline
    time_limit_minutes: Mapped[int | None] = mapped_column(Integer, nullable=True)
    #: an :class:`InvitationShows` value
    shows: Mapped[str] = mapped_column(String(16), default=InvitationShows.RECEIPT.value)
    max_submissions: Mapped[int] = mapped_column(Integer, default=5)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: the first download of the starter kit (starts the time limit)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class Job(Base):
    """A grading to run: durable, claimed with one status transition (see :mod:`.jobs`)."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[int] = mapped_column(ForeignKey("submissions.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    worker: Mapped[str] = mapped_column(String(100), default="")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Webhook(Base):
    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    url: Mapped[str] = mapped_column(String(1000))
    #: the signing secret sealed with the data folder's key (see :mod:`.secrets`), never in clear
    secret: Mapped[str] = mapped_column(String(500))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Delivery(Base):
    """One webhook call to make; written in the same transaction as the result it announces."""

    __tablename__ = "webhook_deliveries"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    #: what happened: ``submission.done`` (every graded submission), ``submission.received`` and
    #: ``invitation.started`` (submissions and starts through an invitation)
    event: Mapped[str] = mapped_column(String(40), default="submission.done")
    submission_id: Mapped[int | None] = mapped_column(ForeignKey("submissions.id"), nullable=True)
    invitation_id: Mapped[int | None] = mapped_column(ForeignKey("invitations.id"), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="pending", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")


class DeliveryAttempt(Base):
    """One try of a delivery: the webhook's log (when, how long, what answered or why it failed)."""

    __tablename__ = "webhook_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("webhook_deliveries.id"), index=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    attempted_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    duration_ms: Mapped[int] = mapped_column(Integer, default=0)
    #: the receiver's HTTP status, None when no answer came (refused, timed out, unreachable)
    status_code: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str] = mapped_column(Text, default="")


class LoginSession(Base):
    """A dashboard login; the cookie holds its token, logging out deletes the row."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class LoginThrottle(Base):
    """Failed logins of one account (``user:<name>``) or one address (``addr:<ip>``)."""

    __tablename__ = "login_throttle"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer, default=0)
    last_failure_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    locked_until: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SourceView(Base):
    """A submission's files as the dashboard shows them, rendered once per content (see :mod:`.source`)."""

    __tablename__ = "source_views"

    #: ``<render version>:<content hash>``: same content, same page, whoever uploaded it
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    rendered: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PrivateChallenge(Base):
    """One uploaded version of a team's own challenge (see :mod:`.private`).

    Its files live under ``private/<team_id>/<folder>`` in the data folder;
    ``folder`` is generated, never a name the client sent. ``revision``
    counts the team's uploads of the same challenge id (1, 2, ...), and
    ``version`` (the manifest's version and the revision) is what a
    submission graded with it records, so a newer upload marks older results
    outdated exactly as a built-in challenge's new version does.
    """

    __tablename__ = "private_challenges"
    __table_args__ = (UniqueConstraint("team_id", "challenge_id", "revision", name="uq_private_revision"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"), index=True)
    challenge_id: Mapped[str] = mapped_column(String(100), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    version: Mapped[str] = mapped_column(String(50))
    title: Mapped[str] = mapped_column(String(200), default="")
    folder: Mapped[str] = mapped_column(String(64))
    #: ``verifying``, then ``ready`` (sound: gradable) or ``refused`` (``problems`` says why)
    status: Mapped[str] = mapped_column(String(16), default="verifying", index=True)
    problems: Mapped[list[str]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class SimilarityDocument(Base):
    """A submission's code as the similarity analysis reads it, once per content (see :mod:`.similarity`)."""

    __tablename__ = "similarity_documents"

    #: ``<document version>:<content hash>``: same content, same document, whoever uploaded it
    key: Mapped[str] = mapped_column(String(100), primary_key=True)
    #: the document as JSON (:func:`grader.similarity.contents.document_to_json`), empty if unreadable
    document: Mapped[str] = mapped_column(Text)
    #: why the files could not be read, empty if they were
    problem: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


Owned = TypeVar("Owned", Team, Batch, Submission, Webhook, ApiToken, CandidateRecord, Invitation)


#: The largest id a row can have (PostgreSQL's ``integer``); larger ids are simply not found.
MAX_ID = 2**31 - 1


def owned(session: Session, model: type[Owned], object_id: int, team_id: int) -> Owned | None:
    """The object if it exists *and* belongs to the team; another team's is not found.

    An id out of the column's range is not found either (the database would
    fail on it rather than answer "no such row").
    """
    if isinstance(object_id, bool) or not 1 <= object_id <= MAX_ID:
        return None
    return session.scalar(
        select(model).where(model.id == object_id, model.team_id == team_id)  # type: ignore[attr-defined,arg-type]
    )


def make_engine(url: str) -> Engine:
    """An engine for ``url``; SQLite gets WAL and a busy timeout so threads can share it."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            connect_args={"timeout": 30, "check_same_thread": False},
            json_serializer=json.dumps,
        )

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(connection: Any, _record: Any) -> None:
            cursor = connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)
