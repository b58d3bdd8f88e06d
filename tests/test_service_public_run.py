"""``shows: public`` on the web page: the service runs an upload's public tests; the receipt shows them.

Real grading (local sandbox) through the candidate's page; the hidden
suite's names never appear.
"""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask

from grader.challenges import get_challenge
from grader.service.app import create_app, service
from grader.service.models import Submission
from grader.service.public_run import FILE_NAME

from .service_support import login, make_team
from .test_service_candidate_page import SOLUTION, hidden_secrets, invite, start, upload

pytestmark = pytest.mark.slow

HELLO = get_challenge("hello-world")
PUBLIC_TESTS = sorted(
    {
        name
        for path in HELLO.public_tests.rglob("test_*.py")
        for name in re.findall(r"def (test_\w+)", path.read_text())
    }
)
WRONG = (
    b'from flask import Flask\n\napp = Flask(__name__)\n\n\n@app.get("/")\ndef index():\n    return "nope"\n'
)


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Flask]:
    data = tmp_path_factory.mktemp("public") / "data"
    data.mkdir()
    make_team(data, "alpha", user="alice")
    flask_app = create_app({"DATA_DIR": str(data), "SANDBOX": "local", "WORKERS": 1})
    yield flask_app
    flask_app.extensions["grader"].stop()


def _receipt(page: str, submission: str) -> str:
    found = re.search(rf'<section class="card receipt" id="receipt-{submission}".*?</section>', page, re.S)
    assert found, page[-3000:]
    return found.group(0)


def test_the_receipt_shows_each_public_test(app: Flask) -> None:
    assert PUBLIC_TESTS, "hello-world has public tests"
    token, _ = invite(login(app, "alice"), "pub@example.com", shows="public")
    candidate = app.test_client()
    start(candidate, token)
    good = upload(candidate, token, SOLUTION).headers["Location"].rsplit("-", 1)[1]
    bad = upload(candidate, token, WRONG).headers["Location"].rsplit("-", 1)[1]
    broken = upload(candidate, token, b"import nothing_here_at_all\n").headers["Location"].rsplit("-", 1)[1]
    page = candidate.get(f"/i/{token}").get_data(as_text=True)
    total = len(PUBLIC_TESTS)
    assert f"{total} of {total} public tests passed" in _receipt(page, good)
    for name in PUBLIC_TESTS:
        assert f"<code>{name}</code>" in _receipt(page, good)
    failing = re.search(r"(\d+) of (\d+) public tests passed", _receipt(page, bad))
    assert failing and int(failing.group(1)) < total == int(failing.group(2))
    assert "nothing_here_at_all" in _receipt(page, broken) and "public tests passed" not in _receipt(
        page, broken
    )
    assert "/tmp" not in page and str(service_dir(app)) not in page
    assert not [name for name in hidden_secrets() if name in page]
    stored = _stored(app, good)
    kept = service_dir(app) / Path(stored).parent / FILE_NAME
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600


def test_other_invitations_run_no_public_tests(app: Flask) -> None:
    token, _ = invite(login(app, "alice"), "rcpt@example.com", shows="receipt")
    candidate = app.test_client()
    start(candidate, token)
    submission = upload(candidate, token, SOLUTION).headers["Location"].rsplit("-", 1)[1]
    assert "public tests passed" not in _receipt(
        candidate.get(f"/i/{token}").get_data(as_text=True), submission
    )
    stored = _stored(app, submission)
    assert not (service_dir(app) / Path(stored).parent / FILE_NAME).exists()


def service_dir(app: Flask) -> Path:
    with app.app_context():
        return service().data_dir


def _stored(app: Flask, submission: str) -> str:
    with app.app_context():
        db = service().db
    with db.session() as session:
        return session.get_one(Submission, int(submission)).stored_path


@pytest.mark.docker
def test_public_tests_run_in_the_docker_sandbox(tmp_path: Path, docker_client: object) -> None:
    data = tmp_path / "data"
    data.mkdir()
    make_team(data, "alpha", user="alice")
    docker_app = create_app({"DATA_DIR": str(data), "SANDBOX": "docker", "WORKERS": 1})
    try:
        token, _ = invite(login(docker_app, "alice"), "dock@example.com", shows="public")
        candidate = docker_app.test_client()
        start(candidate, token)
        submission = upload(candidate, token, SOLUTION).headers["Location"].rsplit("-", 1)[1]
        receipt = _receipt(candidate.get(f"/i/{token}").get_data(as_text=True), submission)
        total = len(PUBLIC_TESTS)
        assert f"{total} of {total} public tests passed" in receipt, receipt
    finally:
        docker_app.extensions["grader"].stop()
