"""The OpenAPI 3.1 document served at ``/api/v1/openapi.json``.

Written by hand next to :mod:`.api`; a test checks that every API route
is documented here and nothing else is, and another validates the running
server's real answers against the body schemas (:mod:`.openapi_schemas`).
"""

from __future__ import annotations

from typing import Any

from .. import __version__
from .openapi_schemas import ID, ref, schemas

_PROBLEM = {"$ref": "#/components/responses/Problem"}
_JSON = "application/json"


def _param(name: str) -> dict[str, Any]:
    schema = {"type": "string"} if name == "challenge_id" else ID
    return {"name": name, "in": "path", "required": True, "schema": schema}


def _query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}


def _op(
    summary: str,
    ok: str,
    answer: dict[str, Any] | None = None,
    body: dict[str, Any] | None = None,
    params: tuple[str, ...] = (),
) -> dict[str, Any]:
    """One operation; ``answer`` and ``body`` map media types to schemas (``answer=None``: no body)."""
    success: dict[str, Any] = {"description": "OK"}
    if answer is not None:
        success["content"] = {media: {"schema": schema} for media, schema in answer.items()}
    operation: dict[str, Any] = {
        "summary": summary,
        "parameters": [_param(p) for p in params],
        "responses": {ok: success, "400": _PROBLEM, "401": _PROBLEM, "404": _PROBLEM},
    }
    if body is not None:
        content = {media: {"schema": schema} for media, schema in body.items()}
        operation["requestBody"] = {"required": True, "content": content}
    return operation


_PAGING = [
    _query("page", {"type": "integer", "minimum": 1, "default": 1}, "page number, from 1"),
    _query("per_page", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "items per page"),
    _query("challenge", {"type": "string"}, "only this challenge id"),
]
_WHO = [
    _query("candidate", {"type": "string"}, "exact candidate name"),
    _query("external_id", {"type": "string"}, "exact external id"),
    _query(
        "created_after",
        ref("Time"),
        "only objects created strictly after this RFC 3339 time (with its offset; encode + as %2B)",
    ),
]


def _list_op(summary: str, page: str, statuses: list[str], status_help: str) -> dict[str, Any]:
    operation = _op(summary, "200", {_JSON: ref(page)})
    del operation["responses"]["404"]  # a list is never "not found": it is empty
    status = _query("status", {"enum": statuses}, status_help)
    operation["parameters"] = [*_PAGING, status, *_WHO]
    return operation


def _result_op() -> dict[str, Any]:
    answer = {
        _JSON: {"anyOf": [ref("GradeResult"), ref("ExercismResult"), ref("GradescopeResult")]},
        "application/xml": {"type": "string", "description": "format=junit"},
        "text/markdown": {"type": "string", "description": "format=markdown"},
    }
    operation = _op(
        "A done submission's result rendered in a format", "200", answer, params=("submission_id",)
    )
    operation["parameters"].append(
        {
            "name": "format",
            "in": "query",
            "schema": {"enum": ["json", "junit", "markdown", "exercism", "gradescope"], "default": "json"},
        }
    )
    operation["responses"]["409"] = _PROBLEM
    return operation


def document() -> dict[str, Any]:
    """The whole document (a fresh dict each time)."""
    upload_op = _op(
        "Upload one submission; graded in the background",
        "202",
        {_JSON: ref("SubmissionAccepted")},
        {"multipart/form-data": ref("SubmissionUpload")},
    )
    batch_op = _op(
        "A batch: one archive with one folder or archive per candidate, or a list of ids",
        "202",
        {_JSON: ref("Batch")},
        {"multipart/form-data": ref("BatchUpload"), _JSON: ref("BatchOfIds")},
    )
    for operation in (upload_op, batch_op):
        operation["responses"]["429"] = _PROBLEM  # the team's queue is full (GRADER_MAX_QUEUED_JOBS)
    register_hook = _op(
        "Register a callback URL (public addresses only); the answer shows its signing secret once",
        "201",
        {_JSON: ref("WebhookCreated")},
        {_JSON: ref("WebhookRegistration")},
    )
    register_hook["responses"]["409"] = _PROBLEM  # the team already has the most webhooks allowed
    add_challenge = _op(
        "Upload one challenge folder as the team's next version of its id; verified in the background",
        "202",
        {_JSON: ref("ChallengeRevision")},
        {"multipart/form-data": ref("ChallengeUpload")},
    )
    add_challenge["responses"]["422"] = _PROBLEM  # the manifest cannot be a private challenge
    revision = _op(
        "One uploaded version: verifying or ready (200), or refused (422 listing every failed check)",
        "200",
        {_JSON: ref("ChallengeRevision")},
        params=("challenge_id", "revision"),
    )
    revision["responses"]["422"] = _PROBLEM
    list_submissions = _list_op(
        "The team's submissions, newest first, one page at a time",
        "SubmissionPage",
        ["queued", "running", "done", "passed", "failed", "error"],
        "a state (queued, running, done) or a verdict (passed, failed, error: done with it)",
    )
    list_batches = _list_op(
        "The team's batches, newest first, one page at a time",
        "BatchPage",
        ["done", "pending"],
        "done: every submission graded; pending: some are not",
    )
    list_candidates = _op(
        "The team's candidates, newest first, one page at a time", "200", {_JSON: ref("CandidatePage")}
    )
    del list_candidates["responses"]["404"]
    list_candidates["parameters"] = [
        *_PAGING[:2],
        _query("q", {"type": "string"}, "part of the name, e-mail or external id (any case)"),
        _query("email", {"type": "string"}, "exact e-mail (any case)"),
        _query("external_id", {"type": "string"}, "exact external id"),
        _query("review_status", {"enum": ["to_review", "advance", "reject"]}, "the team's decision"),
        _WHO[-1],
    ]
    list_invitations = _op("The team's invitations, newest first", "200", {_JSON: ref("InvitationList")})
    del list_invitations["responses"]["404"]
    list_invitations["parameters"] = [
        _query("candidate", ID, "only this candidate's"),
        _query("challenge", {"type": "string"}, "only this challenge id"),
        _query(
            "state", {"enum": ["sent", "started", "submitted", "late", "revoked", "expired"]}, "only these"
        ),
    ]
    return {
        "openapi": "3.1.0",
        "info": {"title": "flask-grader service", "version": __version__},
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/openapi.json": {
                "get": {**_op("This document", "200", {_JSON: {"type": "object"}}), "security": []}
            },
            "/challenges": {
                "get": _op(
                    "Built-in challenges and the team's private ones: title, topic, level, points, version",
                    "200",
                    {_JSON: ref("ChallengeList")},
                ),
                "post": add_challenge,
            },
            "/challenges/{challenge_id}": {
                "get": _op(
                    "One challenge the team may use (another team's private one is not found)",
                    "200",
                    {_JSON: ref("Challenge")},
                    params=("challenge_id",),
                )
            },
            "/challenges/{challenge_id}/revisions/{revision}": {"get": revision},
            "/submissions": {"get": list_submissions, "post": upload_op},
            "/submissions/{submission_id}": {
                "get": _op(
                    "Status (queued, running, done) and, once done, the JSON result",
                    "200",
                    {_JSON: ref("Submission")},
                    params=("submission_id",),
                )
            },
            "/submissions/{submission_id}/result": {"get": _result_op()},
            "/submissions/{submission_id}/regrade": {
                "post": _op(
                    "Grade a done submission again",
                    "202",
                    {_JSON: ref("RegradeAccepted")},
                    params=("submission_id",),
                )
            },
            "/batches": {"get": list_batches, "post": batch_op},
            "/batches/{batch_id}": {
                "get": _op("Progress counts and results", "200", {_JSON: ref("Batch")}, params=("batch_id",))
            },
            "/batches/{batch_id}/results.csv": {
                "get": _op(
                    "One CSV row per submission",
                    "200",
                    {"text/csv": {"type": "string"}},
                    params=("batch_id",),
                )
            },
            "/webhooks": {
                "get": _op("The team's callback URLs", "200", {_JSON: ref("WebhookList")}),
                "post": register_hook,
            },
            "/webhooks/{webhook_id}": {"delete": _op("Remove a callback URL", "204", params=("webhook_id",))},
            "/invitations": {
                "get": list_invitations,
                "post": _op(
                    "Invite a candidate; the answer holds the link (and its token) once",
                    "201",
                    {_JSON: ref("InvitationCreated")},
                    {_JSON: ref("InvitationRequest")},
                ),
            },
            "/invitations/{invitation_id}": {
                "get": _op("One invitation", "200", {_JSON: ref("Invitation")}, params=("invitation_id",))
            },
            "/invitations/{invitation_id}/revoke": {
                "post": _op(
                    "Revoke: the link stops working",
                    "200",
                    {_JSON: ref("Invitation")},
                    params=("invitation_id",),
                )
            },
            "/invitations/{invitation_id}/extend": {
                "post": _op(
                    "Move the deadline later",
                    "200",
                    {_JSON: ref("Invitation")},
                    {_JSON: ref("Extension")},
                    params=("invitation_id",),
                )
            },
            "/candidates": {"get": list_candidates},
            "/candidates/{candidate_id}": {
                "get": _op(
                    "A candidate with every invitation and submission",
                    "200",
                    {_JSON: ref("CandidateDetail")},
                    params=("candidate_id",),
                ),
                "patch": _op(
                    "Set the review status and/or replace the notes",
                    "200",
                    {_JSON: ref("CandidateDetail")},
                    {_JSON: ref("CandidateUpdate")},
                    params=("candidate_id",),
                ),
            },
            "/webhooks/{webhook_id}/deliveries": {
                "get": _op(
                    "The webhook's latest deliveries, each with every attempt (time, status, error)",
                    "200",
                    {_JSON: ref("DeliveryLog")},
                    params=("webhook_id",),
                )
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas(),
            "responses": {
                "Problem": {
                    "description": "RFC 9457 problem details",
                    "content": {"application/problem+json": {"schema": ref("Problem")}},
                }
            },
        },
    }
