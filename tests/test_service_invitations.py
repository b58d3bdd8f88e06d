"""The invitation domain: tokens stored hashed, lookups, and the states an invitation goes through."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from grader.challenges import get_challenge
from grader.service import invitations
from grader.service.db import Database, sqlite_url
from grader.service.invitations import InvitationError
from grader.service.models import (
    CandidateRecord,
    Invitation,
    InvitationShows,
    InvitationState,
    Submission,
    Team,
    utcnow,
)


@pytest.fixture
def db(tmp_path: Path) -> Database:
    database = Database(sqlite_url(tmp_path))
    database.upgrade()
    with database.session() as session:
        session.add(Team(name="t"))
    return database


def _invite(db: Database, **options: object) -> tuple[int, str]:
    with db.session() as session:
        team = session.scalars(select(Team)).one()
        record = invitations.candidate_for(session, team.id, "Ann", "ann@example.com", "ats-1")
        invitation, token = invitations.create(
            session,
            team.id,
            record,
            get_challenge("hello-world"),
            utcnow() + timedelta(days=1),
            **options,  # type: ignore[arg-type]
        )
        return invitation.id, token


def _submit(db: Database, invitation_id: int) -> None:
    with db.session() as session:
        invitation = session.get_one(Invitation, invitation_id)
        session.add(
            Submission(
                team_id=invitation.team_id,
                challenge_id="hello-world",
                challenge_version="3",
                filename="s.tar.gz",
                stored_path="x",
                content_hash="h",
                invitation_id=invitation_id,
            )  # fmt: skip
        )


def test_only_the_tokens_hash_is_stored_and_it_finds_its_invitation(db: Database) -> None:
    invitation_id, token = _invite(db)
    with db.session() as session:
        row = session.get_one(Invitation, invitation_id)
        assert row.token_hash == invitations.hash_token(token) and token not in row.token_hash
        assert invitations.lookup(session, token) is row
        assert invitations.lookup(session, token[:-1] + ("A" if token[-1] != "A" else "B")) is None
        assert invitations.lookup(session, "") is None
        assert row.challenge_version == get_challenge("hello-world").version


def test_one_person_is_one_record_whatever_the_case_of_the_email(db: Database) -> None:
    _invite(db)
    with db.session() as session:
        team = session.scalars(select(Team)).one()
        again = invitations.candidate_for(session, team.id, "", "ANN@example.com")
        assert again.name == "Ann" and again.external_id == "ats-1"
        assert len(session.scalars(select(CandidateRecord)).all()) == 1


def test_states_from_sent_to_submitted_and_the_time_limit_closes_early(db: Database) -> None:
    invitation_id, _ = _invite(db, time_limit_minutes=30)
    now = utcnow()
    with db.session() as session:
        invitation = session.get_one(Invitation, invitation_id)
        assert invitations.state(session, invitation, now) is InvitationState.SENT
        assert invitations.start(invitation, now) and not invitations.start(invitation, now)
        assert invitations.state(session, invitation, now) is InvitationState.STARTED
        assert invitations.closes_at(invitation) == now + timedelta(minutes=30)
        later = now + timedelta(minutes=31)
        assert invitations.state(session, invitation, later) is InvitationState.LATE
        assert "time limit" in invitations.refusal(session, invitation, later)
        assert invitations.refusal(session, invitation, now) == ""
    _submit(db, invitation_id)
    with db.session() as session:
        invitation = session.get_one(Invitation, invitation_id)
        assert invitations.state(session, invitation, now) is InvitationState.SUBMITTED


def test_never_started_and_past_the_deadline_is_expired(db: Database) -> None:
    invitation_id, _ = _invite(db)
    with db.session() as session:
        invitation = session.get_one(Invitation, invitation_id)
        after = utcnow() + timedelta(days=2)
        assert invitations.state(session, invitation, after) is InvitationState.EXPIRED
        assert "deadline" in invitations.refusal(session, invitation, after)


def test_revoke_wins_and_extend_only_moves_later(db: Database) -> None:
    invitation_id, _ = _invite(db, max_submissions=1)
    with db.session() as session:
        invitation = session.get_one(Invitation, invitation_id)
        with pytest.raises(InvitationError) as earlier:
            invitations.extend(invitation, utcnow() + timedelta(hours=1))
        assert earlier.value.field == "deadline"
        invitations.extend(invitation, utcnow() + timedelta(days=3))
        assert invitations.closes_at(invitation) > utcnow() + timedelta(days=2)
    _submit(db, invitation_id)
    with db.session() as session:
        invitation = session.get_one(Invitation, invitation_id)
        assert "all 1 submissions" in invitations.refusal(session, invitation)
        invitations.revoke(invitation)
        assert invitations.state(session, invitation) is InvitationState.REVOKED
        assert "revoked" in invitations.refusal(session, invitation)
        with pytest.raises(InvitationError):
            invitations.extend(invitation, utcnow() + timedelta(days=9))


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"time_limit_minutes": 0}, "time_limit_minutes"),
        ({"max_submissions": 0}, "max_submissions"),
        ({"max_submissions": 101}, "max_submissions"),
    ],
)
def test_bad_options_name_their_field(db: Database, options: dict[str, int], field: str) -> None:
    with pytest.raises(InvitationError) as refused:
        _invite(db, **options)
    assert refused.value.field == field


def test_a_past_deadline_is_refused(db: Database) -> None:
    with db.session() as session:
        team = session.scalars(select(Team)).one()
        record = invitations.candidate_for(session, team.id, "Bo", "bo@example.com")
        with pytest.raises(InvitationError) as refused:
            invitations.create(
                session, team.id, record, get_challenge("hello-world"), utcnow() - timedelta(seconds=1),
                shows=InvitationShows.HIDDEN,
            )  # fmt: skip
    assert refused.value.field == "deadline"


def test_two_first_starts_at_once_start_it_once(db: Database) -> None:
    invitation_id, _ = _invite(db)
    with db.session() as first, db.session() as second:
        mine, theirs = first.get_one(Invitation, invitation_id), second.get_one(Invitation, invitation_id)
        assert mine.started_at is None and theirs.started_at is None
        assert invitations.start(mine)
        first.commit()
        assert not invitations.start(theirs)  # its copy was stale: the UPDATE found it started
        assert theirs.started_at is not None
