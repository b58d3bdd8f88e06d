"""The candidate's web page through Flask's test client: states in words, CSRF, tokens see only their own.

Grading runs for real (local sandbox, one worker thread in the app). The
browser test (test_service_candidates_browser.py) drives the same page in
chromium; here each rule is checked on its own.
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grader.challenges import get_challenge
from grader.service.app import create_app, service
from grader.service.candidate_page import standing
from grader.service.models import Invitation
from grader.submission import regular_files

from .service_support import csrf, login, make_team, zip_folder

pytestmark = pytest.mark.slow

HELLO = get_challenge("hello-world")
SOLUTION = (HELLO.solution_dir / "app.py").read_bytes()


def hidden_secrets() -> list[str]:
    """Hidden test file names and test function names: none may reach a candidate's page."""
    found: list[str] = []
    for relative, _ in regular_files(HELLO.hidden_tests):
        found.append(relative.name)
        found += re.findall(r"def (test_\w+)", (HELLO.hidden_tests / relative).read_text())
    public = "".join((HELLO.public_tests / r).read_text() for r, _ in regular_files(HELLO.public_tests))
    return [name for name in found if name not in public]


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    data = tmp_path_factory.mktemp("page") / "data"
    data.mkdir()
    make_team(data, "alpha", user="alice")
    flask_app = create_app({"DATA_DIR": str(data), "SANDBOX": "local", "WORKERS": 1})
    yield flask_app
    flask_app.extensions["grader"].stop()


def invite(client: FlaskClient, email: str, **fields: Any) -> tuple[str, int]:
    """Invite through the dashboard's form; returns the link's token and the invitation's id."""
    deadline = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    form = {
        "challenge": "hello-world", "name": email.split("@")[0].title(), "email": email,
        "deadline": deadline, "shows": "receipt", "max_submissions": "5",
        "csrf_token": csrf(client, "/candidates/invite"), **fields,
    }  # fmt: skip
    answer = client.post("/candidates/invite", data=form)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page[:2000]
    found = re.search(r'value="http://localhost/i/([A-Za-z0-9_-]{43})"', page)
    number = re.search(r"<h1>Invitation (\d+) for", page)
    assert found and number, page[:2000]
    return found.group(1), int(number.group(1))


def set_invitation(app: Flask, invitation_id: int, **values: Any) -> None:
    with app.app_context():
        db = service().db
    with db.session() as session:
        row = session.get_one(Invitation, invitation_id)
        for name, value in values.items():
            setattr(row, name, value)


def start(candidate: FlaskClient, token: str) -> None:
    answer = candidate.post(f"/i/{token}/start", data={"csrf_token": csrf(candidate, f"/i/{token}")})
    assert answer.status_code == 302, answer.get_data(as_text=True)


def upload(candidate: FlaskClient, token: str, data: bytes, name: str = "app.py") -> Any:
    fields = {"file": (io.BytesIO(data), name), "csrf_token": csrf(candidate, f"/i/{token}")}
    return candidate.post(f"/i/{token}/web/submissions", data=fields, content_type="multipart/form-data")


def test_the_page_says_where_the_invitation_stands(app: Flask) -> None:
    alice = login(app, "alice")
    token, number = invite(alice, "nia@example.com", time_limit_minutes="90")
    candidate = app.test_client()
    answer = candidate.get(f"/i/{token}")
    page = answer.get_data(as_text=True)
    assert answer.headers["Cache-Control"] == "no-store"
    assert "You have not started yet. Once you start you have 90 minutes" in page
    assert 'id="statement"' not in page and 'id="upload-form"' not in page  # not before the start
    start(candidate, token)
    page = candidate.get(f"/i/{token}").get_data(as_text=True)
    assert re.search(r"You started at .* UTC and have until .* UTC \((89|90) minutes left\)", page), page
    assert "<h2>What to build</h2>" in page  # the statement, rendered as the dashboard renders it
    assert f'href="/i/{token}/kit"' in page and 'id="upload-form"' in page
    set_invitation(app, number, started_at=datetime.now(UTC) - timedelta(minutes=91))
    page = candidate.get(f"/i/{token}").get_data(as_text=True)
    assert "The time limit passed at" in page and 'id="upload-form"' not in page
    set_invitation(app, number, revoked_at=datetime.now(UTC))
    page = candidate.get(f"/i/{token}").get_data(as_text=True)
    assert "withdrawn by the hiring team" in page and 'id="statement"' not in page
    assert 'href="/i/' not in page


def test_upload_shows_the_receipt_and_no_hidden_test(app: Flask) -> None:
    alice = login(app, "alice")
    token, _ = invite(alice, "hidden@example.com", shows="hidden")
    candidate = app.test_client()
    start(candidate, token)
    answer = upload(candidate, token, SOLUTION)
    assert answer.status_code == 302 and "#receipt-" in answer.headers["Location"]
    submission = int(answer.headers["Location"].rsplit("-", 1)[1])
    page = candidate.get(f"/i/{token}").get_data(as_text=True)
    assert f'id="receipt-{submission}"' in page and "1 of 5 submissions used" in page
    assert re.search(r'<code class="hash">[0-9a-f]{64}</code>', page)
    for _ in range(300):  # graded by the app's worker thread
        page = candidate.get(f"/i/{token}").get_data(as_text=True)
        if "(100.0 %)" in page:
            break
        time.sleep(0.2)
    assert re.search(r'class="score">[\d.]+ / [\d.]+ \(100\.0 %\)', page), page
    leaked = [name for name in hidden_secrets() if name in page]
    assert not leaked, leaked


def test_receipt_only_invitations_show_no_score(app: Flask) -> None:
    alice = login(app, "alice")
    token, _ = invite(alice, "plain@example.com", shows="receipt")
    candidate = app.test_client()
    start(candidate, token)
    assert upload(candidate, token, zip_folder(HELLO.solution_dir), "solution.zip").status_code == 302
    page = candidate.get(f"/i/{token}").get_data(as_text=True)
    assert "1 of 5 submissions used" in page and 'class="score"' not in page
    refused = upload(candidate, token, b"hello", "notes.txt")
    assert refused.status_code == 400
    assert "Not submitted: notes.txt is neither an archive nor a .py file" in refused.get_data(as_text=True)


def test_a_past_deadline_upload_is_refused_with_one_line(app: Flask) -> None:
    alice = login(app, "alice")
    token, number = invite(alice, "late@example.com")
    candidate = app.test_client()
    start(candidate, token)
    token_value = csrf(candidate, f"/i/{token}")
    set_invitation(app, number, deadline=datetime.now(UTC) - timedelta(minutes=1))
    answer = candidate.post(
        f"/i/{token}/web/submissions",
        data={"file": (io.BytesIO(SOLUTION), "app.py"), "csrf_token": token_value},
        content_type="multipart/form-data",
    )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 410
    refused = re.findall(r'<p class="flash error" id="refused" role="alert">([^<]*)</p>', page)
    assert len(refused) == 1 and refused[0].startswith(
        "Not submitted: the deadline of this invitation passed"
    )
    assert "\n" not in refused[0] and "Traceback" not in page


def test_csrf_is_required_on_the_candidates_forms(app: Flask) -> None:
    alice = login(app, "alice")
    token, _ = invite(alice, "forged@example.com")
    candidate = app.test_client()
    refused = candidate.post(f"/i/{token}/start")
    assert refused.status_code == 400
    assert "Nothing was done: the form was not sent from this page" in refused.get_data(as_text=True)
    assert "You have not started yet" in candidate.get(f"/i/{token}").get_data(as_text=True)
    start(candidate, token)
    forged = candidate.post(
        f"/i/{token}/web/submissions",
        data={"file": (io.BytesIO(SOLUTION), "app.py")},
        content_type="multipart/form-data",
    )
    assert forged.status_code == 400
    assert "receipt-" not in candidate.get(f"/i/{token}").get_data(as_text=True)


def test_a_token_sees_only_its_own_invitation(app: Flask) -> None:
    alice = login(app, "alice")
    mine, _ = invite(alice, "ona@example.com")
    other, _ = invite(alice, "pia@example.com")
    candidate = app.test_client()
    start(candidate, mine)
    answer = upload(candidate, mine, SOLUTION)
    submission = answer.headers["Location"].rsplit("-", 1)[1]
    theirs = app.test_client().get(f"/i/{other}").get_data(as_text=True)
    assert "Pia" in theirs and "Ona" not in theirs and f"receipt-{submission}" not in theirs
    assert f'href="/i/{mine}' not in theirs
    unknown = app.test_client().get(f"/i/{'x' * 43}")
    assert unknown.status_code == 404 and "No such invitation" in unknown.get_data(as_text=True)


def test_standing_wording() -> None:
    """The words of each state (no database: the invitation is an unsaved row)."""
    now = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    row = Invitation(deadline=now + timedelta(hours=1), time_limit_minutes=None, max_submissions=2)
    assert standing(row, 0, now).key == "not_started"
    row.started_at = now - timedelta(minutes=5)
    assert standing(row, 0, now).sentence.endswith("(60 minutes left).")
    assert standing(row, 2, now).key == "used_up"
    assert standing(row, 0, now + timedelta(hours=2)).sentence.startswith(
        "The deadline passed at 2026-12-04 13:00"
    )
    row.revoked_at = now
    assert standing(row, 0, now).key == "revoked"


def test_a_removed_challenge_is_one_line_not_a_traceback(app: Flask) -> None:
    alice = login(app, "alice")
    token, number = invite(alice, "gone@example.com")
    set_invitation(app, number, challenge_id="no-such-challenge")
    answer = app.test_client().get(f"/i/{token}")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 410 and "no longer available: ask the hiring team" in page
    assert "Traceback" not in page


def test_used_up_and_too_fast_are_one_line_each(app: Flask) -> None:
    alice = login(app, "alice")
    token, _ = invite(alice, "once@example.com", max_submissions="1")
    candidate = app.test_client()
    start(candidate, token)
    token_value = csrf(candidate, f"/i/{token}")  # the page has no form once all are used
    assert upload(candidate, token, SOLUTION).status_code == 302
    again = candidate.post(
        f"/i/{token}/web/submissions",
        data={"file": (io.BytesIO(SOLUTION), "app.py"), "csrf_token": token_value},
        content_type="multipart/form-data",
    )
    assert again.status_code == 409
    assert "Not submitted: all 1 submissions of this invitation are used." in again.get_data(as_text=True)
    assert "You have used all 1 submissions." in candidate.get(f"/i/{token}").get_data(as_text=True)

    token, _ = invite(alice, "fast@example.com")
    start(candidate, token)
    for _ in range(3):  # GRADER_INVITE_SUBMISSIONS_PER_MINUTE: 3
        assert upload(candidate, token, SOLUTION).status_code == 302
    fast = upload(candidate, token, SOLUTION)
    assert fast.status_code == 429
    assert "Not submitted: at most 3 submissions a minute: wait a minute." in fast.get_data(as_text=True)


def test_an_upload_without_the_start_button_starts_the_invitation(app: Flask) -> None:
    token, number = invite(login(app, "alice"), "eager@example.com")
    candidate = app.test_client()
    assert upload(candidate, token, SOLUTION).status_code == 302  # the CSRF token of the start form
    with app.app_context():
        db = service().db
    with db.session() as session:
        assert session.get_one(Invitation, number).started_at is not None
