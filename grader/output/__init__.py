"""Everything the grader prints or writes about results, one module per audience.

* :mod:`.text`: the human report in a terminal (and the challenge table);
* :mod:`.formats`: machine formats (JSON, JUnit, Markdown, Exercism, Gradescope);
* :mod:`.html`: the batch's self-contained ``report.html``;
* :mod:`.saved`: reading saved results back, for ``grader render``.

:func:`render` is the one entry point for one result, :func:`render_many`
for a batch's list; the CLI's ``--format`` choices are the keys of
:data:`FORMATS`.
"""

from __future__ import annotations

import json
from pathlib import Path

import click

from ..errors import UsageError
from ..results import GradeResult
from .formats import FORMATS, to_junit_many, to_markdown_many
from .text import clean, grade_text

__all__ = ["FORMATS", "SINGLE_RESULT_FORMATS", "emit", "render", "render_many"]

#: Formats that describe one submission by definition (a platform reads one file per submission).
SINGLE_RESULT_FORMATS = ("exercism", "gradescope")


def render(result: GradeResult, output_format: str) -> str:
    """``result`` in ``output_format`` (a key of :data:`FORMATS`)."""
    return FORMATS[output_format](result)


def render_many(named: list[tuple[str, GradeResult]], output_format: str) -> str:
    """Several results, each under its submission's name: a batch's ``results.json`` rendered again.

    ``json`` gives the same list back, ``junit`` one document with a suite
    per submission, ``text`` and ``markdown`` one section per submission.
    Exercism and Gradescope read one result per file, so a list is refused
    rather than glued into a file neither platform can read.
    """
    if output_format in SINGLE_RESULT_FORMATS:
        raise UsageError(
            f"the {output_format} format holds one submission's result, and this file holds {len(named)}",
            hint="render one submission's file instead (OUT/results/ID.json)",
        )
    if output_format == "json":
        return json.dumps([{"id": name, **r.to_dict()} for name, r in named], indent=2, ensure_ascii=False)
    if output_format == "junit":
        return to_junit_many(named)
    if output_format == "markdown":
        return to_markdown_many(named)
    sections = [f"{click.style(f'== {clean(name)} ==', bold=True)}\n{grade_text(r)}" for name, r in named]
    return "\n\n".join(sections)


def emit(text: str, output: Path | None) -> None:
    """Print ``text``, or write it to ``output`` (one clear error if it cannot be written)."""
    if output is None:
        click.echo(text)
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror}") from None
