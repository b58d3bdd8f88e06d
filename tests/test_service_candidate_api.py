"""A candidate's token against a real ``grader serve``: its own three routes, and 404 everywhere else.

The walk takes every rule of the app's ``url_map`` and every method it
answers, puts the token in every path variable (the candidate's own
submission id in integer ones) and in ``Authorization``, and expects 404
from everything but :data:`~grader.service.candidate_api.CANDIDATE_ENDPOINTS`.
Every answer the candidate gets, the starter kit unpacked included, is
scanned for the hidden suite's file names and code.
"""

from __future__ import annotations

import io
import tarfile
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from grader.challenges import get_challenge
from grader.service.app import create_app
from grader.service.candidate_api import CANDIDATE_ENDPOINTS
from grader.submission import regular_files

from .service_support import Api, Server, make_team, zip_folder

HELLO = get_challenge("hello-world")
#: The candidate's web page's POST forms (:mod:`grader.service.candidate_page`), CSRF-protected.
PAGE_FORMS = {"candidate_page.start", "candidate_page.upload"}


def _secrets() -> list[bytes]:
    """What must never reach a candidate: hidden test file names and their distinctive lines."""
    public = b"\n".join(
        (folder / relative).read_bytes()
        for folder in (HELLO.public_tests, HELLO.stub_dir, HELLO.root)
        for relative, _ in regular_files(folder)
        if "hidden" not in relative.parts and "solution" not in relative.parts
    )
    found: list[bytes] = []
    for relative, _ in regular_files(HELLO.hidden_tests):
        found.append(relative.name.encode())
        for line in (HELLO.hidden_tests / relative).read_bytes().splitlines():
            line = line.strip()
            if len(line) >= 25 and line not in public:
                found.append(line)
    assert len(found) > 10
    return found


SECRETS = _secrets()


def _leaks(content: bytes) -> list[bytes]:
    return [secret for secret in SECRETS if secret in content]


def _invite(api: Api, email: str, **fields: Any) -> dict[str, Any]:
    deadline = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    body = {"challenge": "hello-world", "name": "Ann", "email": email, "deadline": deadline, **fields}
    answer = api.post("/invitations", json=body)
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, Api, Api]]:
    data = tmp_path / "data"
    data.mkdir()
    alpha, beta = make_team(data, "alpha"), make_team(data, "beta")
    env = {"GRADER_INVITE_SUBMISSIONS_PER_MINUTE": "2", "GRADER_MAX_UPLOAD_MB": "0.5"}
    server = Server(data, env=env).start()
    try:
        yield server, Api(server, alpha), Api(server, beta)
    finally:
        server.stop()


def _rules(tmp_path: Path) -> list[tuple[str, str, dict[str, str], set[str]]]:
    """(endpoint, rule, {argument: converter}, methods) of every route of the app."""
    app = create_app({"DATA_DIR": str(tmp_path / "walk-data"), "START_JOBS": False})
    rules = []
    for rule in app.url_map.iter_rules():
        converters = {name: type(conv).__name__ for name, conv in (rule._converters or {}).items()}
        rules.append((rule.endpoint, rule.rule, converters, set(rule.methods or ())))
    app.extensions["grader"].db.dispose()
    return rules


def _url(rule: str, converters: dict[str, str], token: str, own_id: int) -> str:
    path = rule
    for name, kind in converters.items():
        value = str(own_id) if kind == "IntegerConverter" else token
        path = path.replace(f"<{'int:' if kind == 'IntegerConverter' else ''}{name}>", value)
        path = path.replace(f"<path:{name}>", value).replace(f"<string:{name}>", value)
    assert "<" not in path, path
    return path


@pytest.mark.slow
def test_a_token_reaches_its_own_three_routes_and_nothing_else(
    served: tuple[Server, Api, Api], tmp_path: Path
) -> None:
    server, api, _ = served
    created = _invite(api, "ann@example.com", shows="hidden")
    token, link = created["token"], created["link"]
    http = requests.Session()
    answers: list[tuple[str, bytes]] = []

    kit = http.get(f"{link}/kit", timeout=30)
    assert kit.status_code == 200 and kit.headers["Content-Type"] == "application/gzip"
    with tarfile.open(fileobj=io.BytesIO(kit.content), mode="r:gz") as archive:
        names = archive.getnames()
        assert not [n for n in names if "hidden" in n or "solution" in n]
        for member in archive.getmembers():
            answers.append((f"kit:{member.name}", archive.extractfile(member).read()))  # type: ignore[union-attr]
    archive_bytes = zip_folder(HELLO.solution_dir)
    submitted = http.post(f"{link}/submissions", files={"file": ("a.zip", archive_bytes)}, timeout=60)
    assert submitted.status_code == 201, submitted.text
    own_id = submitted.json()["submission"]
    api.wait_done(f"/submissions/{own_id}")
    receipt = http.get(f"{link}/receipts/{own_id}", timeout=30)
    assert receipt.status_code == 200 and receipt.json()["score"]["verdict"] == "passed"
    answers += [("submit", submitted.content), ("receipt", receipt.content)]

    reached = set()
    for endpoint, rule, converters, methods in _rules(tmp_path):
        for method in ("GET", "POST", "PUT", "PATCH", "DELETE"):
            url = server.url + _url(rule, converters, token, own_id)
            files = {"file": ("b.zip", archive_bytes)} if method == "POST" else None
            answer = http.request(
                method, url, headers={"Authorization": f"Bearer {token}"}, files=files, timeout=60,
                allow_redirects=False,
            )  # fmt: skip
            answers.append((f"{method} {rule}", answer.content))
            if endpoint in CANDIDATE_ENDPOINTS and method in methods:
                reached.add(endpoint)
                # the web page's forms without a CSRF token (no session here) are refused: 400
                allowed = (400,) if endpoint in PAGE_FORMS else (200, 201, 429)
                assert answer.status_code in allowed, (method, rule, answer.status_code)
            else:  # even a method the route does not take: the token is refused before routing
                assert answer.status_code == 404, (method, rule, answer.status_code, answer.text[:200])
    assert (
        reached
        == CANDIDATE_ENDPOINTS
        == {"invite.kit", "invite.submit", "invite.receipt", "candidate_page.page"} | PAGE_FORMS
    )
    for where, content in answers:
        assert not _leaks(content), (where, _leaks(content)[:3])


@pytest.mark.slow
def test_tokens_reach_only_their_own_invitation_and_teams_only_their_own(
    served: tuple[Server, Api, Api],
) -> None:
    _, alpha, beta = served
    ann = _invite(alpha, "ann@example.com")
    bo = _invite(alpha, "bo@example.com")
    submitted = requests.post(
        f"{ann['link']}/submissions", files={"file": ("a.zip", zip_folder(HELLO.solution_dir))}, timeout=60
    )
    assert submitted.status_code == 201
    own = submitted.json()["submission"]
    assert requests.get(f"{bo['link']}/receipts/{own}", timeout=30).status_code == 404
    assert requests.get(f"{ann['link']}x/kit", timeout=30).status_code == 404
    for path in (f"/invitations/{ann['id']}", f"/candidates/{ann['candidate']}", f"/submissions/{own}"):
        assert beta.get(path).status_code == 404, path
    assert beta.post(f"/invitations/{ann['id']}/revoke").status_code == 404
    assert beta.get("/candidates").json()["total"] == 0 and beta.get("/invitations").json() == []


@pytest.mark.slow
def test_submissions_are_rate_limited_capped_in_size_and_counted(served: tuple[Server, Api, Api]) -> None:
    _, api, _ = served
    created = _invite(api, "ann@example.com", max_submissions=3)
    link = created["link"]
    good = zip_folder(HELLO.solution_dir)
    too_big = requests.post(
        f"{link}/submissions", files={"file": ("big.zip", b"x" * (700 * 1024))}, timeout=60
    )
    assert too_big.status_code == 413 and too_big.json()["status"] == 413
    padded = requests.post(f"{link}/submissions", files={"file": ("p.zip", b"x" * (200 * 1024))}, timeout=60)
    assert padded.status_code == 400 and padded.json()["field"] == "file"  # past the gate, refused by intake
    for used in (1, 2):
        answer = requests.post(f"{link}/submissions", files={"file": ("a.zip", good)}, timeout=60)
        assert answer.status_code == 201 and answer.json()["used"] == f"{used} of 3 submissions used"
    limited = requests.post(f"{link}/submissions", files={"file": ("a.zip", good)}, timeout=60)
    assert limited.status_code == 429 and "a minute" in limited.json()["detail"]
    bad = _invite(api, "bo@example.com")
    refused = requests.post(f"{bad['link']}/submissions", files={"file": ("x.txt", b"hi")}, timeout=60)
    assert refused.status_code == 400 and refused.json()["field"] == "file"
    missing = requests.post(f"{bad['link']}/submissions", timeout=60)
    assert missing.status_code == 400 and missing.json()["field"] == "file"
    assert api.post(f"/invitations/{bad['id']}/revoke").status_code == 200
    files = {"file": ("p.zip", b"x" * (200 * 1024))}
    gated = requests.post(f"{bad['link']}/submissions", files=files, timeout=60)
    assert gated.status_code == 401  # a revoked token does not open the body gate
    small = requests.post(f"{bad['link']}/submissions", files={"file": ("a.zip", good)}, timeout=60)
    assert (
        small.status_code == 410
        and small.json()["detail"] == "this invitation was revoked by the hiring team"
    )


@pytest.mark.slow
def test_bad_invitations_are_400_naming_the_field(served: tuple[Server, Api, Api]) -> None:
    _, api, _ = served
    base = {"challenge": "hello-world", "name": "Ann", "email": "a@example.com"}
    later = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    cases = [
        ({**base, "deadline": "tomorrow"}, "deadline", 400),
        ({**base, "deadline": "2026-12-04T10:00:00"}, "deadline", 400),
        ({**base, "deadline": "2000-01-01T00:00:00Z"}, "deadline", 400),
        ({**base, "deadline": later, "email": "x"}, "email", 400),
        ({**base, "deadline": later, "name": ""}, "name", 400),
        ({**base, "deadline": later, "shows": "all"}, "shows", 400),
        ({**base, "deadline": later, "time_limit_minutes": "30"}, "time_limit_minutes", 400),
        ({**base, "deadline": later, "max_submissions": 0}, "max_submissions", 400),
        ({**base, "deadline": later, "challenge": "nope"}, "challenge", 404),
    ]
    for body, field, status in cases:
        answer = api.post("/invitations", json=body)
        assert answer.status_code == status and answer.json()["field"] == field, (body, answer.text)
        assert "Traceback" not in answer.text and "/" not in answer.json()["detail"].split(":")[0]
    unknown = api.get("/candidates", params={"state": "x"})
    assert unknown.status_code == 400 and unknown.json()["field"] == "state"


@pytest.mark.slow
def test_uploads_at_once_never_exceed_max_submissions(served: tuple[Server, Api, Api]) -> None:
    server, api, _ = served
    created = _invite(api, "ann@example.com", max_submissions=1)
    good = zip_folder(HELLO.solution_dir)

    def upload(_: int) -> int:
        files = {"file": ("a.zip", good)}
        return requests.post(f"{created['link']}/submissions", files=files, timeout=60).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(upload, range(4)))
    assert statuses.count(201) == 1 and set(statuses) <= {201, 409, 429}, statuses
    # the rate limit holds too (2 a minute here): another invitation, 5 at once
    other = _invite(api, "bo@example.com", max_submissions=10)
    created["link"] = other["link"]
    with ThreadPoolExecutor(max_workers=5) as pool:
        rated = sorted(pool.map(upload, range(5)))
    assert rated.count(201) == 2 and set(rated) <= {201, 429}, rated
    assert api.get("/submissions").json()["total"] == 3
    stored = [p for p in (server.data_dir / "submissions").iterdir() if p.is_dir()]
    assert len(stored) == 3
