"""A submission's files for the dashboard: report.html's caps, rendered once per content.

The files are read and highlighted by :func:`grader.output.sources.read_sources`
(the same checks as grading, at most 40 text files, 32 KiB a file and 128 KiB
in all), so a small archive of huge or many-line files cannot make a huge
page or keep the server busy. The result is stored in the database
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

from ..output.sources import read_sources, stylesheet
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


def render(archive: Path) -> str:
    """The files of ``archive`` as stored JSON (highlighted HTML, capped)."""
    found = read_sources(archive)
    problem = found.problem.replace(str(archive.parent), "").replace(str(archive), archive.name)
    return json.dumps(
        {
            "files": [
                {"path": f.path, "size": f.size, "truncated": f.truncated, "html": str(f.html)}
                for f in found.files
            ],
            "not_shown": found.not_shown,
            "problem": problem,
        }
    )


def submission_files(session: Session, archive: Path, content_hash: str) -> ShownFiles:
    """The stored rendering of this content, rendering and storing it on the first view."""
    if not content_hash:  # an archive refused at intake has no content hash: nothing to share
        return _load(render(archive))
    key = f"{RENDER_VERSION}:{content_hash}"[:100]
    row = session.get(SourceView, key)
    if row is None:
        rendered = render(archive)
        if not archive.exists():
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
