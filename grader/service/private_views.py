"""The dashboard's upload of a private challenge (the form sits on the challenges page).

The same path as the API's ``POST /challenges`` (:func:`.private.add_private`,
then the background :class:`~.private_verify.Verifier`): the page says at
once what is wrong with an unusable archive or manifest, and the challenges
page lists each upload as verifying, ready or refused with its reasons.
"""

from __future__ import annotations

from flask import flash, redirect, url_for
from flask_login import login_required
from werkzeug.wrappers import Response as BaseResponse

from ..errors import UsageError
from .auth import current_caller
from .context import db_session, service
from .forms import ChallengeUploadForm
from .intake import archive_suffix
from .private import UnsoundChallenge, add_private
from .views import views


@views.post("/challenges/upload")
@login_required
def upload_challenge() -> BaseResponse:
    """Store the uploaded challenge folder as the team's next version, then verify it in the background."""
    form = ChallengeUploadForm()
    if not form.validate_on_submit():
        flash("choose the challenge folder as a .zip or .tar.gz file", "error")
        return redirect(url_for("views.challenges"))
    session = db_session()
    intake = service().intake
    upload = form.file.data
    name = (upload.filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    try:
        if not archive_suffix(name):
            raise UsageError(
                "the challenge folder must be uploaded as an archive", hint="use a .zip or .tar.gz"
            )
        path, client_name = intake.save_upload(upload)
        try:
            row = add_private(
                session,
                service().data_dir,
                intake.scratch,
                current_caller().team_id,
                path,
                client_name,
                intake.budget(client_name),
            )
            session.commit()
        finally:
            intake.discard(path)
    except UnsoundChallenge as exc:
        session.rollback()
        for reason in exc.problems:
            flash(f"refused: {reason}", "error")
        return redirect(url_for("views.challenges"))
    except UsageError as exc:
        session.rollback()
        flash(exc.format(), "error")
        return redirect(url_for("views.challenges"))
    verifier = service().verifier
    if verifier is not None:
        verifier.submit(row.id)
    flash(f"{row.challenge_id} revision {row.revision} is being verified; see its state below", "info")
    return redirect(url_for("views.challenges"))
