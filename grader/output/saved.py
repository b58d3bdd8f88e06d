"""Reading saved results back for ``grader render``: every file the grader writes.

Three shapes are accepted, and nothing else:

* a result object, as ``grader grade --format json`` writes it;
* a batch's per-submission file ``OUT/results/<id>.json``:
  ``{"id": ..., "cache_key": ..., "result": {...}}``;
* a batch's ``OUT/results.json``: a list of result objects, each with its ``id``.

Each result is checked field by field by :meth:`GradeResult.from_dict`; a
refusal names what is actually wrong (unreadable, not JSON, the wrong JSON
type, which field of which entry), never a reason that does not apply.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from ..errors import InvalidResult
from ..results import GradeResult, ReportError

HINT = "give a file written by `grader grade --format json` or by `grader batch`"
_JSON_TYPES = {str: "a string", int: "a number", float: "a number", bool: "true or false", type(None): "null"}


@dataclass(frozen=True)
class SavedResult:
    """One result read from a file; ``id`` is the submission's name when a batch wrote it."""

    id: str | None
    result: GradeResult


@dataclass(frozen=True)
class SavedFile:
    """Everything read from one file; ``is_list`` for a batch's ``results.json``."""

    results: list[SavedResult]
    is_list: bool


def _entry(data: object, where: str) -> SavedResult:
    """A result object, or a batch's per-submission wrapper around one."""
    if isinstance(data, dict) and "result" in data and "status" not in data:
        submission_id = data.get("id")
        if not isinstance(submission_id, str):
            raise ReportError(f"{where}has a `result` but no string `id`: not a batch result file")
        try:
            return SavedResult(submission_id, GradeResult.from_dict(data["result"]))
        except ReportError as exc:
            raise ReportError(f"{where}`result` of {submission_id!r}: {exc}") from None
    try:
        result = GradeResult.from_dict(data)
    except ReportError as exc:
        raise ReportError(f"{where}{exc}") from None
    submission_id = data.get("id") if isinstance(data, dict) else None
    return SavedResult(submission_id if isinstance(submission_id, str) else None, result)


def load_saved(path: Path) -> SavedFile:
    """Every result in ``path``, in file order; :class:`InvalidResult` (exit 2) saying why not."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise InvalidResult(f"{path} is not UTF-8 text, so not a grader result", hint=HINT) from None
    except OSError as exc:
        raise InvalidResult(f"cannot read {path}: {exc.strerror}", hint=HINT) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        reason = "it is empty" if not text.strip() else f"line {exc.lineno}, column {exc.colno}"
        raise InvalidResult(f"{path} is not JSON ({reason})", hint=HINT) from None
    except RecursionError:
        raise InvalidResult(f"{path} is JSON nested too deeply to be a grader result", hint=HINT) from None
    if isinstance(data, dict):
        entries = [data]
    elif isinstance(data, list):
        if not data:
            raise InvalidResult(f"{path} is an empty list: it holds no result", hint=HINT)
        entries = data
    else:
        kind = _JSON_TYPES.get(type(data), type(data).__name__)
        raise InvalidResult(f"{path} holds {kind}, not a grader result", hint=HINT)
    saved = []
    for index, entry in enumerate(entries):
        where = f"entry #{index}: " if isinstance(data, list) else ""
        try:
            saved.append(_entry(entry, where))
        except ReportError as exc:
            raise InvalidResult(f"{path} is not a grader result ({exc})", hint=HINT) from None
    return SavedFile(saved, isinstance(data, list))
