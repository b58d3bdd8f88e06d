"""The candidate's web page: the invitation link opened in a browser, for candidates without the CLI.

``GET /i/<token>`` shows where the invitation stands in plain words (not
started, started with time left, past its deadline or time limit, revoked),
and once started the statement (rendered as the dashboard renders it), a
link to the starter kit (``/i/<token>/kit``, the CLI's route) and an upload
form. Reading the statement starts the invitation: a button (``POST
/i/<token>/start``) starts the time limit, because a GET changes nothing and
a statement read before the clock starts would make the limit meaningless.

The form posts to ``/i/<token>/web/submissions``: its path ends in
``/submissions`` so the body gate (:mod:`.bodylimit`) admits a large upload
with a valid invitation token, as it does for ``grader submit``. It submits
through the same path as the CLI (the service's intake with the
invitation's id, the ``submission.received`` webhook, the per-invitation
rate limit) and is CSRF-protected as every dashboard form. The receipts
shown are :func:`.candidate_api.receipt`, the CLI's receipt: a hidden
score only when the invitation's ``shows`` is ``hidden``, and never a test's
name, message or code.

An unknown token is a plain 404 page that says nothing about any
invitation; a token reaches no other page (:func:`.candidate_api.refuse_invitation_tokens`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask_wtf.csrf import CSRFError
from sqlalchemy import select
from werkzeug.wrappers import Response as BaseResponse

from ..errors import UnknownChallenge, UsageError
from . import invitations, public_run
from .api import Problem
from .candidate_api import accept_upload, challenge_of, per_minute, receipt, recent_submissions, too_fast
from .candidate_forms import SolutionForm
from .context import db_session, service
from .events import Event, owe
from .intake import QueueFull
from .models import CandidateRecord, Invitation, InvitationShows, Submission, utcnow
from .statement import render_statement

candidate_page = Blueprint("candidate_page", __name__, template_folder="templates", url_prefix="/i")

Page = str | tuple[str, int] | tuple[str, int, dict[str, str]] | BaseResponse


@dataclass(frozen=True)
class Standing:
    """Where an invitation stands for its candidate: a key for the page and one plain sentence."""

    key: str  # revoked | closed | not_started | open | used_up
    sentence: str

    @property
    def may_submit(self) -> bool:
        return self.key == "open"

    @property
    def shows_work(self) -> bool:
        """Statement and kit: once started, and not after a revocation."""
        return self.key in ("open", "used_up", "closed")


def when(moment: datetime) -> str:
    """A time as the page writes it: UTC to the minute, saying so."""
    return invitations.aware(moment).strftime("%Y-%m-%d %H:%M UTC")


def standing(invitation: Invitation, used: int, now: datetime | None = None) -> Standing:
    """The invitation's state in the candidate's words (the team's states are :func:`.invitations.state`)."""
    now = now or utcnow()
    closes = invitations.closes_at(invitation)
    limit = invitation.time_limit_minutes
    if invitation.revoked_at is not None:
        return Standing(
            "revoked", "This invitation was withdrawn by the hiring team: it can no longer be used."
        )
    if now >= closes:
        why = "time limit" if closes < invitations.aware(invitation.deadline) else "deadline"
        return Standing("closed", f"The {why} passed at {when(closes)}: submissions are closed.")
    if invitation.started_at is None:
        timing = (
            f"Once you start you have {limit} minutes, and at most until the deadline, {when(closes)}."
            if limit
            else f"You have until the deadline, {when(closes)}."
        )
        return Standing("not_started", f"You have not started yet. {timing}")
    left = math.ceil((closes - now).total_seconds() / 60)
    timing = (
        f"You started at {when(invitation.started_at)} and have until {when(closes)} ({left} minutes left)."
    )
    if used >= invitation.max_submissions:
        return Standing("used_up", f"{timing} You have used all {invitation.max_submissions} submissions.")
    return Standing("open", timing)


@candidate_page.errorhandler(UnknownChallenge)
def _challenge_gone(_exc: UnknownChallenge) -> tuple[str, int]:
    """The team removed the invitation's challenge: nothing the candidate can fix, and no traceback."""
    why = "The challenge of this invitation is no longer available: ask the hiring team."
    return render_template("candidate_unknown.html", why=why), 410


@candidate_page.errorhandler(CSRFError)
def _no_csrf(_exc: CSRFError) -> Page:
    """A form without a valid CSRF token (forged, or the cookie was cleared): the page and one line."""
    token = str((request.view_args or {}).get("token", ""))
    invitation = _invitation(token)
    if invitation is None:
        return _unknown()
    why = "Nothing was done: the form was not sent from this page; reload the page and try again."
    return _render(token, invitation, SolutionForm(), why, 400)


def _invitation(token: str) -> Invitation | None:
    return invitations.lookup(db_session(), token)


def _unknown() -> tuple[str, int]:
    return render_template("candidate_unknown.html"), 404


def _render(
    token: str, invitation: Invitation, form: SolutionForm, error: str = "", status: int = 200
) -> Page:
    """The page; ``error`` is the one line saying why the last action was refused."""
    session = db_session()
    challenge = challenge_of(invitation)
    subs = session.scalars(
        select(Submission)
        .where(Submission.invitation_id == invitation.id)
        .order_by(Submission.created_at.desc(), Submission.id.desc())
    ).all()
    now_standing = standing(invitation, len(subs))
    statement = (
        render_statement(challenge.statement.read_text(encoding="utf-8")) if now_standing.shows_work else None
    )
    page = render_template(
        "candidate_page.html",
        token=token,
        invitation=invitation,
        candidate=session.get_one(CandidateRecord, invitation.candidate_id),
        challenge=challenge,
        standing=now_standing,
        statement=statement,
        receipts=[_receipt(invitation, s) for s in subs],
        form=form,
        error=error,
    )
    return page, status, {"Cache-Control": "no-store"}  # a shared computer keeps no copy of the page


def _receipt(invitation: Invitation, submission: Submission) -> dict[str, Any]:
    """The CLI's receipt, plus the public tests' outcome when the invitation shows it."""
    shown = receipt(invitation, submission)
    if invitation.shows == InvitationShows.PUBLIC:
        shown["public"] = public_run.kept(service().data_dir, submission.stored_path)
    return shown


@candidate_page.get("/<token>", endpoint="page")
def page(token: str) -> Page:
    invitation = _invitation(token)
    if invitation is None:
        return _unknown()
    return _render(token, invitation, SolutionForm())


@candidate_page.post("/<token>/start", endpoint="start")
def start(token: str) -> Page:
    """Start the invitation (and its time limit): the statement, kit and upload form appear."""
    invitation = _invitation(token)
    if invitation is None:
        return _unknown()
    session = db_session()
    now_standing = standing(invitation, invitations.submissions_used(session, invitation))
    if now_standing.key in ("revoked", "closed"):
        return _render(token, invitation, SolutionForm(), now_standing.sentence, 410)
    if invitations.start(invitation):
        owe(session, invitation.team_id, Event.INVITATION_STARTED, invitation_id=invitation.id)
        session.commit()
        _wake_sender()
    return redirect(url_for("candidate_page.page", token=token))


@candidate_page.post("/<token>/web/submissions", endpoint="upload")
def upload(token: str) -> Page:
    """Submit from the page, as ``grader submit`` does; refusals are one line on the page."""
    invitation = _invitation(token)
    if invitation is None:
        return _unknown()
    form = SolutionForm()
    session = db_session()
    # PostgreSQL: one submission of an invitation at a time (the row is locked until the commit)
    session.execute(select(Invitation.id).where(Invitation.id == invitation.id).with_for_update())
    why = invitations.refusal(session, invitation)
    if why:
        closed = invitation.revoked_at is not None or utcnow() >= invitations.closes_at(invitation)
        return _render(token, invitation, form, f"Not submitted: {why}.", 410 if closed else 409)
    if recent_submissions(invitation) >= per_minute():
        return _render(token, invitation, form, f"Not submitted: {too_fast().detail}.", 429)
    if not form.validate_on_submit():
        return _render(token, invitation, form, "Not submitted: choose a file to upload first.", 400)
    try:
        submission = _submit(invitation, form)
    except Problem as exc:  # a parallel upload of this invitation took the last place
        return _render(token, invitation, form, f"Not submitted: {exc.detail}.", exc.status)
    except QueueFull:
        session.rollback()
        return _render(
            token, invitation, form, "Not submitted: the grader is busy; submit again in a minute.", 429
        )
    except UnknownChallenge:
        session.rollback()
        raise
    except UsageError as exc:
        session.rollback()
        return _render(token, invitation, form, f"Not submitted: {exc.format()}", 400)
    flash(f"Received: submission {submission.id}. Its receipt is below.", "info")
    return redirect(url_for("candidate_page.page", token=token) + f"#receipt-{submission.id}")


def _submit(invitation: Invitation, form: SolutionForm) -> Submission:
    """The upload through :func:`.candidate_api.accept_upload`, the CLI route's own path.

    With ``shows = public``, the public suite runs on it here: a candidate
    without the CLI has no other way to see it.
    """
    submission = accept_upload(invitation, form.file.data)
    if invitation.shows == InvitationShows.PUBLIC:
        data_dir = service().data_dir
        outcome = public_run.run_public(
            challenge_of(invitation),
            data_dir,
            data_dir / submission.stored_path,
            submission.content_hash,
            submission.filename,
            str(current_app.config["SANDBOX"]),
            service().intake.scratch,
        )
        public_run.keep(data_dir, submission.stored_path, outcome)
    return submission


def _wake_sender() -> None:
    sender = service().sender
    if sender is not None:
        sender.wake()
