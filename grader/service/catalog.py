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

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..challenges import DIFFICULTIES, Challenge, get_challenge, list_challenges, load_challenge
from ..errors import ChallengeError
from ..submission import make_readable, tree_hash
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


#: Readable copies of private challenges in a process's scratch folder, one per content (see gradable).
COPIES = "challenges"


@contextmanager
def gradable(challenge: Challenge, data_dir: Path, scratch: Path) -> Iterator[Challenge]:
    """The challenge as a sandbox can read it, for one grading or verification.

    A built-in challenge is yielded as it is. A private one is stored
    ``0700``/``0600`` for the service's user only, but the Docker sandbox's
    test runner (another user) mounts its suite: it gets a copy in this
    process's scratch folder, readable (never writable) by others.

    The copy is named by its content and kept for the process's life (the
    scratch folder goes with it): the spare containers made during one
    grading mount the suite's folder for the next one, so a copy removed
    after each grading would leave the next grading's runner an empty
    suite (an ``error`` verdict whenever the spare had not read it yet).
    """
    stored = data_dir.resolve() / PRIVATE
    if not challenge.root.is_relative_to(stored):
        yield challenge
        return
    yield replace(challenge, root=readable_copy(challenge.root, scratch / COPIES))


def readable_copy(source: Path, where: Path) -> Path:
    """``source`` copied once into ``where``, under its content's digest, readable by others.

    Made beside its final name and renamed into place, so a copy under
    that name is always whole; two gradings making it at once keep one.
    """
    where.mkdir(mode=0o700, exist_ok=True)
    target = where / tree_hash(source)[:32]
    if target.is_dir():
        return target.resolve()
    folder = Path(tempfile.mkdtemp(prefix="copy-", dir=where))
    try:
        copy = folder / "challenge"
        shutil.copytree(source, copy, symlinks=False)
        make_readable(copy)
        try:
            copy.rename(target)
        except OSError:  # made meanwhile by another grading: theirs is the same
            if not target.is_dir():
                raise
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return target.resolve()
