"""The dashboard through Flask's test client: login, CSRF, cookies, team isolation, pages.

Grading runs for real (local sandbox, one worker thread in the app).
"""

from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from grader.challenges import get_challenge
from grader.service.app import service
from grader.service.models import Submission, Webhook

from .service_support import batch_archive, csrf, dashboard_app, golden_zip, login, make_team

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    with dashboard_app(tmp_path_factory.mktemp("dash") / "data") as flask_app:
        yield flask_app


def _upload(client: FlaskClient, data: bytes, name: str, kind: str = "single", **form: str) -> Any:
    fields = {"challenge": "hello-world", "kind": kind, "file": (io.BytesIO(data), name), **form}
    fields["csrf_token"] = csrf(client, "/upload")
    return client.post("/upload", data=fields, content_type="multipart/form-data")


def _wait(app: Flask, client: FlaskClient, batch_id: int) -> None:
    deadline = time.monotonic() + 60
    while not client.get(f"/batches/{batch_id}/progress.json").get_json()["finished"]:
        assert time.monotonic() < deadline
        time.sleep(0.2)


@pytest.fixture(scope="module")
def graded(app: Flask) -> dict[str, Any]:
    """Team alpha's batch of four, graded."""
    alice = login(app, "alice")
    archive = batch_archive({"ann": "no-escape", "bob": "methodview", "cat": "no-app", "dan": "no-comma"})
    answer = _upload(alice, archive, "four.tar.gz", kind="batch")
    assert answer.status_code == 302
    batch_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    _wait(app, alice, batch_id)
    page = alice.get(f"/batches/{batch_id}").get_data(as_text=True)
    sub_id = int(re.search(r'href="/submissions/(\d+)">ann<', page).group(1))  # type: ignore[union-attr]
    with app.app_context():
        grader = service()
    with grader.db.session() as session:
        alpha = session.get_one(Submission, sub_id).team_id
        hook = Webhook(team_id=alpha, url="https://192.88.99.200/hook", secret=grader.box.seal("s"))
        session.add(hook)
        session.flush()
        hook_id = hook.id
    return {
        "alice": alice, "batch_id": batch_id, "submission_id": sub_id, "challenge_id": "hello-world",
        "webhook_id": hook_id,
    }  # fmt: skip


def _dashboard_rules(app: Flask) -> list[Any]:
    return [
        r
        for r in app.url_map.iter_rules()
        if r.endpoint.startswith("views.") and r.endpoint != "views.static"
    ]


def test_every_page_needs_alogin(app: Flask, graded: dict[str, Any]) -> None:
    anonymous = app.test_client()
    for rule in _dashboard_rules(app):
        if rule.endpoint == "views.login":
            continue
        path = rule.build({k: graded[k] for k in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            answer = anonymous.open(path, method=method)
            if method == "POST":  # refused before the login check: no CSRF token
                assert answer.status_code in (302, 400), (method, path)
            else:
                assert answer.status_code == 302 and "/login" in answer.headers["Location"], path


def test_login_cookies_andcsrf(app: Flask) -> None:
    client = app.test_client()
    assert client.post("/login", data={"username": "alice", "password": "password-alice"}).status_code == 400
    wrong = client.post(
        "/login", data={"username": "alice", "password": "nope-nope", "csrf_token": csrf(client, "/login")}
    )
    assert wrong.status_code == 200 and "wrong username or password" in wrong.get_data(as_text=True)
    answer = client.post(
        "/login",
        data={"username": "alice", "password": "password-alice", "csrf_token": csrf(client, "/login")},
    )
    cookie = next(c for c in answer.headers.getlist("Set-Cookie") if c.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    page = client.get("/challenges")
    assert page.status_code == 200 and "default-src 'self'" in page.headers["Content-Security-Policy"]
    assert client.post("/logout").status_code == 400  # no token: a forged form cannot log anyone out
    assert client.post("/logout", data={"csrf_token": csrf(client, "/challenges")}).status_code == 302
    assert client.get("/challenges").status_code == 302


def test_team_isolation_on_every_page(app: Flask, graded: dict[str, Any]) -> None:
    """Another team gets 404 for every page and action on alpha's batch and submission."""
    bert = login(app, "bert")
    token = csrf(bert, "/upload")
    checked = 0
    for rule in _dashboard_rules(app):
        owned_args = rule.arguments & {"batch_id", "submission_id", "webhook_id"}
        if not owned_args:
            continue
        path = rule.build({k: graded[k] for k in rule.arguments})[1]
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            answer = bert.open(path, method=method, data={"csrf_token": token} if method == "POST" else None)
            assert answer.status_code == 404, (method, path)
            assert graded["alice"].open(path, method="GET").status_code in (200, 405)
            checked += 1
    assert checked >= 7
    assert "/batches/" not in bert.get("/batches").get_data(as_text=True).split("<tbody>")[1]
    listing = bert.get("/challenges").get_data(as_text=True)
    assert "to re-grade" not in listing and "%</td>" not in listing  # alpha's results are not counted


def test_batch_and_submission_pages(app: Flask, graded: dict[str, Any]) -> None:
    alice = graded["alice"]
    page = alice.get(f"/batches/{graded['batch_id']}").get_data(as_text=True)
    assert 'id="distribution"' in page and "<svg" in page
    rates = page.split('id="test-rates"')[1]
    assert rates.index("test_hello_escapes_html") < rates.index("test_index_says_hello")  # hardest first
    csv_text = alice.get(f"/batches/{graded['batch_id']}/results.csv").get_data(as_text=True)
    assert len(csv_text.strip().splitlines()) == 5 and ",ann,," in csv_text
    exported = alice.get(f"/batches/{graded['batch_id']}/results.json").get_json()
    assert exported["progress"]["done"] == 4
    sub = alice.get(f"/submissions/{graded['submission_id']}").get_data(as_text=True)
    assert "FAILED" in sub and "test_hello_escapes_html" in sub
    assert 'class="highlight"' in sub and "app.py" in sub  # the candidate's code, highlighted
    assert f"Challenge version <b>{get_challenge('hello-world').version}</b>" in sub


def test_bad_upload_shows_the_cli_reason(app: Flask) -> None:
    alice = login(app, "alice")
    answer = _upload(alice, b"not a zip", "broken.zip")
    assert answer.status_code == 400
    assert "broken.zip: not a readable archive" in answer.get_data(as_text=True)


def test_results_of_an_older_version_are_shown_and_regraded(app: Flask) -> None:
    alice = login(app, "alice")
    answer = _upload(alice, golden_zip("post-allowed"), "old.zip", candidate="olga")
    sub_id = int(answer.headers["Location"].rsplit("/", 1)[1])
    with app.app_context():
        db = service().db
    deadline = time.monotonic() + 60
    while "FAILED" not in alice.get(f"/submissions/{sub_id}").get_data(as_text=True):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    with db.session() as session:  # as if graded before the challenge's version changed
        sub = session.get_one(Submission, sub_id)
        sub.challenge_version = "0"
        sub.result = {**(sub.result or {}), "challenge_version": "0"}
    page = alice.get("/challenges/hello-world").get_data(as_text=True)
    assert 'id="outdated"' in page and f"#{sub_id} olga" in page
    assert "older than the current" in alice.get(f"/submissions/{sub_id}").get_data(as_text=True)
    token = csrf(alice, "/challenges/hello-world")
    assert alice.post("/challenges/hello-world/regrade", data={"csrf_token": token}).status_code == 302
    while True:
        with db.session() as session:
            sub = session.get_one(Submission, sub_id)
            if sub.status == "done":
                break
        assert time.monotonic() < deadline + 60
        time.sleep(0.2)
    assert sub.challenge_version == get_challenge("hello-world").version and sub.grade_count == 2
    assert 'id="outdated"' not in alice.get("/challenges/hello-world").get_data(as_text=True)


def test_challenge_page_renders_the_statement_without_raw_html(app: Flask) -> None:
    """The statement is Markdown rendered to HTML; raw HTML in it is shown as text (browser test too)."""
    from grader.service.statement import render_statement

    page = login(app, "alice").get("/challenges/hello-world").get_data(as_text=True)
    assert "<h2>What to build</h2>" in page and '<pre class="statement">' not in page
    assert "<code>/hello/&lt;b&gt;</code>" in page  # a code span's markup is escaped, not run
    hostile = render_statement('<script>x()</script>\n\n<img src="x" onerror="y()">\n\n[l](javascript:z())\n')
    assert "<script" not in hostile and "<img" not in hostile and 'href="javascript' not in hostile
    assert "&lt;script&gt;x()&lt;/script&gt;" in hostile


def test_the_pass_rate_divides_by_the_graded_submissions(app: Flask) -> None:
    """Issue 19: an error has no score and a re-upload of the same code counts once, as on the batch page."""
    with app.app_context():
        data = service().data_dir
    make_team(data, "gamma", user="gina")
    gina = login(app, "gina")
    archive = batch_archive({"ann": "no-escape", "bob": "methodview", "cat": "no-app"})
    answer = _upload(gina, archive, "three.tar.gz", kind="batch")
    assert answer.status_code == 302
    _wait(app, gina, int(answer.headers["Location"].rsplit("/", 1)[1]))
    again = _upload(gina, golden_zip("no-escape"), "ann-again.zip")  # ann's code once more
    assert again.status_code == 302
    deadline = time.monotonic() + 60
    while "queued" in (page := gina.get("/challenges/hello-world").get_data(as_text=True)) or (
        "running" in page
    ):
        assert time.monotonic() < deadline
        time.sleep(0.2)
    found = re.search(r'<b id="pass-rate">([\d.]+) %</b> of (\d+) graded', page)
    assert found, page[:2000]
    assert (found.group(1), found.group(2)) == ("50.0", "2")  # bob passed, ann failed; cat and the copy out
    listing = gina.get("/challenges").get_data(as_text=True)
    row = re.search(r"<code>hello-world</code>.*?</tr>", listing, flags=re.S)
    assert row and "50.0 %" in row.group(0)
