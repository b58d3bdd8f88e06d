"""CSV cells a spreadsheet will not run: the OWASP neutralisation of formula injection.

Labels in a results table come from candidates (folder and file names,
``candidate``, ``external_id``) and so do messages; a cell starting with
``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return before one) is a
formula to Excel, LibreOffice and Google Sheets. As the OWASP "CSV
Injection" cheat sheet recommends, such a cell is prefixed with a single
quote, which the spreadsheet shows as text; the csv module's quoting takes
care of separators and double quotes. Every CSV the project writes goes
through :func:`safe_row`.
"""

from __future__ import annotations

from collections.abc import Mapping

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
