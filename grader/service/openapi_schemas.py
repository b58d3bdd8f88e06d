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
    "invitation": {**_nullable(ID), "description": "its invitation; null if the team uploaded it"},
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
        "score": {**_nullable(_NUM), "description": "null exactly when status is error (it was not graded)"},
        "max_score": _NUM,
        "percent": {**_nullable(_NUM), "description": "null exactly when status is error"},
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
_INVITATION_FIELDS: dict[str, Any] = {
    "id": ID,
    "candidate": ID,
    "challenge": _STR,
    "challenge_version": {**_STR, "description": "the challenge's version when the invitation was made"},
    "state": {"enum": ["sent", "started", "submitted", "late", "revoked", "expired"]},
    "deadline": _TIME,
    "time_limit_minutes": _nullable(_INT),
    "closes_at": {**_TIME, "description": "the deadline, or the end of the time limit once started"},
    "shows": {"enum": ["receipt", "public", "hidden"]},
    "max_submissions": _INT,
    "submissions_used": _INT,
    "counted_submission": {**_nullable(ID), "description": "the last submission: the one that counts"},
    "created_at": _TIME,
    "started_at": _nullable(_TIME),
    "revoked_at": _nullable(_TIME),
}
_CANDIDATE_FIELDS: dict[str, Any] = {
    "id": ID,
    "name": _STR,
    "email": _STR,
    "external_id": _nullable(_STR),
    "review_status": {"enum": ["to_review", "advance", "reject"]},
    "notes": _STR,
    "created_at": _TIME,
}


def _invitation_schemas() -> dict[str, Any]:
    """The invitation and candidate bodies (issue 20)."""
    return {
        "InvitationRequest": {
            "type": "object",
            "required": ["challenge", "name", "email", "deadline"],
            "properties": {
                "challenge": _STR,
                "name": _STR,
                "email": _STR,
                "external_id": {**_STR, "description": "the candidate's id in your ATS"},
                "deadline": _TIME,
                "time_limit_minutes": {
                    "type": "integer",
                    "minimum": 1,
                    "description": "counted from the kit's first download",
                },
                "shows": {"enum": ["receipt", "public", "hidden"], "default": "receipt"},
                "max_submissions": {"type": "integer", "minimum": 1, "maximum": 100, "default": 5},
            },
        },  # fmt: skip
        "Invitation": _closed(_INVITATION_FIELDS),
        "InvitationCreated": _closed(
            {
                **_INVITATION_FIELDS,
                "candidate_record": ref("Candidate"),
                "token": {**_STR, "description": "shown once: only its hash is stored"},
                "link": {**_STR, "description": "send it to the candidate: /i/<token> on this service"},
            }
        ),
        "InvitationList": {"type": "array", "items": ref("Invitation")},
        "Extension": {"type": "object", "required": ["deadline"], "properties": {"deadline": _TIME}},
        "Candidate": _closed(_CANDIDATE_FIELDS),
        "CandidatePage": _page_of("Candidate"),
        "CandidateDetail": _closed(
            {
                **_CANDIDATE_FIELDS,
                "invitations": {"type": "array", "items": ref("Invitation")},
                "submissions": {"type": "array", "items": ref("SubmissionListItem")},
            }
        ),
        "CandidateUpdate": {
            "type": "object",
            "properties": {"review_status": {"enum": ["to_review", "advance", "reject"]}, "notes": _STR},
            "additionalProperties": False,
        },
    }


def schemas() -> dict[str, Any]:
    """``components/schemas`` (a fresh dict each time)."""
    return {
        "Time": _TIME,
        "Problem": _closed(
            {"type": _STR, "title": _STR, "status": _INT, "detail": _STR},
            {
                "field": {**_STR, "description": "the request field at fault"},
                "problems": {
                    "type": "array",
                    "items": _STR,
                    "description": "422: every check an uploaded challenge failed, one line each",
                },
            },
        ),
        "Challenge": _closed(
            {
                "id": _STR,
                "title": _STR,
                "topic": _STR,
                "level": _STR,
                "points": _NUM,
                "version": _STR,
                "private": {**_BOOL, "description": "the team's own challenge (false: built-in, public)"},
            }
        ),
        "ChallengeUpload": {
            "type": "object",
            "required": ["file"],
            "properties": {
                "file": {
                    "type": "string",
                    "format": "binary",
                    "description": ".zip or .tar.gz of one challenge folder (challenge.toml at its top)",
                },
            },
        },
        "ChallengeRevision": _closed(
            {
                "id": _STR,
                "revision": {"type": "integer", "minimum": 1},
                "version": {**_STR, "description": "manifest version + revision (results record it)"},
                "title": _STR,
                "status": {"enum": ["verifying", "ready", "refused"]},
                "problems": {"type": "array", "items": _STR},
                "created_at": _TIME,
                "finished_at": _nullable(_TIME),
            }
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
        "Submission": _closed(
            {**_SUBMISSION_FIELDS, "result": _nullable(ref("GradeResult"))},
            {
                "max_similarity": {
                    **_nullable({"type": "number", "minimum": 0, "maximum": 1}),
                    "description": "the highest similarity score with another of the team's "
                    "submissions to the challenge; null if none came near",
                },
                "similar_to": {**_nullable(ID), "description": "that other submission"},
            },
        ),
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
                "event": {"enum": ["submission.done", "submission.received", "invitation.started"]},
                "submission": _nullable(ID),
                "invitation": _nullable(ID),
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
        **_invitation_schemas(),
    }
