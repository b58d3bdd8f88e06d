"""Webhooks: signed result calls with retries to a receiver on the loopback."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from grader.service.db import Database, sqlite_url
from grader.service.models import Delivery, Submission, Team, Webhook
from grader.service.webhooks import SIGNATURE_HEADER, Sender, backoff, sign, verify

from .service_support import Api, Server, golden_zip, make_team


class Receiver:
    """An HTTP receiver on 127.0.0.1 that fails the first ``failures`` calls with 500."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls: list[tuple[dict[str, str], bytes, int]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.calls) < receiver.failures else 200
                receiver.calls.append((dict(self.headers), body, status))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(failures=2)
    yield found
    found.close()


def test_signature_round_trip() -> None:
    body = b'{"a": 1}'
    header = sign("s3cret", body)
    assert header.startswith("sha256=") and verify("s3cret", body, header)
    assert not verify("s3cret", body + b" ", header) and not verify("other", body, header)
    assert [backoff(n, 1.0).total_seconds() for n in (1, 2, 3)] == [1.0, 2.0, 4.0]


@pytest.mark.slow
def test_done_submission_is_posted_signed_and_retried(tmp_path: Path, receiver: Receiver) -> None:
    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    env = {"GRADER_WEBHOOK_ALLOW_PRIVATE": "true", "GRADER_WEBHOOK_RETRY_SECONDS": "0.3"}
    server = Server(data, env=env).start()
    try:
        api = Api(server, token)
        hook = api.post("/webhooks", json={"url": receiver.url}).json()
        assert len(hook["secret"]) >= 32 and "secret" not in api.get("/webhooks").json()[0]
        sub = api.upload(golden_zip("no-comma"), "no-comma.zip", candidate="ann").json()
        done = api.wait_done(f"/submissions/{sub['id']}")
        deadline = time.monotonic() + 30
        while len(receiver.calls) < 3:
            assert time.monotonic() < deadline, receiver.calls
            time.sleep(0.1)
    finally:
        server.stop()
    assert [status for _, _, status in receiver.calls] == [500, 500, 200]
    for headers, body, _ in receiver.calls:
        assert verify(hook["secret"], body, headers[SIGNATURE_HEADER])
    payload = json.loads(receiver.calls[-1][1])
    assert payload["event"] == "submission.done"
    assert payload["submission"]["id"] == sub["id"] and payload["submission"]["result"] == done["result"]


def test_private_addresses_are_refused_unless_allowed(tmp_path: Path, receiver: Receiver) -> None:
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    with db.session() as session:
        team = Team(name="t")
        session.add(team)
        session.flush()
        sub = Submission(
            team_id=team.id, challenge_id="hello-world", challenge_version="1", filename="a.zip",
            stored_path="a.zip", content_hash="x", status="done", grade_count=1,
        )  # fmt: skip
        hook = Webhook(team_id=team.id, url=receiver.url, secret="s")
        session.add_all([sub, hook])
        session.flush()
        session.add(Delivery(webhook_id=hook.id, submission_id=sub.id))
    assert Sender(db, allow_private=False).send_due() == 1
    with db.session() as session:
        delivery = session.get_one(Delivery, 1)
        assert delivery.status == "failed" and delivery.last_error.startswith("refused: 127.0.0.1")
    assert receiver.calls == []
