"""An uploaded batch archive, staged as one folder or archive per candidate.

The archive's top level is read exactly as ``grader batch`` reads a folder
(:func:`grader.candidates.candidates`): each folder or archive there is one
candidate, and staging never steps into a single wrapping folder, so an
archive holding one candidate is a batch of one (and that candidate's
subfolders stay part of it).

What makes one candidate unusable refuses that candidate only, as in
``grader batch``: a link, device or pipe under ``ann/`` becomes ``ann``'s
own error, and the others are graded. So do names that cannot be told apart
(:func:`grader.candidates.alike`): both candidates of the pair are refused, since
neither label could be trusted in a results table. What is wrong with the
archive as a whole (absolute or ``..`` paths, the archive-wide caps, an
unreadable archive) still refuses the upload, with the client's name for it
and never a server path.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .candidates import ONE_APP, Candidate, alike, candidate_id, candidates, one_app
from .errors import InvalidSubmission
from .submission import SKIPPED_DIRS, UploadBudget, _Budget, is_archive, quoted, shown, unpack


@dataclass(frozen=True)
class Member:
    """One candidate of a batch archive.

    ``label`` is its name exactly as uploaded (``Zoë``, ``eve.zip``),
    ``id`` the candidate's name (the label without an archive suffix),
    ``path`` the staged folder or archive (it may not exist when
    ``problem`` is set), ``problem`` why it cannot be graded ("" if it can).
    """

    label: str
    id: str
    path: Path
    problem: str = ""


class _BatchBudget(_Budget):
    """The archive's budget, except that a link or device refuses only the candidate holding it."""

    def __init__(self, origin: str, shared: UploadBudget | None) -> None:
        super().__init__(origin, shared)
        self.problems: dict[str, str] = {}

    def unsafe(self, name: str, what: str, hint: str | None = None) -> None:
        parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "/")]
        if not parts:
            raise self.refuse(what, hint)
        top = parts[0]
        if top.startswith(".") or top in SKIPPED_DIRS or top == "__MACOSX":
            return  # never staged, never a candidate
        self.problems.setdefault(top, f"{what}: {hint}" if hint else what)


def _members(root: Path, problems: dict[str, str]) -> list[Member]:
    found = candidates(root)
    named = {c.path.name for c in found}
    # a top-level link is not staged, but its candidate must still get a row
    found += [Candidate(candidate_id(Path(name)), root / name) for name in problems if name not in named]
    found.sort(key=lambda c: c.path.name)
    refused = {}
    for group in alike(found):
        labels = ", ".join(quoted(c.path.name) for c in group)
        for candidate in group:
            refused[candidate.path.name] = (
                f"{len(group)} candidates of this batch are named alike ({labels})"
                ": give each candidate its own name and upload them again"
            )
    members = []
    for candidate in found:
        label = candidate.path.name
        problem = refused.get(label) or (f"{shown(label)}: {problems[label]}" if label in problems else "")
        members.append(Member(label, candidate.id, candidate.path, problem))
    return members


@contextmanager
def prepared_batch(
    archive: Path, *, label: str, scratch: Path | None = None, budget: UploadBudget | None = None
) -> Iterator[list[Member]]:
    """Yield the candidates of the batch archive ``archive``, staged in a private scratch folder.

    ``label`` is the archive's name in every message; ``budget`` is shared
    with the stagings of its members that follow.
    """
    if not is_archive(archive):
        raise InvalidSubmission(f"{shown(label)} is not an archive", hint="upload a .zip or .tar.gz")
    with tempfile.TemporaryDirectory(prefix="grader-batch-", dir=scratch) as folder:
        root = Path(folder, "batch")
        root.mkdir()
        staging = _BatchBudget(shown(label), budget)
        unpack(archive, root, staging)
        members = _members(root, staging.problems)
        if not members:
            raise InvalidSubmission(
                f"no candidates in {shown(label)}",
                hint="put one folder or archive per candidate at the top of the archive",
            )
        if one_app(m.path for m in members):
            raise InvalidSubmission(
                f"{shown(label)} holds {ONE_APP} at its top: it looks like one submission, not a batch",
                hint="upload it as a submission, or put one folder or archive per candidate at the top",
            )
        yield members
