"""CSV cells a spreadsheet will not run: the OWASP neutralisation of formula injection.

Labels in a results table come from candidates (folder and file names,
``candidate``, ``external_id``) and so do messages; a cell starting with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is a
formula to Excel, LibreOffice and Google Sheets. As the OWASP "CSV
Injection" cheat sheet recommends, such a cell is prefixed with a single
quote, which the spreadsheet shows as text; the csv module's quoting takes
care of separators and double quotes. Every CSV the project writes goes
through :func:`safe_row`.

:func:`result_cells` is the one place a result becomes CSV cells, for
``grader batch``'s ``results.csv`` and the service's: an ``error`` (the
submission could not be graded) has no score, no percent and no failed
tests there, only its cause, so a spreadsheet never averages it as a zero.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..results import GradeResult, Verdict
from .text import clean, summary

#: First characters a spreadsheet reads as the start of a formula (OWASP's list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """``value`` unchanged, unless it is text a spreadsheet would evaluate: then ``'`` + text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def safe_row(row: Mapping[str, object]) -> dict[str, object]:
    """Every cell of a ``csv.DictWriter`` row neutralised."""
    return {key: safe_cell(value) for key, value in row.items()}


def result_cells(result: GradeResult) -> dict[str, str]:
    """The cells of a results.csv row that come from the result (an error: empty score, its cause)."""
    scored = result.status != Verdict.ERROR
    return {
        "status": str(result.status),
        "score": f"{result.score:g}" if scored else "",
        "max_score": f"{result.max_score:g}",
        "percent": f"{result.percent:g}" if scored else "",
        "duration": f"{result.duration:.2f}",
        "failed_tests": ";".join(t.name for t in result.failed_tests) if scored else "",
        # the cause, not only "app.py raised while loading:"
        "message": clean(summary(result.message)),
    }
