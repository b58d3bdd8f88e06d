"""The API's private challenge routes: upload a version, follow its verification, read a challenge.

``POST /challenges`` takes a ``.zip`` or ``.tar.gz`` of one challenge folder
(multipart field ``file``). What can be decided at once is: an unsafe
archive is a 400 naming ``file``; a manifest that cannot be a private
challenge (invalid, a built-in id) is a 422 listing ``problems``. Otherwise
the upload is stored as the next revision and answered ``202`` while it is
``verifying`` in the background (:mod:`.private_verify`);
``GET /challenges/{id}/revisions/{n}`` then answers ``200`` (``verifying`` or
``ready``) or, once refused, ``422`` with every failed check in ``problems``.
Another team's challenge or revision answers 404, as one that does not exist.
"""

from __future__ import annotations

from typing import Any

from flask import Response, abort, jsonify, url_for

from ..errors import UsageError
from .api import Problem, _required_file, api, challenge_json, problem
from .auth import current_caller
from .catalog import private_ids, resolve_challenge
from .context import db_session, service
from .intake import archive_suffix
from .private import UnsoundChallenge, add_private, describe, owned_revision

UNSOUND = "Unsound challenge"


def _unsound(problems: list[str], **extra: Any) -> Response:
    detail = f"the challenge is not sound: {problems[0]}" + (
        f" (and {len(problems) - 1} more, see `problems`)" if len(problems) > 1 else ""
    )
    return problem(422, UNSOUND, detail, problems=problems, **extra)


@api.errorhandler(UnsoundChallenge)
def _refused(exc: UnsoundChallenge) -> Response:
    return _unsound(exc.problems, field="file")


@api.post("/challenges")
def add_challenge() -> Response:
    """Upload one challenge folder (as an archive) as the next version of the team's challenge."""
    upload = _required_file()
    name = upload.filename or ""
    if not archive_suffix(name.replace("\\", "/").rsplit("/", 1)[-1]):
        raise Problem(400, "Invalid request", "upload the challenge folder as a .zip or .tar.gz", "file")
    session = db_session()
    intake = service().intake
    team_id = current_caller().team_id
    path, client_name = intake.save_upload(upload)
    try:
        budget = intake.budget(client_name)
        row = add_private(session, service().data_dir, intake.scratch, team_id, path, client_name, budget)
        session.commit()
    finally:
        intake.discard(path)
    verifier = service().verifier
    if verifier is not None:
        verifier.submit(row.id)
    answer = jsonify(describe(row))
    answer.status_code = 202
    answer.headers["Location"] = url_for(
        "api.challenge_revision", challenge_id=row.challenge_id, revision=row.revision
    )
    return answer


@api.get("/challenges/<challenge_id>")
def get_challenge_detail(challenge_id: str) -> Response:
    """One challenge the team may use: a built-in one or its own (another team's is a 404)."""
    session, team_id = db_session(), current_caller().team_id
    try:
        found = resolve_challenge(session, service().data_dir, team_id, challenge_id)
    except UsageError:
        abort(404, f"no challenge {challenge_id!r}: see GET /challenges")
    return jsonify(challenge_json(found, found.id in private_ids(session, team_id)))


@api.get("/challenges/<challenge_id>/revisions/<int:revision>")
def challenge_revision(challenge_id: str, revision: int) -> Response:
    """One uploaded version: ``verifying``, ``ready``, or a 422 naming what failed."""
    row = owned_revision(db_session(), current_caller().team_id, challenge_id, revision)
    if row is None:
        abort(404, f"no revision {revision} of a private challenge {challenge_id!r}")
    if row.status == "refused":
        return _unsound(list(row.problems or []))
    return jsonify(describe(row))
