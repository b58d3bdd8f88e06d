"""The hiring loop end to end against a real ``grader serve``: invite, start, test, submit, review.

The candidate's side runs the real CLI (``grader start --invite``, ``grader
test``, ``grader submit``, ``grader receipt``) in-process against the
server's HTTP address; the team's side is the REST API; the webhooks go to
a real local HTTP receiver.
"""

from __future__ import annotations

import json
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from grader.challenges import get_challenge
from grader.invite_cli import parse_link
from grader.service.webhooks import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from grader.workspace import MARKER_FILE

from .conftest import GOLDEN, Cli
from .service_support import Api, Server, make_team
from .test_service_webhooks import Receiver

HELLO = get_challenge("hello-world")


def deadline_in(seconds: float) -> str:
    return (datetime.now(UTC) + timedelta(seconds=seconds)).isoformat()


def invite(api: Api, email: str = "ann@example.com", **fields: Any) -> dict[str, Any]:
    body = {"challenge": "hello-world", "name": "Ann Lee", "email": email, "deadline": deadline_in(86400)}
    answer = api.post("/invitations", json={**body, **fields})
    assert answer.status_code == 201, answer.text
    created: dict[str, Any] = answer.json()
    return created


def _hidden_test_names() -> set[str]:
    text = (HELLO.hidden_tests / "test_hidden.py").read_text()
    return {
        line.split("def ", 1)[1].split("(")[0] for line in text.splitlines() if line.startswith("def test_")
    }


def _wait(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Server, Api]]:
    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    server = Server(data, env={"GRADER_WEBHOOK_ALLOW_PRIVATE": "true"}).start()
    try:
        yield server, Api(server, token)
    finally:
        server.stop()


@pytest.mark.slow
def test_invite_start_test_submit_twice_and_decide(
    served: tuple[Server, Api], cli: Cli, tmp_path: Path
) -> None:
    server, api = served
    receiver = Receiver()
    try:
        hook = api.post("/webhooks", json={"url": receiver.url}).json()
        created = invite(api, external_id="ats-7", shows="hidden", max_submissions=3)
        assert created["link"] == f"{server.url}/i/{created['token']}" and created["state"] == "sent"
        workspace = tmp_path / "ann"

        started = cli("start", "--invite", created["link"], str(workspace))
        assert started.exit_code == 0, started.output
        assert (workspace / "app.py").read_bytes() == (HELLO.stub_dir / "app.py").read_bytes()
        assert not list(workspace.rglob("*hidden*"))
        assert created["token"] in (workspace / MARKER_FILE).read_text()
        assert (workspace / MARKER_FILE).stat().st_mode & 0o077 == 0

        shutil.copy(GOLDEN / "hello-world" / "no-comma" / "app.py", workspace / "app.py")
        first = cli("submit", str(workspace))
        assert first.exit_code == 0, first.output
        assert "1 of 3 submissions used" in first.stdout

        shutil.copy(HELLO.solution_dir / "app.py", workspace / "app.py")
        tested = cli("test", str(workspace))
        assert tested.exit_code == 0, tested.output  # the public tests, from the kit's own copy
        assert cli("grade", str(workspace)).exit_code == 2  # the hidden suite is on the server only
        second = cli("submit", str(workspace))
        assert second.exit_code == 0, second.output
        assert "2 of 3 submissions used" in second.stdout
        second_id = int(second.stdout.split()[1])

        # starting again downloads the kit and keeps the candidate's own app.py
        again = cli("start", "--invite", created["link"], str(workspace))
        assert again.exit_code == 0, again.output
        assert (workspace / "app.py").read_bytes() == (HELLO.solution_dir / "app.py").read_bytes()

        done = api.wait_done(f"/submissions/{second_id}")
        assert done["result"]["status"] == "passed"
        assert {
            t["name"].split("::")[-1].split("[")[0] for t in done["result"]["tests"]
        } == _hidden_test_names()
        assert done["result"]["score"] == HELLO.points
        receipt = cli("receipt", str(second_id), str(workspace))
        assert receipt.exit_code == 0, receipt.output
        assert f"{HELLO.points:g}" in receipt.stdout.replace(".0 ", " ")

        # the team: the candidate, both submissions, the verdict; then a decision and a note
        found = api.get("/candidates", params={"external_id": "ats-7"}).json()
        assert found["total"] == 1 and found["items"][0]["review_status"] == "to_review"
        candidate_id = found["items"][0]["id"]
        assert api.get("/candidates", params={"q": "ann L"}).json()["total"] == 1
        subs = api.get("/submissions", params={"external_id": "ats-7"}).json()
        assert subs["total"] == 2 and {s["invitation"] for s in subs["items"]} == {created["id"]}
        detail = api.get(f"/candidates/{candidate_id}").json()
        (invitation,) = detail["invitations"]
        assert invitation["state"] == "submitted" and invitation["counted_submission"] == second_id
        assert [s["verdict"] for s in detail["submissions"]][0] == "passed"
        decided = api.request(
            "PATCH", f"/candidates/{candidate_id}", json={"review_status": "advance", "notes": "clean code"}
        )
        assert decided.status_code == 200, decided.text
        assert api.get(f"/candidates/{candidate_id}").json()["review_status"] == "advance"
        assert api.get("/candidates", params={"review_status": "advance"}).json()["total"] == 1

        wanted = {"invitation.started", "submission.received", "submission.done"}
        _wait(lambda: wanted <= {json.loads(c[1])["event"] for c in receiver.calls}, 60, "three events")
    finally:
        receiver.close()
    for headers, body, _, _ in receiver.calls:
        assert verify(hook["secret"], body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])
        assert headers["X-Grader-Event"] == json.loads(body)["event"]
    events = [json.loads(c[1]) for c in receiver.calls]
    (started_event,) = [e for e in events if e["event"] == "invitation.started"]
    assert started_event["invitation"]["id"] == created["id"]
    received = [e["submission"]["id"] for e in events if e["event"] == "submission.received"]
    assert len(received) == 2 and second_id in received


@pytest.mark.slow
def test_revoked_and_expired_invitations_are_refused_with_one_line(
    served: tuple[Server, Api], cli: Cli, tmp_path: Path
) -> None:
    _, api = served
    revoked = invite(api, email="bo@example.com")
    expiring = invite(api, email="cy@example.com", deadline=deadline_in(4))
    for created, folder in ((revoked, "bo"), (expiring, "cy")):
        assert cli("start", "--invite", created["link"], str(tmp_path / folder)).exit_code == 0
        shutil.copy(HELLO.solution_dir / "app.py", tmp_path / folder / "app.py")
    answer = api.post(f"/invitations/{revoked['id']}/revoke")
    assert answer.status_code == 200 and answer.json()["state"] == "revoked"
    refused = cli("submit", str(tmp_path / "bo"))
    assert (
        refused.exit_code == 4
        and refused.stderr.strip() == "error: this invitation was revoked by the hiring team"
    )
    restart = cli("start", "--invite", revoked["link"], str(tmp_path / "bo"))
    assert restart.exit_code == 4 and "revoked" in restart.stderr

    _wait(lambda: datetime.now(UTC).isoformat() > expiring["deadline"].replace("Z", "+00:00"), 10, "deadline")
    late = cli("submit", str(tmp_path / "cy"))
    assert late.exit_code == 4, late.output
    assert len(late.stderr.strip().splitlines()) == 1 and "deadline of this invitation passed" in late.stderr
    assert api.get(f"/invitations/{expiring['id']}").json()["state"] == "late"
    assert [i["id"] for i in api.get("/invitations", params={"state": "late"}).json()] == [expiring["id"]]
    assert [i["id"] for i in api.get("/invitations", params={"state": "revoked"}).json()] == [revoked["id"]]
    by_candidate = api.get("/invitations", params={"candidate": revoked["candidate"]}).json()
    assert [i["id"] for i in by_candidate] == [revoked["id"]]
    assert api.get("/invitations", params={"status": "late"}).json()["field"] == "status"
    assert api.get("/submissions").json()["total"] == 0

    extended = api.post(f"/invitations/{expiring['id']}/extend", json={"deadline": deadline_in(3600)})
    assert extended.status_code == 200 and extended.json()["state"] == "started"
    assert cli("submit", str(tmp_path / "cy")).exit_code == 0


@pytest.mark.slow
def test_an_invitation_that_shows_the_public_tests_runs_them_after_submitting(
    served: tuple[Server, Api], cli: Cli, tmp_path: Path
) -> None:
    _, api = served
    created = invite(api, shows="public")
    workspace = tmp_path / "ann"
    assert cli("start", "--invite", created["link"], str(workspace)).exit_code == 0
    shutil.copy(HELLO.solution_dir / "app.py", workspace / "app.py")
    submitted = cli("submit", str(workspace))
    assert submitted.exit_code == 0, submitted.output
    public = [line for line in submitted.stdout.splitlines() if line.strip().startswith("public")]
    assert len(public) == 1 and " public tests passed" in public[0]
    total = public[0].split(" of ")[1].split()[0]
    assert public[0].split()[1] == total and int(total) > 0
    assert "score" not in submitted.stdout


def test_links_are_parsed_and_bad_ones_explained() -> None:
    assert parse_link("https://grader.example.com/i/abc") == ("https://grader.example.com", "abc")
    assert parse_link("http://h:8000/hiring/i/abc/") == ("http://h:8000/hiring", "abc")
    for bad in ("grader.example.com/i/abc", "ftp://h/i/abc", "https://h/x/abc", "https://h/i/"):
        with pytest.raises(Exception, match="not an invitation link"):
            parse_link(bad)


def test_submit_outside_an_invited_folder_says_what_to_do(cli: Cli, tmp_path: Path) -> None:
    result = cli("submit", str(tmp_path))
    assert result.exit_code == 2
    assert result.stderr.strip() == (
        f"error: {tmp_path} was not started from an invitation: run `grader start --invite LINK` first"
    )


def test_an_unreachable_service_is_one_line_and_exit_3(cli: Cli, tmp_path: Path) -> None:
    result = cli("start", "--invite", "http://127.0.0.1:9/i/" + "a" * 43, str(tmp_path / "w"))
    assert result.exit_code == 3 and len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("error: cannot reach http://127.0.0.1:9")


@pytest.mark.docker
@pytest.mark.slow
def test_a_candidates_submission_is_graded_in_the_docker_sandbox(
    tmp_path: Path, cli: Cli, docker_client: Any
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    server = Server(data, sandbox="docker", workers=1).start()
    try:
        api = Api(server, token)
        created = invite(api, shows="hidden")
        workspace = tmp_path / "ann"
        assert cli("start", "--invite", created["link"], str(workspace)).exit_code == 0
        shutil.copy(GOLDEN / "hello-world" / "no-comma" / "app.py", workspace / "app.py")
        submitted = cli("submit", str(workspace))
        assert submitted.exit_code == 0, submitted.output
        submission_id = int(submitted.stdout.split()[1])
        done = api.wait_done(f"/submissions/{submission_id}", timeout=180)
        receipt = cli("receipt", str(submission_id), str(workspace))
    finally:
        server.stop()
    assert done["result"]["sandbox"] == "docker" and done["result"]["status"] == "failed"
    assert done["result"]["tests"] and done["invitation"] == created["id"]
    assert receipt.exit_code == 0 and "(failed)" in receipt.stdout
