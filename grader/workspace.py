"""A candidate's workspace: the folder ``grader start`` makes, and the marker that names its challenge.

``grader start ID`` copies the stub, the public tests and the statement into
a folder and writes ``.grader.toml`` (``challenge = "ID"``) there, so that
``grader test`` and ``grader grade`` run in that folder need no challenge id.

``grader start --invite LINK`` makes the same folder from a hiring team's
starter kit (:mod:`grader.invite_cli`): its marker also names the
invitation (``invitation = "LINK"``), and the challenge is read from the
kit's own copy under ``.grader/<id>/`` (statement and public tests only), as
the challenge may exist only on the team's service.
"""

from __future__ import annotations

import shutil
import tomllib
from pathlib import Path

from .challenges import Challenge, get_challenge, load_challenge
from .errors import InvalidSubmission, UnknownChallenge, UsageError

MARKER_FILE = ".grader.toml"
#: The kit's own copy of the challenge (statement, public tests, manifest) in an invited folder.
KIT_DIR = ".grader"


def start_workspace(challenge: Challenge, target: Path) -> None:
    """Copy the challenge's stub, public tests and statement into ``target`` and mark it.

    Refuses a non-empty ``target``: it would mix the stub into someone's work.
    """
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise UsageError(f"{target} already exists and is not empty", hint="choose another folder")
    shutil.copytree(challenge.stub_dir, target, dirs_exist_ok=True)
    shutil.copytree(challenge.public_tests, target / "tests", dirs_exist_ok=True)
    shutil.copy(challenge.statement, target / "README.md")
    (target / MARKER_FILE).write_text(
        f"# written by `grader start`; `grader test` and `grader grade` read it\n"
        f'challenge = "{challenge.id}"\n',
        encoding="utf-8",
    )


def read_marker(directory: Path) -> dict[str, object] | None:
    """The ``.grader.toml`` of ``directory`` as a table, or None if there is none."""
    marker = directory / MARKER_FILE
    try:
        return tomllib.loads(marker.read_text(encoding="utf-8"))
    except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
        return None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError):
        raise InvalidSubmission(
            f"{marker} is not valid TOML", hint="delete it and name the challenge"
        ) from None


def invitation_of(directory: Path) -> str | None:
    """The invitation link ``grader start --invite`` recorded in ``directory``, or None."""
    data = read_marker(directory) if directory.is_dir() else None
    link = None if data is None else data.get("invitation")
    return link if isinstance(link, str) and link else None


def marked_challenge(directory: Path) -> str | None:
    """The challenge id ``grader start`` recorded in ``directory``, or None if it did not start it."""
    marker = directory / MARKER_FILE
    data = read_marker(directory)
    if data is None:
        return None
    challenge = data.get("challenge")
    if not isinstance(challenge, str) or not challenge:
        raise InvalidSubmission(
            f"{marker} names no challenge", hint='write challenge = "ID" in it, or name the challenge'
        )
    return challenge


def challenge_of(directory: Path, hint: str, *, starter_kit: bool = False) -> Challenge:
    """The challenge of a folder made by ``grader start``; ``hint`` says how to name one instead.

    A folder started from an invitation gives its kit's copy when
    ``starter_kit`` (``grader test``), and is refused otherwise: its hidden
    tests stay on the hiring team's service.
    """
    challenge_id = marked_challenge(directory)
    if challenge_id is None:
        raise UsageError(f"{directory} was not started with `grader start`", hint=hint)
    if invitation_of(directory) is None:
        return get_challenge(challenge_id)
    if not starter_kit:
        raise UsageError(
            f"{directory} was started from an invitation: its hidden tests are on the hiring team's service",
            hint="run `grader test` for the public tests and `grader submit` to hand it in",
        )
    root = directory / KIT_DIR / challenge_id
    if "/" in challenge_id or challenge_id.startswith(".") or not (root / "challenge.toml").is_file():
        raise UsageError(
            f"{directory} has no starter kit for {challenge_id}",
            hint="run `grader start --invite LINK` again",
        )
    return load_challenge(root, starter_kit=True)


def started_for(path: Path) -> str | None:
    """The challenge a folder was started for, or None (not a folder, or not made by ``grader start``)."""
    return marked_challenge(path) if path.is_dir() else None


def grade_target(first: str | None, second: str | None) -> tuple[Challenge, Path]:
    """``grader grade``'s arguments: ``ID PATH``; ``ID`` (this folder); ``PATH`` or nothing (started folders).

    With one argument, an existing folder made by ``grader start`` is the
    path (``grader grade ./hello-world``); otherwise it is a challenge id and
    the path is this folder (``grader grade hello-world``, run inside it).
    """
    if first is None:
        here = Path(".")
        return challenge_of(here, hint="give the challenge and the path: grader grade ID PATH"), here
    if second is not None:
        return get_challenge(first), Path(second)
    candidate = Path(first)
    if started_for(candidate) is not None:
        return challenge_of(candidate, hint=""), candidate
    try:
        return get_challenge(first), Path(".")
    except UnknownChallenge:
        if not candidate.exists():
            raise
        raise UsageError(
            f"{first} was not started with `grader start`",
            hint=f"give the challenge too: grader grade ID {first}",
        ) from None
