"""The REST API, ``/api/v1``: JSON in and out, bearer tokens, problem details on errors.

Every object route looks its object up with :func:`~.models.owned`, so
another team's id answers 404 exactly like an id that does not exist.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, g, jsonify, request

from ..challenges import Challenge
from ..errors import UnknownChallenge, UsageError
from ..output import FORMATS, render
from ..results import GradeResult
from . import reports
from .auth import Caller, bearer_token, current_caller, team_for_token
from .catalog import private_ids, resolve_challenge, team_challenges
from .context import db_session, service
from .intake import QueueFull, requeue
from .models import MAX_ID, Batch, Submission, owned
from .openapi import document
from .similarity import team_similarity

api = Blueprint("api", __name__, url_prefix="/api/v1")
PROBLEM = "application/problem+json"
RESULT_FORMATS = ("json", "junit", "markdown", "exercism", "gradescope")
#: Most submission ids one batch-of-ids request may list.
MAX_BATCH_IDS = 1000
_MEDIA = {"json": "application/json", "junit": "application/xml", "markdown": "text/markdown"}


def problem(status: int, title: str, detail: str = "", **extra: Any) -> Response:
    """An RFC 9457 problem details answer."""
    body = {"type": "about:blank", "title": title, "status": status, "detail": detail, **extra}
    response = jsonify(body)
    response.status_code = status
    response.mimetype = PROBLEM
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="grader"'
    return response


class Problem(Exception):
    """Raise to answer a problem from anywhere in a view."""

    def __init__(self, status: int, title: str, detail: str = "", field: str | None = None) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail, self.field = status, title, detail, field


@api.errorhandler(Problem)
def _problem(exc: Problem) -> Response:
    extra = {} if exc.field is None else {"field": exc.field}
    return problem(exc.status, exc.title, exc.detail, **extra)


@api.errorhandler(UsageError)
def _usage(exc: UsageError) -> Response:
    if isinstance(exc, QueueFull):
        return problem(429, "Too Many Requests", exc.format())
    status = 404 if isinstance(exc, UnknownChallenge) else 400
    return problem(status, "Invalid request" if status == 400 else "Not Found", exc.format())


def invalid(detail: str, field: str | None = None) -> Problem:
    """A 400 problem to raise; ``field`` names the request field at fault (clients can point at it)."""
    return Problem(400, "Invalid request", detail, field)


def _json_object() -> dict[str, Any]:
    """The request's JSON body, which must be an object (anything else is a 400 saying so)."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise invalid('the body must be a JSON object, such as {"submissions": [1, 2]}')
    return body


def _ids(body: dict[str, Any], field: str) -> list[int]:
    """A non-empty list of ids (integers, not booleans, 1 to 2^31-1)."""
    ids = body.get(field)
    if not isinstance(ids, list) or not ids:
        raise invalid(f"`{field}` must be a non-empty list of submission ids", field)
    if len(ids) > MAX_BATCH_IDS:
        raise invalid(f"`{field}` lists more than {MAX_BATCH_IDS} ids: make several batches", field)
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
            raise invalid(f"`{field}` must hold submission ids (whole numbers from 1 to {MAX_ID})", field)
    return ids


def _string(body: dict[str, Any], field: str) -> str:
    value = body.get(field, "")
    if not isinstance(value, str):
        raise invalid(f"`{field}` must be a string", field)
    return value


def _team_challenge(challenge_id: str) -> Challenge:
    """A challenge as the caller's team sees it (its private ones included)."""
    return resolve_challenge(db_session(), service().data_dir, current_caller().team_id, challenge_id)


def _challenge_field() -> Any:
    """The form's ``challenge``: required (400 naming it), then looked up (an unknown id is a 404).

    A missing or blank field is the client's malformed request, not an
    unknown challenge: it must not answer 404 "run `grader list`".
    """
    value = request.form.get("challenge", "").strip()
    if not value:
        raise invalid(
            "the form field `challenge` is required: send the challenge id (see GET /challenges)", "challenge"
        )
    return resolve_challenge(db_session(), service().data_dir, current_caller().team_id, value)


@api.before_request
def _authenticate() -> Response | None:
    if request.endpoint == "api.openapi":
        return None
    token = bearer_token()
    team = team_for_token(db_session(), token) if token else None
    if team is None:
        return problem(401, "Unauthorized", "send a valid token: Authorization: Bearer <token>")
    g.caller = Caller(team.id, team.name)
    return None


def _owned_submission(submission_id: int) -> Submission:
    found = owned(db_session(), Submission, submission_id, current_caller().team_id)
    if found is None:
        abort(404, f"no submission {submission_id}")
    return found


def _owned_batch(batch_id: int) -> Batch:
    found = owned(db_session(), Batch, batch_id, current_caller().team_id)
    if found is None:
        abort(404, f"no batch {batch_id}")
    return found


def _flag(name: str) -> bool:
    return request.form.get(name, "").lower() in ("1", "true", "yes", "on")


@api.get("/openapi.json")
def openapi() -> Response:
    return jsonify(document())


def challenge_json(challenge: Any, private: bool) -> dict[str, Any]:
    """What the API says about a challenge; ``private``: the team's own (see :mod:`.private`)."""
    return {
        "id": challenge.id,
        "title": challenge.title,
        "topic": str(getattr(challenge, "topic", "") or ""),
        "level": challenge.difficulty,
        "points": challenge.points,
        "version": challenge.version,
        "private": private,
    }


@api.get("/challenges")
def challenges() -> Response:
    """The built-in challenges and the calling team's own private ones (no other team's)."""
    session, team_id = db_session(), current_caller().team_id
    mine = private_ids(session, team_id)
    found = team_challenges(session, service().data_dir, team_id)
    return jsonify([challenge_json(c, c.id in mine) for c in found])


def _required_file() -> Any:
    """The request's multipart ``file`` (checked before any other field: without it nothing else matters)."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise invalid("attach the archive as the multipart field `file`", "file")
    return upload


def _upload_file(upload: Any, handle: Any) -> Any:
    """Save ``upload``, run ``handle(path, name)``, always remove the scratch copy."""
    intake = service().intake
    path, client_name = intake.save_upload(upload)
    try:
        return handle(path, client_name)
    finally:
        intake.discard(path)


@api.post("/submissions")
def create_submission() -> tuple[Response, int]:
    upload = _required_file()
    challenge = _challenge_field()
    session = db_session()

    def handle(path: Any, client_name: str) -> Submission:
        return service().intake.add(
            session,
            current_caller().team_id,
            challenge,
            path,
            client_name,
            candidate=request.form.get("candidate", ""),
            external_id=request.form.get("external_id", ""),
            regrade=_flag("regrade"),
        )

    submission = _upload_file(upload, handle)
    session.commit()
    _wake()
    return jsonify({"id": submission.id, "status": submission.status, "same_as": submission.same_as_id}), 202


@api.get("/submissions/<int:submission_id>")
def get_submission(submission_id: int) -> Response:
    found = _owned_submission(submission_id)
    similarity = team_similarity(db_session(), found.team_id, _team_challenge(found.challenge_id))
    return jsonify({**found.summary(), **similarity.fields(found.id)})


@api.get("/submissions/<int:submission_id>/result")
def get_result(submission_id: int) -> Response:
    submission = _owned_submission(submission_id)
    fmt = request.args.get("format", "json")
    if fmt not in RESULT_FORMATS or fmt not in FORMATS:
        raise Problem(
            400, "Invalid request", f"unknown format {fmt!r}: use one of {', '.join(RESULT_FORMATS)}"
        )
    if submission.status != "done" or submission.result is None:
        raise Problem(409, "Not graded yet", f"submission {submission_id} is {submission.status}; poll it")
    text = render(GradeResult.from_dict(submission.result), fmt)
    return Response(text, mimetype=_MEDIA.get(fmt, "application/json"))


@api.post("/submissions/<int:submission_id>/regrade")
def regrade(submission_id: int) -> tuple[Response, int]:
    """Idempotent: while a grading of it is queued or running, another regrade queues nothing more."""
    submission = _owned_submission(submission_id)
    if requeue(db_session(), submission):
        db_session().commit()
        _wake()
    return jsonify({"id": submission.id, "status": submission.status}), 202


@api.post("/batches")
def create_batch() -> tuple[Response, int]:
    session = db_session()
    team_id = current_caller().team_id
    if request.is_json:
        body = _json_object()
        ids = _ids(body, "submissions")
        name = _string(body, "name")
        found = [owned(session, Submission, i, team_id) for i in ids]
        missing = [i for i, s in zip(ids, found, strict=True) if s is None]
        if missing:
            abort(404, f"no submission {missing[0]}")
        batch = service().intake.add_batch_ids(session, team_id, [s for s in found if s], name)
    else:
        upload = _required_file()
        challenge = _challenge_field()
        batch = _upload_file(
            upload,
            lambda path, name: service().intake.add_batch_archive(
                session, team_id, challenge, path, name, _flag("regrade")
            ),
        )
    session.commit()
    _wake()
    return jsonify(reports.summary(session, batch)), 202


@api.get("/batches/<int:batch_id>")
def get_batch(batch_id: int) -> Response:
    batch = _owned_batch(batch_id)
    similarity = team_similarity(db_session(), batch.team_id, _team_challenge(batch.challenge_id))
    return jsonify(reports.summary(db_session(), batch, similarity))


@api.get("/batches/<int:batch_id>/results.csv")
def batch_csv(batch_id: int) -> Response:
    batch = _owned_batch(batch_id)
    similarity = team_similarity(db_session(), batch.team_id, _team_challenge(batch.challenge_id))
    text = reports.to_csv(reports.members(db_session(), batch), similarity)
    headers = {"Content-Disposition": f'attachment; filename="batch-{batch.id}.csv"'}
    return Response(text, mimetype="text/csv", headers=headers)


def _wake() -> None:
    runner = service().runner
    if runner is not None:
        runner.wake()
