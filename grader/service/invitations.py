"""Invitations: a candidate asked to take one challenge, by a link that holds a token.

The token is ``secrets.token_urlsafe`` and shown once, when the invitation is
made; only its SHA-256 is stored (as API tokens, :mod:`.auth`), so a leaked
database holds no usable link. Looking a token up compares the digests in
constant time.

An invitation is open from its creation until it *closes*: the deadline, or
``started_at + time_limit_minutes`` when that comes first. Its state
(:class:`.models.InvitationState`) is computed, never stored, so extending a
deadline or revoking needs one column written and nothing else kept in step.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, object_session

from ..challenges import Challenge
from ..errors import UsageError
from .models import (
    CandidateRecord,
    Invitation,
    InvitationShows,
    InvitationState,
    Submission,
    rfc3339,
    rfc3339_or_none,
    utcnow,
)

#: Submissions an invitation allows unless the team says otherwise.
DEFAULT_MAX_SUBMISSIONS = 5
#: The largest time limit and submission count a team may set (a week; a hundred).
MAX_TIME_LIMIT_MINUTES = 7 * 24 * 60
MAX_SUBMISSIONS = 100


class InvitationError(UsageError):
    """A team's request about an invitation is wrong; ``field`` names the input at fault."""

    def __init__(self, message: str, *, field: str, hint: str | None = None) -> None:
        super().__init__(message, hint=hint)
        self.field = field


def aware(moment: datetime) -> datetime:
    """``moment`` in UTC with its zone: SQLite hands stored times back naive (and they are UTC)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def candidate_for(
    session: Session, team_id: int, name: str, email: str, external_id: str | None = None
) -> CandidateRecord:
    """The team's record of this candidate (same e-mail, case-insensitive), made if new.

    Why reuse: one person invited to two challenges is one record with one
    review status and one set of notes. A name or external id given again
    updates the record; an empty one leaves it.
    """
    email = email.strip()
    record = session.scalar(
        select(CandidateRecord).where(
            CandidateRecord.team_id == team_id, func.lower(CandidateRecord.email) == email.lower()
        )
    )
    if record is None:
        record = CandidateRecord(
            team_id=team_id, name=name.strip(), email=email, external_id=external_id or None
        )
        session.add(record)
        session.flush()
        return record
    if name.strip():
        record.name = name.strip()
    if external_id:
        record.external_id = external_id
    return record


def create(
    session: Session,
    team_id: int,
    candidate: CandidateRecord,
    challenge: Challenge,
    deadline: datetime,
    *,
    time_limit_minutes: int | None = None,
    shows: InvitationShows = InvitationShows.RECEIPT,
    max_submissions: int = DEFAULT_MAX_SUBMISSIONS,
    now: datetime | None = None,
) -> tuple[Invitation, str]:
    """A new invitation and its token; the token is returned here and never again."""
    now = now or utcnow()
    if aware(deadline) <= now:
        raise InvitationError("the deadline is in the past", field="deadline", hint="give a later time")
    if time_limit_minutes is not None and not 1 <= time_limit_minutes <= MAX_TIME_LIMIT_MINUTES:
        raise InvitationError(
            f"the time limit must be 1 to {MAX_TIME_LIMIT_MINUTES} minutes",
            field="time_limit_minutes",
            hint="leave it out for no limit but the deadline",
        )
    if not 1 <= max_submissions <= MAX_SUBMISSIONS:
        raise InvitationError(f"max_submissions must be 1 to {MAX_SUBMISSIONS}", field="max_submissions")
    token = secrets.token_urlsafe(32)
    invitation = Invitation(
        team_id=team_id,
        candidate_id=candidate.id,
        challenge_id=challenge.id,
        challenge_version=challenge.version,
        token_hash=hash_token(token),
        deadline=aware(deadline),
        time_limit_minutes=time_limit_minutes,
        shows=InvitationShows(shows).value,
        max_submissions=max_submissions,
        created_at=now,
    )
    session.add(invitation)
    session.flush()
    return invitation, token


def lookup(session: Session, token: str) -> Invitation | None:
    """The invitation of ``token`` (revoked and closed ones too: the caller decides); None if unknown."""
    if not token or len(token) > 200:
        return None
    digest = hash_token(token)
    row = session.scalar(select(Invitation).where(Invitation.token_hash == digest))
    if row is None or not hmac.compare_digest(row.token_hash, digest):
        return None
    return row


def revoke(invitation: Invitation, now: datetime | None = None) -> None:
    """Close the invitation for good (idempotent: the first revocation's time is kept)."""
    invitation.revoked_at = invitation.revoked_at or (now or utcnow())


def extend(invitation: Invitation, deadline: datetime, now: datetime | None = None) -> None:
    """Move the deadline later (a revoked invitation stays revoked)."""
    now = now or utcnow()
    if invitation.revoked_at is not None:
        raise InvitationError(
            "the invitation is revoked", field="deadline", hint="invite the candidate again"
        )
    deadline = aware(deadline)
    if deadline <= now or deadline <= aware(invitation.deadline):
        raise InvitationError(
            "the new deadline must be later than both now and the current deadline", field="deadline"
        )
    invitation.deadline = deadline


def start(invitation: Invitation, now: datetime | None = None) -> bool:
    """Mark the candidate's first start (the time limit runs from here); True only the first time.

    One conditional UPDATE (``started_at IS NULL``): of two first downloads at
    once, exactly one starts the invitation, so ``invitation.started`` is
    announced once.
    """
    if invitation.started_at is not None:
        return False
    moment = now or utcnow()
    session = object_session(invitation)
    if session is None:
        invitation.started_at = moment
        return True
    result = session.execute(
        update(Invitation)
        .where(Invitation.id == invitation.id, Invitation.started_at.is_(None))
        .values(started_at=moment)
        .execution_options(synchronize_session=False)
    )
    session.refresh(invitation)
    return getattr(result, "rowcount", 0) == 1


def of_candidate(session: Session, candidate_id: int) -> tuple[list[Invitation], list[Submission]]:
    """A candidate's invitations and every submission made through them, newest first (API and dashboard)."""
    rows = list(
        session.scalars(
            select(Invitation).where(Invitation.candidate_id == candidate_id).order_by(Invitation.id.desc())
        )
    )
    subs = list(
        session.scalars(
            select(Submission)
            .where(Submission.invitation_id.in_([i.id for i in rows]))
            .order_by(Submission.id.desc())
        )
    )
    return rows, subs


def closes_at(invitation: Invitation) -> datetime:
    """When submissions stop: the deadline, or the end of the time limit once started, if earlier."""
    deadline = aware(invitation.deadline)
    if invitation.started_at is None or invitation.time_limit_minutes is None:
        return deadline
    return min(deadline, aware(invitation.started_at) + timedelta(minutes=invitation.time_limit_minutes))


def submissions_used(session: Session, invitation: Invitation) -> int:
    count = session.scalar(select(func.count(Submission.id)).where(Submission.invitation_id == invitation.id))
    return int(count or 0)


def state(session: Session, invitation: Invitation, now: datetime | None = None) -> InvitationState:
    """Where the invitation stands.

    ``revoked`` wins; then ``submitted`` (at least one submission); an open
    invitation is ``sent`` or ``started``; a closed one without a submission
    is ``late`` if the candidate started (and did not submit in time) and
    ``expired`` if they never started.
    """
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return InvitationState.REVOKED
    if submissions_used(session, invitation):
        return InvitationState.SUBMITTED
    if now < closes_at(invitation):
        return InvitationState.SENT if invitation.started_at is None else InvitationState.STARTED
    return InvitationState.EXPIRED if invitation.started_at is None else InvitationState.LATE


def refusal(session: Session, invitation: Invitation, now: datetime | None = None) -> str:
    """Why the candidate may not submit now, in one line; ``""`` when they may."""
    now = now or utcnow()
    if invitation.revoked_at is not None:
        return "this invitation was revoked by the hiring team"
    closes = closes_at(invitation)
    if now >= closes:
        why = "time limit" if closes < aware(invitation.deadline) else "deadline"
        return f"the {why} of this invitation passed at {closes.strftime('%Y-%m-%d %H:%M UTC')}"
    used = submissions_used(session, invitation)
    if used >= invitation.max_submissions:
        return f"all {invitation.max_submissions} submissions of this invitation are used"
    return ""


def counted(session: Session, invitation: Invitation) -> Submission | None:
    """The submission that counts: the last one made through the invitation (all were before it closed)."""
    return session.scalar(
        select(Submission)
        .where(Submission.invitation_id == invitation.id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
        .limit(1)
    )


def summary(session: Session, invitation: Invitation, now: datetime | None = None) -> dict[str, object]:
    """What the team's API says about an invitation (never its token, which is not stored)."""
    last = counted(session, invitation)
    return {
        "id": invitation.id,
        "candidate": invitation.candidate_id,
        "challenge": invitation.challenge_id,
        "challenge_version": invitation.challenge_version,
        "state": state(session, invitation, now).value,
        "deadline": rfc3339(invitation.deadline),
        "time_limit_minutes": invitation.time_limit_minutes,
        "closes_at": rfc3339(closes_at(invitation)),
        "shows": invitation.shows,
        "max_submissions": invitation.max_submissions,
        "submissions_used": submissions_used(session, invitation),
        "counted_submission": None if last is None else last.id,
        "created_at": rfc3339(invitation.created_at),
        "started_at": rfc3339_or_none(invitation.started_at),
        "revoked_at": rfc3339_or_none(invitation.revoked_at),
    }
