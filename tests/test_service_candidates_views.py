"""The dashboard's candidates pages through Flask's test client: search, decide, invite, revoke, extend.

Team isolation (another team's candidate and invitation are 404 on every
page and action), CSRF on every form, and the link shown once.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grader.service.app import create_app, service
from grader.service.models import CandidateRecord, Invitation

from .service_support import csrf, dashboard_app, login
from .test_service_candidate_page import invite
from .test_service_postgres import database_url  # noqa: F401 - the throw-away PostgreSQL server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with dashboard_app(tmp_path_factory.mktemp("cands") / "data") as flask_app:
        yield flask_app


@pytest.fixture(scope="module")
def alpha(app: Flask) -> dict[str, Any]:
    """Alice's team with three candidates invited; ids of Ann's record and invitation."""
    alice = login(app, "alice")
    token, number = invite(alice, "ann.lee@example.com", name="Ann Lee", external_id="ATS-0042")
    invite(alice, "bo@example.org", name="Bo Kim")
    invite(alice, "cy@example.net", name="Cy Park", external_id="ATS-0777")
    with app.app_context():
        db = service().db
    with db.session() as session:
        candidate = session.get_one(Invitation, number).candidate_id
    return {"alice": alice, "token": token, "invitation_id": number, "candidate_id": candidate}


def _names(client: FlaskClient, query: str) -> list[str]:
    page = client.get(f"/candidates?{query}").get_data(as_text=True)
    return re.findall(r'<a href="/candidates/\d+">([^<]+)</a>', page)


def _rules(app: Flask) -> list[Any]:
    return [r for r in app.url_map.iter_rules() if r.endpoint.startswith("candidates.")]


def test_every_candidates_page_needs_a_login(app: Flask, alpha: dict[str, Any]) -> None:
    anonymous = app.test_client()
    values = {"candidate_id": alpha["candidate_id"], "invitation_id": alpha["invitation_id"]}
    checked = 0
    for rule in _rules(app):
        path = rule.build({k: values[k] for k in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            answer = anonymous.open(path, method=method)
            if method == "POST":  # refused before the login check: no CSRF token
                assert answer.status_code in (302, 400), (method, path)
            else:
                assert answer.status_code == 302 and "/login" in answer.headers["Location"], path
            checked += 1
    assert checked >= 7


def test_search_by_name_email_and_external_id(alpha: dict[str, Any]) -> None:
    alice = alpha["alice"]
    assert sorted(_names(alice, "")) == ["Ann Lee", "Bo Kim", "Cy Park"]
    assert _names(alice, "q=ann") == ["Ann Lee"]  # name, any case
    assert _names(alice, "q=example.org") == ["Bo Kim"]  # e-mail
    assert sorted(_names(alice, "q=ats-0")) == ["Ann Lee", "Cy Park"]  # external id
    assert _names(alice, "q=0777") == ["Cy Park"]
    assert _names(alice, "q=%25") == []  # a % is a character, not a wildcard
    page = alice.get("/candidates").get_data(as_text=True)
    assert re.search(r"<code>hello-world</code> <span class=\"badge state sent\">sent</span>", page)


def test_set_advance_and_notes_are_kept(app: Flask, alpha: dict[str, Any]) -> None:
    alice = alpha["alice"]
    path = f"/candidates/{alpha['candidate_id']}"
    answer = alice.post(
        f"{path}/review",
        data={
            "review_status": "advance",
            "notes": "Strong tests; ask about caching.",
            "csrf_token": csrf(alice, path),
        },
    )
    assert answer.status_code == 302
    page = alice.get(path).get_data(as_text=True)
    assert 'id="review-status">advance<' in page and "Strong tests; ask about caching.</textarea>" in page
    assert _names(alice, "status=advance") == ["Ann Lee"]
    bad = alice.post(f"{path}/review", data={"review_status": "hire", "csrf_token": csrf(alice, path)})
    assert bad.status_code == 400 and "Review status: Not a valid choice" in bad.get_data(as_text=True)


def test_csrf_is_refused(app: Flask, alpha: dict[str, Any]) -> None:
    alice = alpha["alice"]
    cand, inv = alpha["candidate_id"], alpha["invitation_id"]
    soon = (datetime.now(UTC) + timedelta(days=30)).strftime("%Y-%m-%dT%H:%M")
    forged = [
        (f"/candidates/{cand}/review", {"review_status": "reject", "notes": "forged"}),
        (f"/invitations/{inv}/revoke", {}),
        (f"/invitations/{inv}/extend", {"deadline": soon}),
        ("/candidates/invite", {"challenge": "hello-world", "name": "X", "email": "x@example.com"}),
    ]
    for path, data in forged:
        assert alice.post(path, data=data).status_code == 400, path
    with app.app_context():
        db = service().db
    with db.session() as session:
        assert session.get_one(CandidateRecord, cand).notes != "forged"
        assert session.get_one(Invitation, inv).revoked_at is None


def test_another_teams_candidate_is_404(app: Flask, alpha: dict[str, Any]) -> None:
    bert = login(app, "bert")
    token = csrf(bert, "/candidates")
    values = {"candidate_id": alpha["candidate_id"], "invitation_id": alpha["invitation_id"]}
    checked = 0
    for rule in _rules(app):
        if not rule.arguments:
            continue
        path = rule.build({k: values[k] for k in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            data = {"csrf_token": token, "review_status": "reject", "deadline": "2099-01-01T00:00"}
            answer = bert.open(path, method=method, data=data if method == "POST" else None)
            assert answer.status_code == 404, (method, path)
            checked += 1
    assert checked == 4
    assert _names(bert, "") == [] and "Ann Lee" not in bert.get("/candidates?q=ann").get_data(as_text=True)
    prefilled = bert.get(f"/candidates/invite?candidate={alpha['candidate_id']}").get_data(as_text=True)
    assert "ann.lee@example.com" not in prefilled


def test_the_link_is_shown_once_and_stored_hashed(app: Flask, alpha: dict[str, Any]) -> None:
    alice = alpha["alice"]
    token = alpha["token"]
    made = alice.post(
        "/candidates/invite",
        data={
            "challenge": "hello-world", "name": "Flo", "email": "flo@example.com", "shows": "public",
            "deadline": (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
            "max_submissions": "2", "csrf_token": csrf(alice, "/candidates/invite"),
        },
    )  # fmt: skip
    assert made.status_code == 200 and made.headers["Cache-Control"] == "no-store"
    assert "the receipt and the public tests&#39; outcome" in made.get_data(as_text=True)
    page = alice.get(f"/candidates/{alpha['candidate_id']}").get_data(as_text=True)
    assert token not in page and token not in alice.get("/candidates").get_data(as_text=True)
    with app.app_context():
        db = service().db
    with db.session() as session:
        row = session.get_one(Invitation, alpha["invitation_id"])
        assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    past = (datetime.now(UTC) - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    refused = alice.post(
        "/candidates/invite",
        data={
            "challenge": "hello-world", "name": "Di", "email": "di@example.com", "deadline": past,
            "shows": "receipt", "max_submissions": "5", "csrf_token": csrf(alice, "/candidates/invite"),
        },
    )  # fmt: skip
    text = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "not invited: deadline: the deadline is in the past" in text
    assert "/i/" not in text


def test_extend_then_revoke(app: Flask, alpha: dict[str, Any]) -> None:
    alice = alpha["alice"]
    _, number = invite(alice, "ed@example.com", name="Ed")
    with app.app_context():
        db = service().db
    with db.session() as session:
        row = session.get_one(Invitation, number)
        candidate, old = row.candidate_id, row.deadline
    path = f"/candidates/{candidate}"
    earlier = alice.post(
        f"/invitations/{number}/extend",
        data={"deadline": "2026-01-01T00:00", "csrf_token": csrf(alice, path)},
    )
    assert earlier.status_code == 400 and "not extended: the new deadline must be later" in earlier.get_data(
        as_text=True
    )
    later = (datetime.now(UTC) + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M")
    answer = alice.post(
        f"/invitations/{number}/extend", data={"deadline": later, "csrf_token": csrf(alice, path)}
    )
    assert answer.status_code == 302
    with db.session() as session:
        assert session.get_one(Invitation, number).deadline.replace(tzinfo=None) > old.replace(tzinfo=None)
    assert (
        alice.post(f"/invitations/{number}/revoke", data={"csrf_token": csrf(alice, path)}).status_code == 302
    )
    page = alice.get(path).get_data(as_text=True)
    assert f'data-invitation="{number}" data-state="revoked"' in page


@pytest.mark.postgres
def test_the_hiring_pages_on_postgres(database_url: str, tmp_path: Path) -> None:  # noqa: F811 - the fixture
    """Search (LIKE escapes, NULL external ids), the page's upload (row lock), the review on PostgreSQL."""
    from grader.service.auth import new_user
    from grader.service.models import Team

    from .test_service_candidate_page import SOLUTION, start, upload

    pg_app = create_app(
        {"DATA_DIR": str(tmp_path), "DATABASE_URL": database_url, "SANDBOX": "local", "WORKERS": 1}
    )
    try:
        with pg_app.app_context(), service().db.session() as session:
            team = Team(name="pg-hiring")
            session.add(team)
            session.flush()
            new_user(session, team, "polly", "password-polly")
        polly = login(pg_app, "polly")
        token, number = invite(polly, "ann@example.com", name="Ann 100%", external_id="ATS_9")
        invite(polly, "bo@example.com", name="Bo")  # no external id: NULL in the search
        assert _names(polly, "q=100%25") == ["Ann 100%"] and _names(polly, "q=s_9") == ["Ann 100%"]
        assert _names(polly, "q=x_9") == [] and _names(polly, "q=bo@") == ["Bo"]
        candidate = pg_app.test_client()
        start(candidate, token)
        assert upload(candidate, token, SOLUTION).status_code == 302
        with pg_app.app_context(), service().db.session() as session:
            person = session.get_one(Invitation, number).candidate_id
        path = f"/candidates/{person}"
        saved = polly.post(
            f"{path}/review",
            data={"review_status": "advance", "notes": "pg", "csrf_token": csrf(polly, path)},
        )
        assert saved.status_code == 302 and 'id="review-status">advance<' in polly.get(path).get_data(
            as_text=True
        )
    finally:
        pg_app.extensions["grader"].stop()
        pg_app.extensions["grader"].db.dispose()


SHARED = (
    b"from flask import Flask, abort\nfrom markupsafe import escape\n\napp = Flask(__name__)\n\n"
    + b"".join(
        f'\n@app.get("/extra{i}/<int:n>")\ndef extra_{i}(n):\n    total = sum(k * {i} for k in range(n))\n'
        f"    if total % {i + 7} == 3:\n        abort(404)\n    return str(total)\n".encode()
        for i in range(30)
    )
    + b'\n@app.get("/")\ndef index():\n    return "Hello, World!"\n\n\n'
    + b'@app.get("/hello/<name>")\ndef hello(name):\n    return f"Hello, {escape(name)}!"\n'
)


def test_similar_submissions_of_other_candidates_are_flagged(app: Flask) -> None:
    from .test_service_candidate_page import start, upload

    alice = login(app, "alice")
    pairs = []
    for email in ("sam@example.com", "sue@example.com"):
        token, number = invite(alice, email, name=email.split("@")[0].title())
        candidate = app.test_client()
        start(candidate, token)
        assert upload(candidate, token, SHARED).status_code == 302
        pairs.append(number)
    with app.app_context():
        db = service().db
    with db.session() as session:
        sam = session.get_one(Invitation, pairs[0]).candidate_id
    page = alice.get(f"/candidates/{sam}").get_data(as_text=True)
    flagged = re.findall(
        r'<a class="badge warn" href="/submissions/\d+/similar\?to=\d+">#\d+ ([^<]+) \(', page
    )
    assert flagged == ["Sue"], page[page.find('id="submissions"') :][:1500]
