"""Read submissions and the challenge's base into comparable documents.

Submissions are untrusted folders or archives: they are only ever read
from their staged copies (:mod:`grader.staging`: links, unsafe archive
members and oversized content refused), staged once by the caller. Only Python files count; a
file larger than :data:`MAX_SOURCE_BYTES` is data or generated code, not
something a candidate wrote, and is skipped, as are the largest files beyond
:data:`MAX_SUBMISSION_LINES` lines in all.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from ..challenges import Challenge
from ..errors import UsageError
from ..staging import StagedSubmission
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


def load_base(challenge: Challenge) -> set[int]:
    """Every k-gram a submission inherits: the stub and the visible tests ``grader start`` copies."""
    hashes: set[int] = set()
    for folder in (challenge.stub_dir, challenge.public_tests):
        if folder.is_dir():
            hashes |= read_folder("base", folder).all_hashes()
    return hashes


def load_submissions(
    staged: Mapping[str, StagedSubmission | UsageError],
) -> tuple[list[Document], dict[str, str]]:
    """The staged submissions' documents, and why each other one was left out.

    A submission that could not be staged is left out of the analysis with
    its reason; in a batch it already has its own ``error`` row.
    """
    documents: list[Document] = []
    skipped: dict[str, str] = {}
    for submission_id, copy in staged.items():
        if isinstance(copy, UsageError):
            skipped[submission_id] = copy.format()
            continue
        try:
            documents.append(read_folder(submission_id, copy.root))
        except OSError as exc:
            skipped[submission_id] = f"cannot read {copy.label}: {exc.strerror or exc}"
    return documents, skipped
