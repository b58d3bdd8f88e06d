"""The team's invitation and candidate routes on ``/api/v1`` (bearer token, team-scoped).

- ``POST /invitations``: invite a candidate to a challenge; the answer holds the link's
  token, once (only its hash is stored).
- ``GET /invitations``, ``GET /invitations/<id>``; ``POST /invitations/<id>/revoke``,
  ``POST /invitations/<id>/extend`` (a later ``deadline``).
- ``GET /candidates/<id>`` (the record, its invitations and every submission) and
  ``PATCH /candidates/<id>`` (``review_status``, ``notes``); the list is in :mod:`.lists_api`.

Every bad field is a 400 problem naming it (``field``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import Response, abort, jsonify, request
from sqlalchemy import select

from ..errors import UnknownChallenge
from . import invitations
from .api import Problem, api, invalid, problem
from .auth import current_caller
from .catalog import resolve_challenge
from .context import db_session, service
from .invitations import InvitationError
from .lists_api import submission_item
from .models import (
    MAX_ID,
    CandidateRecord,
    Invitation,
    InvitationShows,
    InvitationState,
    ReviewStatus,
    owned,
)

MAX_NOTES = 20_000
MAX_TEXT = 200


@api.errorhandler(InvitationError)
def _invitation_error(exc: InvitationError) -> Response:
    return problem(400, "Invalid request", exc.format(), field=exc.field)


def _body() -> dict[str, Any]:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid('the body must be a JSON object, such as {"challenge": "hello-world", ...}')
    return body


def _text(body: dict[str, Any], field: str, *, required: bool = False, limit: int = MAX_TEXT) -> str:
    value = body.get(field)
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > limit:
        need = "is required: a" if required else "must be a"
        raise invalid(f"`{field}` {need} string of at most {limit} characters", field)
    return value.strip()


def _whole(body: dict[str, Any], field: str, default: int | None) -> int | None:
    value = body.get(field, default)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise invalid(f"`{field}` must be a whole number", field)
    return value


def _time(body: dict[str, Any], field: str) -> datetime:
    raw = body.get(field)
    moment = None
    if isinstance(raw, str) and len(raw) <= 64:
        try:
            parsed = datetime.fromisoformat(raw)
            moment = parsed.astimezone(UTC) if parsed.tzinfo is not None else None
        except (ValueError, OverflowError):
            moment = None
    if moment is None:
        raise invalid(
            f"`{field}` must be an RFC 3339 time with its offset, such as 2026-12-11T17:00:00Z", field
        )
    return moment


def _link(token: str) -> str:
    """The candidate's link: this service's address as the team reached it, plus ``/i/<token>``."""
    return f"{request.host_url.rstrip('/')}/i/{token}"


def _owned_invitation(invitation_id: int) -> Invitation:
    found = owned(db_session(), Invitation, invitation_id, current_caller().team_id)
    if found is None:
        abort(404, f"no invitation {invitation_id}")
    return found


def _owned_candidate(candidate_id: int) -> CandidateRecord:
    found = owned(db_session(), CandidateRecord, candidate_id, current_caller().team_id)
    if found is None:
        abort(404, f"no candidate {candidate_id}")
    return found


@api.post("/invitations")
def create_invitation() -> tuple[Response, int]:
    body = _body()
    challenge_id = _text(body, "challenge", required=True)
    name = _text(body, "name", required=True)
    email = _text(body, "email", required=True, limit=320)
    if "@" not in email:
        raise invalid("`email` must be an e-mail address", "email")
    external_id = _text(body, "external_id") or None
    deadline = _time(body, "deadline")
    shows = body.get("shows", InvitationShows.RECEIPT.value)
    if shows not in [s.value for s in InvitationShows]:
        raise invalid(f"`shows` must be one of {', '.join(s.value for s in InvitationShows)}", "shows")
    session = db_session()
    team_id = current_caller().team_id
    try:  # the team's own private challenge, or a built-in one
        challenge = resolve_challenge(session, service().data_dir, team_id, challenge_id)
    except UnknownChallenge:
        detail = f"no challenge {challenge_id[:100]!r}: see GET /challenges"
        raise Problem(404, "Not Found", detail, "challenge") from None
    candidate = invitations.candidate_for(session, team_id, name, email, external_id)
    invitation, token = invitations.create(
        session, team_id, candidate, challenge, deadline,
        time_limit_minutes=_whole(body, "time_limit_minutes", None),
        shows=InvitationShows(shows),
        max_submissions=_whole(body, "max_submissions", invitations.DEFAULT_MAX_SUBMISSIONS) or 0,
    )  # fmt: skip
    answer = {
        **invitations.summary(session, invitation),
        "candidate_record": candidate.summary(),
        "token": token,
        "link": _link(token),
    }
    session.commit()
    return jsonify(answer), 201


_LIST_PARAMS = ("candidate", "challenge", "state")


@api.get("/invitations")
def list_invitations() -> Response:
    """The team's invitations, newest first; ``candidate`` (id), ``challenge`` and ``state`` filter them."""
    for name in request.args:
        if name not in _LIST_PARAMS:
            shown = name[:50]
            raise invalid(f"unknown query parameter `{shown}`: filter with {', '.join(_LIST_PARAMS)}", shown)
    query = select(Invitation).where(Invitation.team_id == current_caller().team_id)
    candidate = request.args.get("candidate")
    if candidate is not None:
        if not candidate.isascii() or not candidate.isdigit() or not 1 <= int(candidate) <= MAX_ID:
            raise invalid("`candidate` must be a candidate id", "candidate")
        query = query.where(Invitation.candidate_id == int(candidate))
    if request.args.get("challenge") is not None:
        query = query.where(Invitation.challenge_id == request.args["challenge"])
    state = request.args.get("state")
    if state is not None and state not in [s.value for s in InvitationState]:
        raise invalid(f"`state` must be one of {', '.join(s.value for s in InvitationState)}", "state")
    session = db_session()
    found = [invitations.summary(session, i) for i in session.scalars(query.order_by(Invitation.id.desc()))]
    return jsonify([i for i in found if state is None or i["state"] == state])


@api.get("/invitations/<int:invitation_id>")
def get_invitation(invitation_id: int) -> Response:
    return jsonify(invitations.summary(db_session(), _owned_invitation(invitation_id)))


@api.post("/invitations/<int:invitation_id>/revoke")
def revoke_invitation(invitation_id: int) -> Response:
    invitation = _owned_invitation(invitation_id)
    invitations.revoke(invitation)
    session = db_session()
    answer = invitations.summary(session, invitation)
    session.commit()
    return jsonify(answer)


@api.post("/invitations/<int:invitation_id>/extend")
def extend_invitation(invitation_id: int) -> Response:
    invitation = _owned_invitation(invitation_id)
    invitations.extend(invitation, _time(_body(), "deadline"))
    session = db_session()
    answer = invitations.summary(session, invitation)
    session.commit()
    return jsonify(answer)


def candidate_detail(candidate: CandidateRecord) -> dict[str, Any]:
    """A candidate with every invitation and every submission made through them (newest first)."""
    session = db_session()
    rows, subs = invitations.of_candidate(session, candidate.id)
    return {
        **candidate.summary(),
        "invitations": [invitations.summary(session, i) for i in rows],
        "submissions": [submission_item(s) for s in subs],
    }


@api.get("/candidates/<int:candidate_id>")
def get_candidate(candidate_id: int) -> Response:
    return jsonify(candidate_detail(_owned_candidate(candidate_id)))


@api.patch("/candidates/<int:candidate_id>")
def update_candidate(candidate_id: int) -> Response:
    """Set the review status and/or the notes (the notes are replaced, not appended)."""
    candidate = _owned_candidate(candidate_id)
    body = _body()
    unknown = sorted(set(body) - {"review_status", "notes"})
    if unknown:
        raise invalid(f"unknown field `{unknown[0][:50]}`: send review_status and/or notes", unknown[0][:50])
    if "review_status" in body:
        status = body["review_status"]
        if status not in [s.value for s in ReviewStatus]:
            choices = ", ".join(s.value for s in ReviewStatus)
            raise invalid(f"`review_status` must be one of {choices}", "review_status")
        candidate.review_status = status
    if "notes" in body:
        candidate.notes = _text(body, "notes", limit=MAX_NOTES)
    answer = candidate_detail(candidate)
    db_session().commit()
    return jsonify(answer)
