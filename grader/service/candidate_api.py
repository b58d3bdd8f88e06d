"""The candidate's routes, ``/i/<token>/...``: authenticated by the invitation's token and nothing else.

A token reaches exactly :data:`CANDIDATE_ENDPOINTS`: its own starter kit,
its own submissions (upload) and its own receipts. Anything else presented
with a token, in the ``Authorization`` header or as any part of a path, is
answered 404 by :func:`refuse_invitation_tokens` (an app-wide hook that runs
before every blueprint's own authentication), exactly as an unknown URL: a
token opens no team route, no dashboard page, not even the login form.

Submissions go through the service's intake (:meth:`.intake.Intake.add`:
the CLI's staging rules, the size caps, the team's queue) and are refused,
with a one-line problem, once the invitation is revoked or closed (its
deadline, or the time limit counted from the start), once its submissions
are used, or when more than ``INVITE_SUBMISSIONS_PER_MINUTE`` arrive in a
minute.
"""

from __future__ import annotations

import re
import shutil
from datetime import timedelta
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from sqlalchemy import func, select
from werkzeug.datastructures import FileStorage

from ..challenges import Challenge
from ..errors import InvalidSubmission, UnknownChallenge, UsageError
from . import invitations
from .api import Problem, problem
from .auth import bearer_token
from .catalog import resolve_challenge
from .context import db_session, service
from .events import Event, owe
from .intake import QueueFull
from .kit import build_kit
from .models import CandidateRecord, Invitation, InvitationShows, Submission, rfc3339, utcnow

candidate_api = Blueprint("invite", __name__, url_prefix="/i")
#: Every endpoint an invitation token may reach (the isolation test walks all the others).
CANDIDATE_ENDPOINTS = frozenset(
    {"invite.kit", "invite.submit", "invite.receipt"}
    # the candidate's web page (:mod:`.candidate_page`): the page, its start button and upload form
    | {"candidate_page.page", "candidate_page.start", "candidate_page.upload"}
)
#: What ``secrets.token_urlsafe(32)`` gives: 43 URL-safe characters.
TOKEN_SHAPE = re.compile(r"[A-Za-z0-9_-]{43}")
DEFAULT_PER_MINUTE = 3


@candidate_api.errorhandler(Problem)
def _problem(exc: Problem) -> Response:
    extra = {} if exc.field is None else {"field": exc.field}
    return problem(exc.status, exc.title, exc.detail, **extra)


@candidate_api.errorhandler(UsageError)
def _usage(exc: UsageError) -> Response:
    if isinstance(exc, QueueFull):
        return problem(429, "Too Many Requests", "the hiring team's grader is busy: submit again in a minute")
    if isinstance(exc, UnknownChallenge):  # the team removed it: nothing the candidate can fix
        return problem(
            410, "Gone", "the challenge of this invitation is no longer available: ask the hiring team"
        )
    if isinstance(exc, InvalidSubmission):
        return problem(400, "Invalid request", exc.format(), field="file")
    return problem(400, "Invalid request", exc.format())


def _not_found() -> Problem:
    return Problem(404, "Not Found", "no such invitation: check the link you were sent")


def refuse_invitation_tokens() -> Response | None:
    """Answer 404 to any request outside :data:`CANDIDATE_ENDPOINTS` that carries an invitation token."""
    if request.endpoint in CANDIDATE_ENDPOINTS:
        return None
    carried = [bearer_token() or "", *request.path.split("/")]
    carried += [str(value) for value in (request.view_args or {}).values()]
    for value in dict.fromkeys(carried):
        if TOKEN_SHAPE.fullmatch(value) and invitations.lookup(db_session(), value) is not None:
            return problem(404, "Not Found", "")
    return None


def _invitation(token: str) -> Invitation:
    found = invitations.lookup(db_session(), token)
    if found is None:
        raise _not_found()
    return found


def _closed(invitation: Invitation) -> None:
    """410 with the reason when the invitation is revoked or past its close."""
    why = invitations.refusal(db_session(), invitation)
    if why and invitation.revoked_at is None and utcnow() < invitations.closes_at(invitation):
        return  # only the submission count is used up: the kit stays downloadable
    if why:
        raise Problem(410, "Gone", why)


def challenge_of(invitation: Invitation) -> Challenge:
    """The invitation's challenge as its team sees it now, private ones included (looked up here only)."""
    return resolve_challenge(db_session(), service().data_dir, invitation.team_id, invitation.challenge_id)


@candidate_api.get("/<token>/kit")
def kit(token: str) -> Response:
    """The starter kit; the first download starts the invitation (and its time limit)."""
    invitation = _invitation(token)
    _closed(invitation)
    challenge = challenge_of(invitation)
    session = db_session()
    if invitations.start(invitation):
        owe(session, invitation.team_id, Event.INVITATION_STARTED, invitation_id=invitation.id)
        session.commit()
        _wake_sender()
    headers = {"Content-Disposition": f'attachment; filename="{challenge.id}-kit.tar.gz"'}
    return Response(build_kit(challenge), mimetype="application/gzip", headers=headers)


def per_minute() -> int:
    return int(current_app.config.get("INVITE_SUBMISSIONS_PER_MINUTE", DEFAULT_PER_MINUTE))


def recent_submissions(invitation: Invitation) -> int:
    """The invitation's submissions of the last minute."""
    since = utcnow() - timedelta(minutes=1)
    recent = db_session().scalar(
        select(func.count(Submission.id)).where(
            Submission.invitation_id == invitation.id, Submission.created_at > since
        )
    )
    return int(recent or 0)


def too_fast() -> Problem:
    return Problem(429, "Too Many Requests", f"at most {per_minute()} submissions a minute: wait a minute")


@candidate_api.post("/<token>/submissions")
def submit(token: str) -> tuple[Response, int]:
    invitation = _invitation(token)
    session = db_session()
    # PostgreSQL: one submission of an invitation at a time (the row is locked until the commit)
    session.execute(select(Invitation.id).where(Invitation.id == invitation.id).with_for_update())
    why = invitations.refusal(session, invitation)
    if why:
        status = (
            409 if invitation.revoked_at is None and utcnow() < invitations.closes_at(invitation) else 410
        )
        raise Problem(status, "Conflict" if status == 409 else "Gone", why)
    if recent_submissions(invitation) >= per_minute():
        raise too_fast()
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Problem(400, "Invalid request", "attach the archive as the multipart field `file`", "file")
    submission = accept_upload(invitation, upload)
    return jsonify(receipt(invitation, submission)), 201


@candidate_api.get("/<token>/receipts/<int:submission_id>", endpoint="receipt")
def receipt_route(token: str, submission_id: int) -> Response:
    invitation = _invitation(token)
    submission = db_session().get(Submission, submission_id) if 1 <= submission_id < 2**31 else None
    if submission is None or submission.invitation_id != invitation.id:
        raise Problem(404, "Not Found", f"no submission {submission_id} of this invitation")
    return jsonify(receipt(invitation, submission))


def accept_upload(invitation: Invitation, upload: FileStorage) -> Submission:
    """The one way a candidate's upload becomes a submission (the CLI's route and the web page).

    Through the service's intake; then the count and the rate are checked
    again (SQLite: another upload of this invitation may have got in while
    this one was staged), a submission made before any start starts the
    invitation, and the team's webhooks are owed their events.
    """
    session = db_session()
    candidate = session.get_one(CandidateRecord, invitation.candidate_id)
    intake = service().intake
    path, client_name = intake.save_upload(upload)
    try:
        submission = intake.add(
            session, invitation.team_id, challenge_of(invitation), path, client_name,
            candidate=candidate.name, external_id=candidate.external_id or "", invitation_id=invitation.id,
        )  # fmt: skip
    finally:
        intake.discard(path)
    if invitations.submissions_used(session, invitation) > invitation.max_submissions:
        _undo(submission)
        raise Problem(
            409, "Conflict", f"all {invitation.max_submissions} submissions of this invitation are used"
        )
    if recent_submissions(invitation) > per_minute():
        _undo(submission)
        raise too_fast()
    if invitations.start(invitation):  # submitted without downloading the kit: it starts now
        owe(session, invitation.team_id, Event.INVITATION_STARTED, invitation_id=invitation.id)
    owe(session, invitation.team_id, Event.SUBMISSION_RECEIVED, submission_id=submission.id)
    session.commit()
    runner = service().runner
    if runner is not None:
        runner.wake()
    _wake_sender()
    return submission


def _undo(submission: Submission) -> None:
    """Forget a submission that may not count: its rows are rolled back, its stored copy removed."""
    stored = (service().data_dir / submission.stored_path).parent
    db_session().rollback()
    if stored.parent == service().intake.stored:
        shutil.rmtree(stored, ignore_errors=True)


def _used(invitation: Invitation) -> int:
    return invitations.submissions_used(db_session(), invitation)


def receipt(invitation: Invitation, submission: Submission) -> dict[str, Any]:
    """What a candidate is told about one of their submissions (the web page shows the same).

    Always: id, content hash, time, how many submissions are used and
    whether this one counts (the last one before the close does). With
    ``shows = hidden``, the hidden suite's verdict and score once graded,
    never a test's name or message.
    """
    used = _used(invitation)
    last = invitations.counted(db_session(), invitation)
    body: dict[str, Any] = {
        "submission": submission.id,
        "content_hash": submission.content_hash,
        "received_at": rfc3339(submission.created_at),
        "submissions_used": used,
        "max_submissions": invitation.max_submissions,
        "used": f"{used} of {invitation.max_submissions} submissions used",
        "counts": last is not None and last.id == submission.id,
        "closes_at": rfc3339(invitations.closes_at(invitation)),
        "shows": invitation.shows,
        "status": submission.status,
    }
    if invitation.shows == InvitationShows.HIDDEN and submission.status == "done" and submission.result:
        result = submission.result_dict() or {}  # an error: score and percent are null
        body["score"] = {
            "verdict": result.get("status"),
            "score": result.get("score"),
            "max_score": result.get("max_score"),
            "percent": result.get("percent"),
        }
    return body


def _wake_sender() -> None:
    sender = service().sender
    if sender is not None:
        sender.wake()
