"""The candidates of a batch: one per folder, archive or lone ``.py`` file, never a step deeper.

``grader batch`` reads a folder with :func:`discover`; the grading service
reads an uploaded batch archive, once unpacked, with :func:`candidates` and
:func:`alike` (:mod:`grader.staging`), so both find the same candidates
under the same names and refuse the same collisions.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from .errors import UsageError
from .submission import is_archive, is_single_file, kind_suffix, shown


@dataclass(frozen=True)
class Candidate:
    """One entry of a batch folder: a candidate's folder, archive or lone ``.py`` file, by name."""

    id: str
    path: Path


#: Archive formats people send that the grader does not read: named in the skip reason.
UNREAD_ARCHIVES = (".7z", ".rar", ".gz", ".bz2", ".xz", ".tar.bz2", ".tar.xz", ".zst")


def candidate_id(path: Path) -> str:
    """The candidate's name: the entry's name without an archive or ``.py`` suffix."""
    suffix = kind_suffix(path.name)
    return path.name[: -len(suffix)] if suffix else path.name


def label_key(label: str) -> str:
    """What two candidate names must differ in to be told apart (Unicode form and letter case).

    ``Zoë`` written composed and decomposed, ``Ann`` and ``ann``, or a
    folder and an archive of the same name would read as one candidate in
    a results table (and be one file on a case-insensitive disk).
    """
    return unicodedata.normalize("NFKC", label).casefold()


def skip_reason(path: Path) -> str:
    """Why an entry of the batch folder is not a submission, in words a person can act on."""
    if path.is_symlink():
        return "a symbolic link (its target is not part of the batch folder): copy the real file in"
    name = path.name.lower()
    unread = next((s for s in sorted(UNREAD_ARCHIVES, key=len, reverse=True) if name.endswith(s)), None)
    if unread:
        return f"a {unread} archive, which the grader does not read: repack it as .zip or .tar.gz"
    if not path.is_file():
        return "not a regular file or folder"
    return "not a folder, an archive (.zip, .tar.gz, .tgz, .tar) or a one-file .py submission"


def candidates(folder: Path, skipped: list[tuple[str, str]] | None = None) -> list[Candidate]:
    """Every candidate of a batch folder, by name: each subfolder, archive or lone ``.py`` file.

    Never a step deeper. Every other visible entry is appended to ``skipped``
    as ``(name, reason)``, so the caller can say what it left out: a silent
    "grading 2 submissions" loses candidates. Hidden entries (``.DS_Store``,
    ``.git``) are left out without a word. The grading service reads an
    uploaded batch archive with this same function.
    """
    if not folder.is_dir():
        raise UsageError(f"{folder} is not a folder", hint="pass the folder holding the submissions")
    found = []
    for path in sorted(folder.iterdir()):
        if path.name.startswith("."):
            continue
        if path.is_symlink() or not (
            path.is_dir() or (path.is_file() and (is_archive(path) or is_single_file(path)))
        ):
            if skipped is not None:
                skipped.append((path.name, skip_reason(path)))
            continue
        found.append(Candidate(candidate_id(path), path))
    return found


def alike(found: list[Candidate]) -> list[list[Candidate]]:
    """Groups of two or more candidates whose names collide (see :func:`label_key`)."""
    groups: dict[str, list[Candidate]] = {}
    for submission in found:
        groups.setdefault(label_key(submission.id), []).append(submission)
    return [group for group in groups.values() if len(group) > 1]


#: What a single app's folder holds at its top: a batch holding it is one submission, not candidates.
ONE_APP = "app.py"


def one_app(entries: Iterable[Path]) -> bool:
    """Is this one app's folder rather than a batch? (``app.py`` is there, not in a candidate's folder)."""
    return any(path.name == ONE_APP for path in entries)


def discover(folder: Path, skipped: list[tuple[str, str]] | None = None) -> list[Candidate]:
    """The submissions in ``folder``; refuses names that collide (their results would mix up)."""
    found = candidates(folder, skipped)
    if not found:
        raise UsageError(
            f"no submissions in {folder}",
            hint="it should hold one folder, archive or .py file per candidate",
        )
    if one_app(c.path for c in found):
        raise UsageError(
            f"{folder} holds {ONE_APP} at its top: it looks like one submission, not a batch",
            hint="grade it with `grader grade`, or put each candidate's files in a folder of their own",
        )
    for group in alike(found):
        names = " and ".join(shown(s.path.name) for s in group)
        raise UsageError(f"two submissions are named alike in {folder}: {names}", hint="rename one of them")
    return found
