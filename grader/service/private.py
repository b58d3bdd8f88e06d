"""A team's own challenges: staging an upload safely, storing it privately, one row per version.

Why private challenges: the built-in suites ship with the package, so any
candidate can read them; a hiring team grades with a suite that stays on its
server. An upload (an archive from the API or the dashboard, a folder from
``grader admin add-challenge``) is staged with the submissions' own safe
unpacking (:func:`grader.staging.staged_submission`: size caps, no
links, no absolute or ``..`` paths), its manifest is read and checked, and
it is copied to ``private/<team id>/<generated folder>`` in the data folder
(``0700``/``0600``). No name on disk comes from the client; the
challenge id is a database value, checked against :data:`CHALLENGE_ID`.

Each upload is a new ``revision`` (1, 2, ...) of the team's challenge id,
whatever its manifest's ``version`` says. It starts ``verifying``; the
soundness checks of ``grader verify`` (:mod:`.private_verify`) make it
``ready`` or ``refused``. Only a ``ready`` upload is ever graded with.
"""

from __future__ import annotations

import os
import re
import shutil
import uuid
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ..challenges import Challenge, challenges_root, load_challenge
from ..errors import ChallengeError, GraderError
from ..staging import staged_submission
from ..submission import UploadBudget, shown
from .catalog import PRIVATE, private_root
from .datadir import PRIVATE_DIR, private_copy, private_dir
from .models import PrivateChallenge, Team

#: A private challenge id: what a built-in one looks like (``hello-world``), at most 64 characters.
CHALLENGE_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")
#: Golden cases an upload may carry (``golden/<case>/expected.toml``): each is graded once more.
MAX_GOLDEN = 20


class UnsoundChallenge(GraderError):
    """The upload is not a sound challenge: refused, with every reason (exit 1, as ``grader verify``)."""

    exit_code = 1

    def __init__(self, problems: list[str]) -> None:
        super().__init__(problems[0] if problems else "the challenge is not sound")
        self.problems = problems or ["the challenge is not sound"]


def manifest_problems(root: Path, label: str) -> tuple[Challenge | None, list[str]]:
    """Load the staged folder's manifest; the reasons it cannot be a private challenge, if any.

    Checked before anything is stored: a valid manifest with every folder a
    challenge needs, an id of the allowed form, and no id of a built-in
    challenge (a private one may not shadow one every team relies on).
    """
    try:
        challenge = load_challenge(root, named_by_folder=False)
    except ChallengeError as exc:
        message = exc.format().replace(str(root), label)  # the staged copy's path is the server's
        return None, [f"manifest is valid: {shown(message, 300)}"]
    if not CHALLENGE_ID.fullmatch(challenge.id):
        return None, [
            f"id {shown(challenge.id, 80)!s} is not allowed: use lower-case letters, digits and dashes "
            "(at most 64 characters), such as `url-shortener`"
        ]
    if (challenges_root() / challenge.id / "challenge.toml").is_file():
        return None, [
            f"id {challenge.id} is a built-in challenge's: a private challenge may not shadow it; "
            "give yours another id in its challenge.toml"
        ]
    if len(challenge.version) > 40:
        return None, ["`version` in challenge.toml is longer than 40 characters: shorten it"]
    return challenge, []


def _store_tree(source: Path, target: Path) -> None:
    """Copy the staged folder to its private home: folders ``0700``, files ``0600``, links never."""
    private_dir(target)
    for where, dirs, files in os.walk(source):
        here = Path(where)
        into = target / here.relative_to(source)
        for name in dirs:
            if not (here / name).is_symlink():
                (into / name).mkdir(mode=PRIVATE_DIR)
                (into / name).chmod(PRIVATE_DIR)
        for name in files:
            path = here / name
            if path.is_file() and not path.is_symlink():
                private_copy(path, into / name)
        dirs[:] = [d for d in dirs if not (here / d).is_symlink()]


def next_revision(session: Session, team_id: int, challenge_id: str) -> int:
    """The revision a new upload gets, with the team's row locked until the commit.

    The lock (PostgreSQL; SQLite writers are serial anyway) makes two
    concurrent uploads of one id take revisions one after the other.
    """
    session.execute(select(Team.id).where(Team.id == team_id).with_for_update())
    latest = session.scalar(
        select(func.max(PrivateChallenge.revision)).where(
            PrivateChallenge.team_id == team_id, PrivateChallenge.challenge_id == challenge_id
        )
    )
    return int(latest or 0) + 1


def add_private(
    session: Session,
    data_dir: Path,
    scratch: Path,
    team_id: int,
    source: Path,
    label: str,
    budget: UploadBudget | None = None,
) -> PrivateChallenge:
    """Stage ``source`` (a folder or an archive), check its manifest, store it as a new revision.

    Raises :class:`~grader.errors.InvalidSubmission` for an unsafe or
    unreadable archive and :class:`UnsoundChallenge` for a manifest that
    cannot be a private challenge; the new row is ``verifying`` (flushed,
    not committed: the caller commits, then verifies).
    """
    with staged_submission(source, label=label, scratch=scratch, budget=budget) as staged:
        root = staged.root
        challenge, problems = manifest_problems(root, label)
        if challenge is None:
            raise UnsoundChallenge(problems)
        revision = next_revision(session, team_id, challenge.id)
        row = PrivateChallenge(
            team_id=team_id,
            challenge_id=challenge.id,
            revision=revision,
            version=f"{challenge.version}+r{revision}",
            title=challenge.title[:200],
            folder=uuid.uuid4().hex,
            status="verifying",
            problems=[],
        )
        private_dir(data_dir / PRIVATE)
        private_dir(data_dir / PRIVATE / str(team_id))
        target = private_root(data_dir, row)
        stored = False
        try:
            _store_tree(root, target)
            session.add(row)
            session.flush()
            stored = True
        finally:
            if not stored:
                shutil.rmtree(target, ignore_errors=True)  # the row is rolled back with the request
    return row


def team_uploads(session: Session, team_id: int, limit: int = 50) -> list[PrivateChallenge]:
    """The team's latest uploads, newest first (the challenges page and the API list them)."""
    return list(
        session.scalars(
            select(PrivateChallenge)
            .where(PrivateChallenge.team_id == team_id)
            .order_by(PrivateChallenge.id.desc())
            .limit(limit)
        )
    )


def owned_revision(
    session: Session, team_id: int, challenge_id: str, revision: int
) -> PrivateChallenge | None:
    """One upload of the team's, or None (another team's is not found)."""
    return session.scalar(
        select(PrivateChallenge).where(
            PrivateChallenge.team_id == team_id,
            PrivateChallenge.challenge_id == challenge_id,
            PrivateChallenge.revision == revision,
        )
    )


def describe(row: PrivateChallenge) -> dict[str, object]:
    """What the API says about one upload."""
    from .models import rfc3339, rfc3339_or_none

    return {
        "id": row.challenge_id,
        "revision": row.revision,
        "version": row.version,
        "title": row.title,
        "status": row.status,
        "problems": list(row.problems or []),
        "created_at": rfc3339(row.created_at),
        "finished_at": rfc3339_or_none(row.finished_at),
    }
