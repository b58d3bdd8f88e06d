"""A submission's files for the dashboard, with syntax highlighting (Pygments).

The stored archive is unpacked with the same checks as for grading, into a
scratch folder that is removed at once; only regular text files are shown,
each capped in size.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from markupsafe import Markup
from pygments import highlight
from pygments.formatters import HtmlFormatter
from pygments.lexers import TextLexer, guess_lexer_for_filename
from pygments.util import ClassNotFound

from ..errors import UsageError
from ..submission import prepared_submission, regular_files

MAX_SHOWN_BYTES = 200_000
MAX_FILES_SHOWN = 100


@dataclass(frozen=True)
class SourceFile:
    path: str
    size: int
    html: Markup | None  # None: binary or too large
    note: str = ""


def highlighted_files(archive: Path) -> tuple[list[SourceFile], str]:
    """The archive's files as highlighted HTML, and the stylesheet they need."""
    formatter = HtmlFormatter(linenos="table", cssclass="source")
    files: list[SourceFile] = []
    try:
        with prepared_submission(archive) as root:
            for relative, info in list(regular_files(root))[:MAX_FILES_SHOWN]:
                name = relative.as_posix()
                if info.st_size > MAX_SHOWN_BYTES:
                    files.append(SourceFile(name, info.st_size, None, "too large to show"))
                    continue
                raw = (root / relative).read_bytes()
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError:
                    files.append(SourceFile(name, info.st_size, None, "binary file"))
                    continue
                try:
                    lexer = guess_lexer_for_filename(name, text)
                except ClassNotFound:
                    lexer = TextLexer()
                files.append(SourceFile(name, info.st_size, Markup(highlight(text, lexer, formatter))))
    except UsageError as exc:
        files.append(SourceFile("", 0, None, exc.format().replace(str(archive), archive.name)))
    return files, str(formatter.get_style_defs(".source"))
