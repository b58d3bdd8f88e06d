"""Machine-readable renderings of one :class:`GradeResult`.

Each format is a function ``GradeResult -> str`` registered in :data:`FORMATS`;
the CLI's ``--format`` choices come from this table. ``text`` lives in
:mod:`grader.render` because it is for people.
"""

from __future__ import annotations

import json
from collections.abc import Callable

from .render import grade_text
from .results import GradeResult


def to_json(result: GradeResult) -> str:
    """One JSON object: the documented ``--format json`` contract."""
    return json.dumps(result.to_dict(), indent=2, ensure_ascii=False)


FORMATS: dict[str, Callable[[GradeResult], str]] = {
    "text": grade_text,
    "json": to_json,
}
