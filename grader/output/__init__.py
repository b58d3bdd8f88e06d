"""Everything the grader prints or writes about results, one module per audience.

* :mod:`.text`: the human report in a terminal (and the challenge table);
* :mod:`.formats`: machine formats (JSON, JUnit, Markdown, Exercism, Gradescope);
* :mod:`.html`: the batch's self-contained ``report.html``.

:func:`render` is the one entry point; the CLI's ``--format`` choices are
the keys of :data:`FORMATS`.
"""

from __future__ import annotations

from ..results import GradeResult
from .formats import FORMATS

__all__ = ["FORMATS", "render"]


def render(result: GradeResult, output_format: str) -> str:
    """``result`` in ``output_format`` (a key of :data:`FORMATS`)."""
    return FORMATS[output_format](result)
