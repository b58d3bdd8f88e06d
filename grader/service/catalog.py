"""Which challenges a team sees: the built-in ones and its own private ones, through one door.

Every part of the service that turns a challenge id into a challenge (the
API's and dashboard's intake, the challenge pages and lists, the grading
jobs) calls :func:`resolve_challenge` or :func:`team_challenges`, so a
team's private challenge is found for that team and for no other: another
team's id is simply unknown (404), as an id that does not exist.

A private challenge counts once its newest sound upload is ``ready`` (see
:mod:`.private`); its :attr:`~grader.challenges.Challenge.version` is the
stored row's ``version``, so results graded with an older upload show as
outdated as a built-in challenge's do.
"""

from __future__ import annotations

import os
import shutil
import stat
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..challenges import DIFFICULTIES, Challenge, get_challenge, list_challenges, load_challenge
from ..errors import ChallengeError
from .models import PrivateChallenge

#: Where private challenges live in the data folder: ``private/<team id>/<generated folder>``.
PRIVATE = "private"


def private_root(data_dir: Path, row: PrivateChallenge) -> Path:
    """The stored folder of one upload (every part of the path chosen by the service)."""
    return data_dir / PRIVATE / str(int(row.team_id)) / row.folder


def load_private(data_dir: Path, row: PrivateChallenge) -> Challenge:
    """The stored upload as a :class:`Challenge` carrying the service's version for it."""
    challenge = load_challenge(private_root(data_dir, row), named_by_folder=False)
    if challenge.id != row.challenge_id:
        raise ChallengeError(f"stored private challenge {row.id} no longer matches its manifest")
    return replace(challenge, version=row.version)


def current_private(session: Session, team_id: int, challenge_id: str) -> PrivateChallenge | None:
    """The team's newest ``ready`` upload of ``challenge_id``, or None."""
    return session.scalar(
        select(PrivateChallenge)
        .where(
            PrivateChallenge.team_id == team_id,
            PrivateChallenge.challenge_id == challenge_id,
            PrivateChallenge.status == "ready",
        )
        .order_by(PrivateChallenge.revision.desc())
        .limit(1)
    )


def resolve_challenge(session: Session, data_dir: Path, team_id: int, challenge_id: str) -> Challenge:
    """The challenge ``challenge_id`` as the team sees it: its own private one, else a built-in one.

    Raises :class:`~grader.errors.UnknownChallenge` (a 404 in the API) when
    neither exists, whatever other teams hold under that id.
    """
    row = current_private(session, team_id, challenge_id)
    if row is not None:
        return load_private(data_dir, row)
    return get_challenge(challenge_id)


def private_ids(session: Session, team_id: int) -> set[str]:
    """The ids of the team's gradable private challenges (the pages mark them "private")."""
    rows = session.scalars(
        select(PrivateChallenge.challenge_id).where(
            PrivateChallenge.team_id == team_id, PrivateChallenge.status == "ready"
        )
    )
    return set(rows)


def team_challenges(session: Session, data_dir: Path, team_id: int) -> list[Challenge]:
    """Every challenge the team may use: built-ins and its private ones, by difficulty then id."""
    found = {c.id: c for c in list_challenges()}
    for challenge_id in private_ids(session, team_id):
        found[challenge_id] = resolve_challenge(session, data_dir, team_id, challenge_id)
    return sorted(found.values(), key=lambda c: (DIFFICULTIES.index(c.difficulty), c.id))


@contextmanager
def gradable(challenge: Challenge, data_dir: Path, scratch: Path) -> Iterator[Challenge]:
    """The challenge as a sandbox can read it, for one grading or verification.

    A built-in challenge is yielded as it is. A private one is stored
    ``0700``/``0600`` for the service's user only, but the Docker sandbox's
    test runner (another user) mounts its suite: it gets a copy in this
    process's scratch folder, readable (never writable) by others, removed
    afterwards.
    """
    stored = data_dir.resolve() / PRIVATE
    if not challenge.root.is_relative_to(stored):
        yield challenge
        return
    with tempfile.TemporaryDirectory(prefix="grader-challenge-", dir=scratch) as folder:
        copy = Path(folder, "challenge")
        shutil.copytree(challenge.root, copy, symlinks=False)
        Path(folder).chmod(0o755)
        for where, _dirs, files in os.walk(copy):
            Path(where).chmod(0o755)
            for name in files:
                path = Path(where, name)
                if stat.S_ISREG(path.lstat().st_mode):
                    path.chmod(0o644)
        yield replace(challenge, root=copy.resolve())
