"""A submission's files for the dashboard: report.html's caps, rendered once per content.

The files are read from the tree stored at upload (staged once, the copy
that was graded) and highlighted by
:func:`grader.output.sources.read_sources` (at most 40 text files, 32 KiB a
file and 128 KiB in all), so a small archive of huge or many-line files
cannot make a huge page or keep the server busy. The result is stored in the database
(:class:`~.models.SourceView`) keyed by the submission's content hash: the
first view renders, every later view (and every other submission with the
same content) reads the stored page.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pygments
from markupsafe import Markup
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ..errors import UsageError
from ..output.sources import SubmissionFiles, read_sources, stylesheet
from ..staging import staged_submission
from .models import SourceView

#: changes when the caps or the rendering change, so stored pages are rendered again
RENDER_VERSION = f"1-{pygments.__version__}"
STYLESHEET = stylesheet()


@dataclass(frozen=True)
class ShownFile:
    path: str
    size: int
    truncated: bool
    html: Markup


@dataclass(frozen=True)
class ShownFiles:
    """What the submission page shows of the files, and what it left out."""

    files: list[ShownFile] = field(default_factory=list)
    not_shown: list[str] = field(default_factory=list)
    problem: str = ""


def render(data_dir: Path, stored_path: str) -> str:
    """The files stored at ``data_dir / stored_path`` as stored JSON (highlighted HTML, capped).

    An older version stored the archive itself: it is staged here, once per
    content (the rendering is kept).
    """
    if not stored_path:
        found = SubmissionFiles(problem="no files were stored: the upload refused this submission")
    elif (data_dir / stored_path).is_dir():
        found = read_sources(data_dir / stored_path)
    else:
        found = _read_archive(data_dir / stored_path)
    return json.dumps(
        {
            "files": [
                {"path": f.path, "size": f.size, "truncated": f.truncated, "html": str(f.html)}
                for f in found.files
            ],
            "not_shown": found.not_shown,
            "problem": found.problem,
        }
    )


def _read_archive(archive: Path) -> SubmissionFiles:
    try:
        with staged_submission(archive, label=archive.name) as staged:
            return read_sources(staged.root)
    except UsageError as exc:  # gone, or over the caps
        return SubmissionFiles(problem=exc.format())


def submission_files(session: Session, data_dir: Path, stored_path: str, content_hash: str) -> ShownFiles:
    """The stored rendering of this content, rendering and storing it on the first view."""
    if not content_hash:  # refused at upload: nothing stored, nothing to share
        return _load(render(data_dir, stored_path))
    key = f"{RENDER_VERSION}:{content_hash}"[:100]
    row = session.get(SourceView, key)
    if row is None:
        rendered = render(data_dir, stored_path)
        if not (data_dir / stored_path).exists():
            return _load(rendered)  # gone (or a transient problem): show it, store nothing
        try:
            with session.begin_nested():
                session.add(SourceView(key=key, rendered=rendered))
            session.commit()
        except IntegrityError:  # another request stored it first: same content, same page
            session.rollback()
        return _load(rendered)
    return _load(row.rendered)


def _load(rendered: str) -> ShownFiles:
    data = json.loads(rendered)
    return ShownFiles(
        # Markup: Pygments escaped every token when it was rendered
        [ShownFile(f["path"], f["size"], f["truncated"], Markup(f["html"])) for f in data["files"]],
        list(data["not_shown"]),
        str(data["problem"]),
    )
