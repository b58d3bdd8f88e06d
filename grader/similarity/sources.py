"""Read submissions and the challenge's base into comparable documents.

Submissions are untrusted folders or archives: they are only ever read
through :func:`grader.submission.prepared_submission`, which refuses links,
unsafe archive members and oversized content. Only Python files count; a
file larger than :data:`MAX_SOURCE_BYTES` is data or generated code, not
something a candidate wrote, and is skipped, as are the largest files beyond
:data:`MAX_SUBMISSION_LINES` lines in all.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from ..challenges import Challenge
from ..errors import UsageError
from ..submission import prepared_submission
from .fingerprint import Document, SourceFile
from .tokens import normalise, source_lines

SUFFIXES = (".py",)
MAX_SOURCE_BYTES = 256 * 1024
#: Lines read from one submission in all (about a second of tokenizing; a Flask app has far fewer).
MAX_SUBMISSION_LINES = 20_000


def read_folder(document_id: str, folder: Path) -> Document:
    """Every Python file of a (trusted or already staged) folder, in a stable order.

    Files are taken smallest first until :data:`MAX_SUBMISSION_LINES` lines
    in all: reading costs time per line, and what a candidate writes is small,
    so the largest files (generated, vendored, or padding) are the ones left out.
    """
    texts: list[tuple[int, str, str]] = []
    for path in sorted(folder.rglob("*")):
        if path.suffix not in SUFFIXES or path.is_symlink() or not path.is_file():
            continue
        if path.stat().st_size > MAX_SOURCE_BYTES:
            continue
        text = path.read_bytes().decode("utf-8", errors="replace")
        texts.append((text.count("\n") + 1, path.relative_to(folder).as_posix(), text))
    kept: list[tuple[str, str]] = []
    budget = MAX_SUBMISSION_LINES
    for lines, name, text in sorted(texts, key=lambda t: (t[0], t[1])):
        if lines <= budget:
            budget -= lines
            kept.append((name, text))
    files = [SourceFile(name, source_lines(text), normalise(text)) for name, text in sorted(kept)]
    return Document(document_id, files)


def load_submission(
    submission_id: str, path: Path, *, label: str | None = None, scratch: Path | None = None
) -> Document:
    """One submission (folder or archive), read from its private staged copy.

    ``label`` names it in errors instead of ``path``, ``scratch`` is where it
    is staged (the service's own: see :func:`grader.submission.prepared_submission`).
    """
    with prepared_submission(path, label=label, scratch=scratch) as folder:
        return read_folder(submission_id, folder)


def load_base(challenge: Challenge) -> set[int]:
    """Every k-gram a submission inherits: the stub and the visible tests ``grader start`` copies."""
    hashes: set[int] = set()
    for folder in (challenge.stub_dir, challenge.public_tests):
        if folder.is_dir():
            hashes |= read_folder("base", folder).all_hashes()
    return hashes


def load_submissions(items: Iterable[tuple[str, Path]]) -> tuple[list[Document], dict[str, str]]:
    """The readable submissions, and why each other one was skipped.

    An unreadable submission (a broken archive) is left out of the analysis
    with its reason; in a batch it already has its own ``error`` row.
    """
    documents: list[Document] = []
    skipped: dict[str, str] = {}
    for submission_id, path in items:
        try:
            documents.append(load_submission(submission_id, path))
        except UsageError as exc:
            skipped[submission_id] = exc.format()
        except OSError as exc:
            skipped[submission_id] = f"cannot read {path}: {exc.strerror or exc}"
    return documents, skipped
