"""Webhook events: which calls a team is owed, and the body each one carries.

Three events (``X-Grader-Event`` and ``event`` in the body):

- ``submission.done``: a submission's result is written (every submission,
  uploaded by the team or through an invitation; see :mod:`.jobs`);
- ``submission.received``: a candidate submitted through an invitation;
- ``invitation.started``: a candidate downloaded the starter kit the first time.

A call is owed by writing a :class:`~.models.Delivery` row in the same
transaction as what it announces (:func:`owe`), so it is never lost; the
:class:`~.delivery.Sender` makes it later.
"""

from __future__ import annotations

import json
from enum import StrEnum
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import CandidateRecord, Delivery, Invitation, Submission, Webhook, rfc3339, rfc3339_or_none


class Event(StrEnum):
    SUBMISSION_DONE = "submission.done"
    SUBMISSION_RECEIVED = "submission.received"
    INVITATION_STARTED = "invitation.started"


def owe(
    session: Session,
    team_id: int,
    event: Event,
    *,
    submission_id: int | None = None,
    invitation_id: int | None = None,
) -> None:
    """One delivery of ``event`` to each of the team's webhooks (written with the caller's transaction)."""
    hooks = session.scalars(select(Webhook.id).where(Webhook.team_id == team_id)).all()
    session.add_all(
        Delivery(
            webhook_id=hook_id, event=event.value, submission_id=submission_id, invitation_id=invitation_id
        )
        for hook_id in hooks
    )


def _invitation(session: Session, invitation: Invitation) -> dict[str, Any]:
    candidate = session.get_one(CandidateRecord, invitation.candidate_id)
    return {
        "id": invitation.id,
        "challenge": invitation.challenge_id,
        "candidate": {"id": candidate.id, "name": candidate.name, "external_id": candidate.external_id},
        "deadline": rfc3339(invitation.deadline),
        "started_at": rfc3339_or_none(invitation.started_at),
    }


def body(session: Session, delivery: Delivery) -> bytes:
    """The JSON body of a delivery: the event, the delivery id and the object it is about."""
    payload: dict[str, Any] = {"event": delivery.event, "delivery": delivery.id}
    if delivery.submission_id is not None:
        submission = session.get_one(Submission, delivery.submission_id)
        summary = submission.summary()
        if delivery.event == Event.SUBMISSION_RECEIVED:
            summary["result"] = None  # what was known when it arrived
        payload["submission"] = summary
    if delivery.invitation_id is not None:
        payload["invitation"] = _invitation(session, session.get_one(Invitation, delivery.invitation_id))
    return json.dumps(payload).encode()
