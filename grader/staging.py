"""Staging: a submission (or a batch archive of them) read once into a private folder.

Every path that grades (``grader grade``, ``grader batch``, the service, a
worker) stages a submission exactly once with :func:`staged_submission`,
and everything after it (the content key, grading, similarity, the report's
file view, the service's stored copy) reads that one staged tree. The
reading itself, with every check, is :func:`grader.submission.stage_into`.

A batch archive (:func:`prepared_batch`) is read exactly as ``grader batch``
reads a folder (:func:`grader.candidates.candidates`): each folder or
archive at its top is one candidate, and staging never steps into a single
wrapping folder, so an archive holding one candidate is a batch of one (and
that candidate's subfolders stay part of it).

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
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from .candidates import ONE_APP, Candidate, alike, candidate_id, candidates, one_app
from .errors import InvalidSubmission, SubmissionNotFound, UsageError
from .submission import (
    SKIPPED_DIRS,
    UploadBudget,
    _Budget,
    is_archive,
    is_single_file,
    make_readable,
    quoted,
    shown,
    stage_into,
    tree_hash,
    unpack,
)


@dataclass(frozen=True)
class StagedSubmission:
    """A submission read once: its app folder, and the key of its content.

    ``root`` is a private copy, readable (never writable) by the sandbox's
    user; ``key`` is the SHA-256 of the regular files there
    (:func:`grader.submission.tree_hash`), so the same code zipped twice, or
    as a folder, is one submission to every cache and comparison; ``label``
    names it in messages and results (never a path of a server).
    """

    root: Path
    key: str
    label: str
    #: how long staging took (0.0: staged earlier, elsewhere: the service's stored tree)
    seconds: float = 0.0


def _app_root(folder: Path) -> Path:
    """Descend through a single wrapping folder (``submission/app.py`` in an archive)."""
    current = folder
    for _ in range(3):
        entries = [p for p in current.iterdir() if not p.name.startswith(".")]
        has_code = any(p.suffix == ".py" or (p / "__init__.py").exists() for p in entries)
        dirs = [p for p in entries if p.is_dir()]
        if has_code or len(entries) != 1 or len(dirs) != 1:
            return current
        current = dirs[0]
    return current


@contextmanager
def staged_submission(
    path: Path,
    *,
    label: str | None = None,
    scratch: Path | None = None,
    budget: UploadBudget | None = None,
) -> Iterator[StagedSubmission]:
    """Stage the submission at ``path`` (a folder, an archive or one ``.py`` file) once.

    ``label`` names it in every error and result instead of ``path`` (a
    service's path is its own business), ``scratch`` is where the copy is
    made (default: the system's temporary folder) and ``budget`` is shared
    with the other stagings of the same upload. The copy is removed on exit.
    """
    source = Path(path)
    name = str(source) if label is None else label
    origin = shown(name)
    if not source.exists():
        raise SubmissionNotFound(f"no such file or folder: {origin}", hint="check the path")
    if source.is_file() and not is_archive(source) and not is_single_file(source):
        raise InvalidSubmission(
            f"{origin} is neither a folder, an archive nor a .py file",
            hint="pass a folder, .zip, .tar.gz or a one-file app.py",
        )
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="grader-sub-", dir=scratch) as scratch_dir:
        target = Path(scratch_dir, "submission")
        target.mkdir()
        stage_into(source, target, _Budget(origin, budget))
        if not any(target.iterdir()):
            raise InvalidSubmission(f"{origin} is empty", hint="it should contain app.py")
        Path(scratch_dir).chmod(0o755)
        make_readable(target)
        root = _app_root(target)
        yield StagedSubmission(root, tree_hash(root), name, round(time.monotonic() - started, 3))


@contextmanager
def staged_candidates(
    found: Iterable[Candidate] | Iterable[tuple[str, Path]],
    *,
    scratch: Path | None = None,
    on_staged: Callable[[int], None] | None = None,
) -> Iterator[dict[str, StagedSubmission | UsageError]]:
    """Stage every candidate of a batch once, each copy kept until the batch's outputs are written.

    ``found`` holds candidates, or (id, path) pairs. A candidate that
    cannot be staged maps to its refusal (its own error row); the others
    are not affected. ``on_staged`` hears how many are staged so far (a
    progress line: thousands of archives take a while to read).
    """
    with ExitStack() as stack:
        staged: dict[str, StagedSubmission | UsageError] = {}
        for item in found:
            if on_staged is not None:
                on_staged(len(staged))
            key, path = (item.id, item.path) if isinstance(item, Candidate) else item
            try:
                staged[key] = stack.enter_context(staged_submission(path, scratch=scratch))
            except UsageError as exc:
                staged[key] = exc
        if on_staged is not None:
            on_staged(len(staged))
        yield staged


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
