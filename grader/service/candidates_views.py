"""The dashboard's candidates pages: who was invited, where each invitation stands, and the team's decision.

- ``/candidates``: the team's candidates, searchable by name, e-mail and
  external id (one box, case-insensitive, anywhere in the text) and by
  review status; each with its invitations' states and the verdict of the
  submission that counts.
- ``/candidates/<id>``: one candidate's invitations (revoke, extend), every
  submission made through them with its verdict, and the review status
  (to review, advance, reject) and notes.
- ``/candidates/invite``: a new invitation. Its link is shown on the answer
  page once and never again: only the token's hash is stored.

Every object is looked up with :func:`~.models.owned`, so another team's
candidate or invitation is a 404, as in the API. Every POST carries a CSRF
token (Flask-WTF). The domain rules (deadlines, limits, states) are
:mod:`.invitations`', shared with the API.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy import func, or_, select
from werkzeug.wrappers import Response as BaseResponse

from ..errors import UsageError
from . import invitations
from .auth import Caller, current_caller
from .candidate_forms import ExtendForm, InviteForm, ReviewForm
from .catalog import resolve_challenge, team_challenges
from .context import db_session, service
from .forms import ActionForm
from .invitations import InvitationError
from .models import CandidateRecord, Invitation, InvitationShows, ReviewStatus, Submission, owned, utcnow
from .similarity import team_similarity

candidates_views = Blueprint("candidates", __name__, template_folder="templates")

#: The most candidates one list shows (newest first); a search narrows it.
LIST_LIMIT = 200
Page = str | tuple[str, int] | tuple[str, int, dict[str, str]] | BaseResponse


@candidates_views.before_request
def _caller() -> None:
    if current_user.is_authenticated:
        g.caller = Caller(current_user.team_id, "")


@dataclass(frozen=True)
class InvitationRow:
    """One invitation as the pages show it: its state and the verdict of the submission that counts."""

    invitation: Invitation
    state: str
    closes_at: datetime
    used: int
    counted: Submission | None


def _row(invitation: Invitation) -> InvitationRow:
    session = db_session()
    return InvitationRow(
        invitation,
        invitations.state(session, invitation).value,
        invitations.aware(invitations.closes_at(invitation)),
        invitations.submissions_used(session, invitation),
        invitations.counted(session, invitation),
    )


def _like(value: str) -> str:
    """``value`` as a LIKE pattern matching it anywhere, its own ``%`` and ``_`` taken literally."""
    escaped = value.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


@candidates_views.get("/candidates")
@login_required
def candidates() -> str:
    """The team's candidates, newest first, narrowed by ``q`` and ``status``."""
    query = request.args.get("q", "").strip()[:200]
    status = request.args.get("status", "")
    where = [CandidateRecord.team_id == current_caller().team_id]
    if query:
        pattern = _like(query)
        where.append(
            or_(
                func.lower(CandidateRecord.name).like(pattern, escape="\\"),
                func.lower(CandidateRecord.email).like(pattern, escape="\\"),
                func.lower(CandidateRecord.external_id).like(pattern, escape="\\"),
            )
        )
    if status in [s.value for s in ReviewStatus]:
        where.append(CandidateRecord.review_status == status)
    else:
        status = ""
    session = db_session()
    found = session.scalars(
        select(CandidateRecord).where(*where).order_by(CandidateRecord.id.desc()).limit(LIST_LIMIT + 1)
    ).all()
    rows = session.scalars(
        select(Invitation)
        .where(Invitation.candidate_id.in_([c.id for c in found[:LIST_LIMIT]]))
        .order_by(Invitation.id.desc())
    ).all()
    by_candidate: dict[int, list[InvitationRow]] = {}
    for invitation in rows:
        by_candidate.setdefault(invitation.candidate_id, []).append(_row(invitation))
    return render_template(
        "candidates.html",
        candidates=[(c, by_candidate.get(c.id, [])) for c in found[:LIST_LIMIT]],
        more=len(found) > LIST_LIMIT,
        query=query,
        status=status,
        statuses=[s.value for s in ReviewStatus],
    )


def _owned_candidate(candidate_id: int) -> CandidateRecord:
    found = owned(db_session(), CandidateRecord, candidate_id, current_caller().team_id)
    if found is None:
        abort(404)
    return found


def _owned_invitation(invitation_id: int) -> Invitation:
    found = owned(db_session(), Invitation, invitation_id, current_caller().team_id)
    if found is None:
        abort(404)
    return found


def _detail(candidate: CandidateRecord, review: ReviewForm | None = None, status: int = 200) -> Page:
    session = db_session()
    rows, subs = invitations.of_candidate(session, candidate.id)
    counted = {row.counted.id for row in map(_row, rows) if row.counted is not None}
    similar = _similar(subs)
    if review is None:
        review = ReviewForm(review_status=candidate.review_status, notes=candidate.notes)
    return render_template(
        "candidate.html",
        candidate=candidate,
        invitations=[_row(i) for i in rows],
        submissions=subs,
        counted=counted,
        similar=similar,
        review=review,
        extend=ExtendForm(),
    ), status


def _similar(subs: Sequence[Submission]) -> dict[int, list[tuple[float, Submission]]]:
    """Each submission's flagged similar submissions of other candidates (the team's analysis, lazily).

    The analysis is :mod:`.similarity`'s, over every submission of the team
    to the challenge; the candidate's own other submissions are left out
    (a second try is expected to resemble the first).
    """
    session = db_session()
    team_id = current_caller().team_id
    own = {s.id for s in subs}
    found: dict[int, list[tuple[float, Submission]]] = {}
    for challenge_id in sorted({s.challenge_id for s in subs if s.content_hash}):
        try:
            challenge = resolve_challenge(session, service().data_dir, team_id, challenge_id)
        except UsageError:  # the challenge was removed: nothing to compare against
            continue
        analysis = team_similarity(session, team_id, challenge)
        for sub in subs:
            if sub.challenge_id == challenge_id:
                found[sub.id] = [
                    (score, other) for score, other in analysis.partners(sub.id) if other.id not in own
                ]
    return found


@candidates_views.get("/candidates/<int:candidate_id>")
@login_required
def candidate(candidate_id: int) -> Page:
    return _detail(_owned_candidate(candidate_id))


@candidates_views.post("/candidates/<int:candidate_id>/review")
@login_required
def review(candidate_id: int) -> Page:
    """Set the review status and notes (the notes are replaced, as ``PATCH /api/v1/candidates/<id>``)."""
    found = _owned_candidate(candidate_id)
    form = ReviewForm()
    if not form.validate_on_submit():
        flash("not saved: " + _first_error(form), "error")
        return _detail(found, form, 400)
    found.review_status = ReviewStatus(form.review_status.data).value
    found.notes = (form.notes.data or "").strip()
    db_session().commit()
    flash(f"saved: {found.name} is now '{found.review_status.replace('_', ' ')}'", "info")
    return redirect(url_for("candidates.candidate", candidate_id=found.id))


def _first_error(form: InviteForm | ReviewForm | ExtendForm) -> str:
    """The form's first error as one line naming its field (a missing CSRF token is a 400 before this)."""
    for name, errors in form.errors.items():
        if errors:
            label = getattr(form, name).label.text if hasattr(form, name) else name
            return f"{label}: {errors[0]}"
    return "the form could not be read: send it again"


def _utc(moment: datetime | None) -> datetime | None:
    """A ``datetime-local`` value read as UTC, as the form's labels say."""
    return None if moment is None else moment.replace(tzinfo=UTC)


@candidates_views.route("/candidates/invite", methods=["GET", "POST"])
@login_required
def invite() -> Page:
    """Invite a candidate; the answer shows the link once (only its token's hash is stored)."""
    form = InviteForm()
    session = db_session()
    team_id = current_caller().team_id
    # the team's private challenges and the built-in ones (see catalog)
    form.challenge.choices = [
        (c.id, f"{c.title} ({c.id})") for c in team_challenges(session, service().data_dir, team_id)
    ]
    if request.method == "GET":
        _prefill(form)
        return render_template("invite.html", form=form)
    if not form.validate_on_submit():
        flash("not invited: " + _first_error(form), "error")
        return render_template("invite.html", form=form), 400
    try:
        challenge = resolve_challenge(session, service().data_dir, team_id, form.challenge.data or "")
        record = invitations.candidate_for(
            session, team_id, form.name.data or "", form.email.data or "", form.external_id.data or None
        )
        invitation, token = invitations.create(
            session, team_id, record, challenge, _utc(form.deadline.data) or utcnow(),
            time_limit_minutes=form.time_limit_minutes.data,
            shows=InvitationShows(form.shows.data),
            max_submissions=form.max_submissions.data or invitations.DEFAULT_MAX_SUBMISSIONS,
        )  # fmt: skip
    except InvitationError as exc:
        session.rollback()
        flash(f"not invited: {exc.field.replace('_', ' ')}: {exc.format()}", "error")
        return render_template("invite.html", form=form), 400
    except UsageError as exc:
        session.rollback()
        flash(f"not invited: {exc.format()}", "error")
        return render_template("invite.html", form=form), 400
    session.commit()
    link = url_for("candidate_page.page", token=token, _external=True)
    page = render_template("invited.html", candidate=record, row=_row(invitation), link=link)
    return page, 200, {"Cache-Control": "no-store"}  # the link is shown once: not kept by the browser either


def _prefill(form: InviteForm) -> None:
    """Invite again: the candidate's record fills the form (``?candidate=<id>``), and a week's deadline."""
    form.deadline.data = (utcnow() + timedelta(days=7)).replace(second=0, microsecond=0, tzinfo=None)
    wanted = request.args.get("candidate", "")
    if wanted.isdigit():
        record = owned(db_session(), CandidateRecord, int(wanted), current_caller().team_id)
        if record is not None:
            form.name.data, form.email.data = record.name, record.email
            form.external_id.data = record.external_id or ""


@candidates_views.post("/invitations/<int:invitation_id>/revoke")
@login_required
def revoke(invitation_id: int) -> Page:
    found = _owned_invitation(invitation_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    invitations.revoke(found)
    db_session().commit()
    flash(f"invitation {found.id} revoked: its link opens nothing any more", "info")
    return redirect(url_for("candidates.candidate", candidate_id=found.candidate_id))


@candidates_views.post("/invitations/<int:invitation_id>/extend")
@login_required
def extend(invitation_id: int) -> Page:
    found = _owned_invitation(invitation_id)
    form = ExtendForm()
    if not form.validate_on_submit():
        flash("not extended: " + _first_error(form), "error")
        return _detail(_owned_candidate(found.candidate_id), status=400)
    try:
        invitations.extend(found, _utc(form.deadline.data) or utcnow())
    except InvitationError as exc:
        db_session().rollback()
        flash(f"not extended: {exc.format()}", "error")
        return _detail(_owned_candidate(found.candidate_id), status=400)
    db_session().commit()
    flash(f"invitation {found.id} now closes at {invitations.closes_at(found):%Y-%m-%d %H:%M} UTC", "info")
    return redirect(url_for("candidates.candidate", candidate_id=found.candidate_id))
