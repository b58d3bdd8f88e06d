"""The OpenAPI document's ``components/schemas``: every request and response body of the API.

JSON Schema 2020-12 (what OpenAPI 3.1 uses). Objects the service writes
list every property and allow no others, so a test validating the running
server's real answers against them catches a field added, renamed or
dropped without the document following. Times carry a ``pattern`` as well
as ``format: date-time``: validators check a pattern without extra packages.
"""

from __future__ import annotations

from typing import Any

from ..protocol import TestStatus
from ..results import Verdict

MAX_ID = 2**31 - 1
ID: dict[str, Any] = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
#: RFC 3339 with an offset, as :func:`.models.rfc3339` writes it (``Z``) or a client may send it
TIME_PATTERN = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$"
_TIME = {"type": "string", "format": "date-time", "pattern": TIME_PATTERN}
_STR = {"type": "string"}
_INT = {"type": "integer"}
_NUM = {"type": "number"}
_BOOL = {"type": "boolean"}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _closed(required: dict[str, Any], optional: dict[str, Any] | None = None) -> dict[str, Any]:
    """An object with exactly these properties (the ``required`` ones always present)."""
    return {
        "type": "object",
        "required": list(required),
        "properties": {**required, **(optional or {})},
        "additionalProperties": False,
    }


def _page_of(item: str) -> dict[str, Any]:
    return _closed(
        {
            "items": {"type": "array", "items": ref(item)},
            "total": {"type": "integer", "minimum": 0, "description": "matches over all pages"},
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1, "maximum": 100},
        }
    )


_SUBMISSION_FIELDS: dict[str, Any] = {
    "id": ID,
    "challenge": _STR,
    "challenge_version": _STR,
    "candidate": _STR,
    "external_id": _STR,
    "filename": _STR,
    "status": {"enum": ["queued", "running", "done"]},
    "same_as": _nullable(ID),
    "created_at": _TIME,
    "finished_at": {**_nullable(_TIME), "description": "when grading ended; null until done"},
}
_TEST_RESULT = _closed(
    {
        "name": _STR,
        "description": _STR,
        "status": {"enum": [str(s) for s in TestStatus]},
        "score": _NUM,
        "max_score": _NUM,
        "message": _STR,
        "duration": _NUM,
    }
)
_GRADE_RESULT = _closed(
    {
        "challenge": _STR,
        "status": {"enum": [str(v) for v in Verdict]},
        "score": _NUM,
        "max_score": _NUM,
        "percent": _NUM,
        "message": _STR,
        "sandbox": _STR,
        "duration": _NUM,
        "tests": {"type": "array", "items": ref("TestResult")},
        "challenge_version": _STR,
        "image": _nullable(_STR),
        "submission": _STR,
        "limits_hit": {"type": "array", "items": _STR},
        "grader_version": _STR,
    },
    {"timing": {"type": "object", "additionalProperties": _NUM, "description": "seconds per phase"}},
)
_PROGRESS_KEYS = ("total", "queued", "running", "done", "passed", "failed", "error")
_PROGRESS = _closed({key: {"type": "integer", "minimum": 0} for key in _PROGRESS_KEYS})
_BATCH_FIELDS: dict[str, Any] = {
    "id": ID,
    "challenge": _STR,
    "name": _STR,
    "created_at": _TIME,
    "progress": ref("Progress"),
    "done": {**_BOOL, "description": "every submission is done"},
}
_WEBHOOK_FIELDS: dict[str, Any] = {"id": ID, "url": _STR, "created_at": _TIME}


def schemas() -> dict[str, Any]:
    """``components/schemas`` (a fresh dict each time)."""
    return {
        "Time": _TIME,
        "Problem": _closed(
            {"type": _STR, "title": _STR, "status": _INT, "detail": _STR},
            {"field": {**_STR, "description": "the request field at fault"}},
        ),
        "Challenge": _closed(
            {"id": _STR, "title": _STR, "topic": _STR, "level": _STR, "points": _NUM, "version": _STR}
        ),
        "ChallengeList": {"type": "array", "items": ref("Challenge")},
        "TestResult": _TEST_RESULT,
        "GradeResult": {**_GRADE_RESULT, "description": "the `grader grade --format json` object"},
        "ExercismResult": {
            "type": "object",
            "required": ["version", "status"],
            "properties": {"version": {"const": 3}, "status": {"enum": ["pass", "fail", "error"]}},
        },
        "GradescopeResult": {
            "type": "object",
            "required": ["score", "tests"],
            "properties": {"score": _NUM, "tests": {"type": "array", "items": {"type": "object"}}},
        },
        "SubmissionUpload": {
            "type": "object",
            "required": ["file", "challenge"],
            "properties": {
                "file": {
                    "type": "string",
                    "format": "binary",
                    "description": ".zip, .tar.gz or one .py file",
                },
                "challenge": _STR,
                "candidate": _STR,
                "external_id": _STR,
                "regrade": {"type": "boolean", "description": "grade again even if the content was graded"},
            },
        },
        "SubmissionAccepted": _closed({"id": ID, "status": _STR, "same_as": _nullable(ID)}),
        "RegradeAccepted": _closed({"id": ID, "status": _STR}),
        "Submission": _closed({**_SUBMISSION_FIELDS, "result": _nullable(ref("GradeResult"))}),
        "SubmissionListItem": _closed(
            {
                **_SUBMISSION_FIELDS,
                "verdict": _nullable({"enum": [str(v) for v in Verdict]}),
                "percent": _nullable(_NUM),
            }
        ),
        "SubmissionPage": _page_of("SubmissionListItem"),
        "BatchUpload": {
            "type": "object",
            "required": ["file", "challenge"],
            "properties": {
                "file": {
                    "type": "string",
                    "format": "binary",
                    "description": "one folder/archive per candidate",
                },
                "challenge": _STR,
                "regrade": _BOOL,
            },
        },
        "BatchOfIds": {
            "type": "object",
            "required": ["submissions"],
            "properties": {
                "submissions": {"type": "array", "items": ID, "minItems": 1, "maxItems": 1000},
                "name": _STR,
            },
        },
        "Progress": _PROGRESS,
        "Batch": _closed({**_BATCH_FIELDS, "submissions": {"type": "array", "items": ref("Submission")}}),
        "BatchListItem": _closed(_BATCH_FIELDS),
        "BatchPage": _page_of("BatchListItem"),
        "WebhookRegistration": {"type": "object", "required": ["url"], "properties": {"url": _STR}},
        "Webhook": _closed(_WEBHOOK_FIELDS),
        "WebhookCreated": _closed({**_WEBHOOK_FIELDS, "secret": {**_STR, "description": "shown once"}}),
        "WebhookList": {"type": "array", "items": ref("Webhook")},
        "DeliveryAttempt": _closed(
            {"at": _TIME, "duration_ms": _INT, "status_code": _nullable(_INT), "error": _STR}
        ),
        "Delivery": _closed(
            {
                "id": ID,
                "submission": ID,
                "status": {"enum": ["pending", "delivered", "failed"]},
                "attempts": _INT,
                "next_attempt_at": {**_nullable(_TIME), "description": "null unless pending"},
                "last_error": _STR,
                "log": {"type": "array", "items": ref("DeliveryAttempt")},
            }
        ),
        "DeliveryLog": _closed(
            {"webhook": ref("Webhook"), "deliveries": {"type": "array", "items": ref("Delivery")}}
        ),
    }
