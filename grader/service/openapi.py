"""The OpenAPI 3.1 document served at ``/api/v1/openapi.json``.

Written by hand next to :mod:`.api`; a test checks that every API route
is documented here and nothing else is.
"""

from __future__ import annotations

from typing import Any

from .. import __version__

_ID = {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}
_PROBLEM = {"$ref": "#/components/responses/Problem"}


def _param(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": _ID}


def _op(
    summary: str, ok: str, body: dict[str, Any] | None = None, params: tuple[str, ...] = ()
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [_param(p) for p in params],
        "responses": {ok: {"description": "OK"}, "400": _PROBLEM, "401": _PROBLEM, "404": _PROBLEM},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": body}
    return operation


_UPLOAD = {
    "multipart/form-data": {
        "schema": {
            "type": "object",
            "required": ["file", "challenge"],
            "properties": {
                "file": {"type": "string", "format": "binary", "description": ".zip or .tar.gz"},
                "challenge": {"type": "string"},
                "candidate": {"type": "string"},
                "external_id": {"type": "string"},
                "regrade": {"type": "boolean", "description": "grade again even if the content was graded"},
            },
        }
    }
}
_BATCH_IDS = {
    "application/json": {
        "schema": {
            "type": "object",
            "required": ["submissions"],
            "properties": {
                "submissions": {"type": "array", "items": _ID, "minItems": 1, "maxItems": 1000},
                "name": {"type": "string"},
            },
        }
    }
}


def document() -> dict[str, Any]:
    """The whole document (a fresh dict each time)."""
    result_op = _op("A done submission's result rendered in a format", "200", params=("submission_id",))
    result_op["parameters"].append(
        {
            "name": "format",
            "in": "query",
            "schema": {"enum": ["json", "junit", "markdown", "exercism", "gradescope"], "default": "json"},
        }
    )
    result_op["responses"]["409"] = _PROBLEM
    upload_op = _op("Upload one submission; graded in the background", "202", _UPLOAD)
    batch_op = _op(
        "A batch: one archive with one folder or archive per candidate, or a list of ids",
        "202",
        {**_UPLOAD, **_BATCH_IDS},
    )
    for operation in (upload_op, batch_op):
        operation["responses"]["429"] = _PROBLEM  # the team's queue is full (GRADER_MAX_QUEUED_JOBS)
    register_hook = _op(
        "Register a callback URL (public addresses only); the answer shows its signing secret once",
        "201",
        {"application/json": {"schema": {"type": "object", "properties": {"url": {"type": "string"}}}}},
    )
    register_hook["responses"]["409"] = _PROBLEM  # the team already has the most webhooks allowed
    return {
        "openapi": "3.1.0",
        "info": {"title": "flask-grader service", "version": __version__},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/openapi.json": {"get": {**_op("This document", "200"), "security": []}},
            "/challenges": {"get": _op("The challenges: title, topic, level, points, version", "200")},
            "/submissions": {"post": upload_op},
            "/submissions/{submission_id}": {
                "get": _op(
                    "Status (queued, running, done) and, once done, the JSON result",
                    "200",
                    params=("submission_id",),
                )
            },
            "/submissions/{submission_id}/result": {"get": result_op},
            "/submissions/{submission_id}/regrade": {
                "post": _op("Grade a done submission again", "202", params=("submission_id",))
            },
            "/batches": {"post": batch_op},
            "/batches/{batch_id}": {"get": _op("Progress counts and results", "200", params=("batch_id",))},
            "/batches/{batch_id}/results.csv": {
                "get": _op("One CSV row per submission", "200", params=("batch_id",))
            },
            "/webhooks": {
                "get": _op("The team's callback URLs", "200"),
                "post": register_hook,
            },
            "/webhooks/{webhook_id}": {"delete": _op("Remove a callback URL", "204", params=("webhook_id",))},
            "/webhooks/{webhook_id}/deliveries": {
                "get": _op(
                    "The webhook's latest deliveries, each with every attempt (time, status, error)",
                    "200",
                    params=("webhook_id",),
                )
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": {"type": "object"}}},
                }
            },
        },
    }
