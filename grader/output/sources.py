"""A submission's own files for ``report.html``: read safely, capped, syntax-highlighted offline.

A reviewer reading a failing test wants the code beside it. The files are
read from the submission's staged copy, the one grading read
(:mod:`grader.staging`: no links followed, archives checked and size-capped
before unpacking, staged once), then only text files are shown, each cut at :data:`MAX_FILE_BYTES` and
:data:`MAX_FILE_LINES`, all of one submission at :data:`MAX_SUBMISSION_BYTES`
and :data:`MAX_SUBMISSION_LINES`, so one huge submission cannot
make the report unusable. Pygments escapes every token it emits; the page
gets its colours from one inline stylesheet (:func:`stylesheet`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexer import Lexer
from pygments.lexers import TextLexer, get_lexer_for_filename
from pygments.util import ClassNotFound

from ..errors import UsageError
from ..staging import StagedSubmission
from ..submission import regular_files
from .text import clean

#: A person reads no more than this of one file or one submission; highlighting costs about 2 µs a byte.
MAX_FILE_BYTES = 32 * 1024
MAX_SUBMISSION_BYTES = 128 * 1024
MAX_FILES = 40
#: Lines too: a file of newlines costs a line-number span each (32 KiB of them made a 5 MB page).
MAX_FILE_LINES = 1500
MAX_SUBMISSION_LINES = 6000
#: What a Flask submission's author writes; anything else (images, databases, wheels) is listed, not shown.
TEXT_SUFFIXES = frozenset(
    {".py", ".html", ".htm", ".jinja", ".jinja2", ".j2", ".txt", ".md", ".rst", ".toml", ".cfg", ".ini"}
    | {".json", ".yaml", ".yml", ".css", ".js", ".sql", ".sh", ".env"}
)
TEXT_NAMES = frozenset({"Dockerfile", "Procfile", "Makefile", "requirements.txt", ".flaskenv"})
_FORMATTER = HtmlFormatter(cssclass="highlight", wrapcode=True, linenos="inline")


@dataclass
class SourceFile:
    """One file of a submission, ready for the page."""

    path: str
    html: Markup
    size: int
    truncated: bool


@dataclass
class SubmissionFiles:
    """What the report shows of one submission's files, and what it left out and why."""

    files: list[SourceFile] = field(default_factory=list)
    not_shown: list[str] = field(default_factory=list)
    problem: str = ""


def stylesheet() -> str:
    """The CSS for highlighted code, scoped to ``.highlight``."""
    return str(_FORMATTER.get_style_defs(".highlight"))


def _lexer(name: str) -> Lexer:
    try:
        return get_lexer_for_filename(name, stripnl=False)
    except ClassNotFound:
        return TextLexer(stripnl=False)


def _is_text(relative: Path) -> bool:
    return relative.suffix.lower() in TEXT_SUFFIXES or relative.name in TEXT_NAMES


def _order(relative: Path) -> tuple[int, int, str]:
    """app.py and Python files first, shallow before deep: what a reviewer opens first."""
    return (relative.name != "app.py", relative.suffix != ".py", str(relative))


def staged_sources(copy: StagedSubmission | UsageError) -> SubmissionFiles:
    """The files of a staged submission, or why there are none to show (it could not be staged)."""
    if isinstance(copy, UsageError):
        return SubmissionFiles(problem=clean(copy.format()))
    return read_sources(copy.root)


def read_sources(root: Path) -> SubmissionFiles:
    """The text files of the staged (or trusted) folder ``root``, highlighted and capped."""
    shown = SubmissionFiles()
    try:
        found = sorted((relative for relative, _ in regular_files(root)), key=_order)
        budget = MAX_SUBMISSION_BYTES
        lines_left = MAX_SUBMISSION_LINES
        for relative in found:
            name = relative.as_posix()
            if not _is_text(relative) or len(shown.files) >= MAX_FILES or budget <= 0 or lines_left <= 0:
                shown.not_shown.append(name)
                continue
            raw = (root / relative).read_bytes()
            if b"\0" in raw[:MAX_FILE_BYTES]:
                shown.not_shown.append(name)
                continue
            cut = min(len(raw), MAX_FILE_BYTES, budget)
            budget -= cut
            text = clean(raw[:cut].decode("utf-8", errors="replace").replace("\r\n", "\n"))
            lines = text.split("\n")
            keep = min(MAX_FILE_LINES, lines_left)
            if len(lines) > keep:
                text = "\n".join(lines[:keep]) + "\n"
            lines_left -= min(len(lines), keep)
            # Markup: Pygments has escaped every token already
            html = Markup(highlight(text, _lexer(relative.name), _FORMATTER))
            shown.files.append(SourceFile(name, html, len(raw), cut < len(raw) or len(lines) > keep))
    except OSError as exc:  # gone since grading
        shown.problem = f"cannot read the files: {exc.strerror}"
    return shown
