"""Webhooks: signed (timestamped) calls, the address policy, total deadline, per-team queues, the log.

Receivers are real HTTP servers on the loopback (the service is told
``WEBHOOK_ALLOW_PRIVATE`` where it must call them); DNS rebinding is played
through the resolver seam of :func:`grader.service.webhooks.post`.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from cryptography.fernet import Fernet

from grader.errors import UsageError
from grader.service.db import Database, sqlite_url
from grader.service.delivery import Sender, backoff
from grader.service.models import Delivery, DeliveryAttempt, Submission, Team, Webhook
from grader.service.sealing import SecretBox
from grader.service.webhooks import (
    SIGNATURE_HEADER,
    TIMESTAMP_HEADER,
    RefusedAddress,
    check_url,
    checked_address,
    post,
    sign,
    verify,
)

from .service_support import Api, Server, golden_zip, make_team


class Receiver:
    """An HTTP receiver that fails the first ``failures`` calls with 500."""

    def __init__(self, failures: int = 0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.failures = failures
        self.calls: list[tuple[dict[str, str], bytes, int, float]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                body = self.rfile.read(int(self.headers["Content-Length"]))
                status = 500 if len(receiver.calls) < receiver.failures else 200
                receiver.calls.append((dict(self.headers), body, status, time.monotonic()))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer((host, port), Handler)
        self.port = self.server.server_address[1]
        self.url = f"http://{host}:{self.port}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Drip:
    """A receiver that reads the request, then sends its answer one byte a second, forever."""

    def __init__(self) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.listener.getsockname()[1]}/hook"
        self.accepted: list[float] = []
        self.closed: list[float] = []
        self._stop = threading.Event()
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        self.listener.settimeout(0.2)
        while not self._stop.is_set():
            try:
                conn, _ = self.listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return  # closed by close()
            threading.Thread(target=self._drip, args=(conn,), daemon=True).start()

    def _drip(self, conn: socket.socket) -> None:
        self.accepted.append(time.monotonic())
        conn.settimeout(1.0)
        try:
            conn.recv(65536)
            for byte in b"HTTP/1.1 200 OK"[:-1] + b"K" * 200:
                if self._stop.is_set():
                    return
                conn.send(bytes([byte]))
                time.sleep(1.0)
                conn.settimeout(0.0)
                try:
                    if conn.recv(1) == b"":
                        break  # the caller hung up
                except BlockingIOError:
                    pass
                conn.settimeout(1.0)
        except OSError:
            pass  # reset by the caller: it hung up
        finally:
            self.closed.append(time.monotonic())
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self.listener.close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    found = Receiver(failures=2)
    yield found
    found.close()


def test_signature_covers_a_timestamp_and_stale_calls_are_rejected() -> None:
    body = b'{"a": 1}'
    now = int(time.time())
    header = sign("s3cret", now, body)
    assert header.startswith("sha256=") and verify("s3cret", body, str(now), header)
    assert not verify("s3cret", body + b" ", str(now), header) and not verify("other", body, str(now), header)
    assert not verify("s3cret", body, str(now + 1), header)  # the timestamp is signed too
    old = now - 301
    assert not verify("s3cret", body, str(old), sign("s3cret", old, body))  # a replay, 5 minutes on
    assert verify("s3cret", body, str(old), sign("s3cret", old, body), tolerance=600)
    assert not verify("s3cret", body, "not-a-number", header)
    assert [backoff(n, 1.0).total_seconds() for n in (1, 2, 3)] == [1.0, 2.0, 4.0]


@pytest.mark.parametrize(
    "address",
    [
        "127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "100.64.0.1", "100.100.100.200",
        "169.254.169.254", "0.0.0.0", "192.0.0.170", "::1", "fc00::1", "fe80::1", "::ffff:127.0.0.1",
        "64:ff9b::7f00:1", "2002:7f00:1::1", "198.51.100.7",
    ],
)  # fmt: skip
def test_every_non_public_address_is_refused(address: str) -> None:
    with pytest.raises(RefusedAddress, match="non-public address"):
        checked_address("hooks.example", 443, allow_private=False, resolver=lambda h, p: [address])
    # one bad address among good ones is enough to refuse the name
    with pytest.raises(RefusedAddress):
        checked_address("hooks.example", 443, allow_private=False, resolver=lambda h, p: ["8.8.8.8", address])
    assert (
        checked_address("hooks.example", 443, allow_private=True, resolver=lambda h, p: [address]) == address
    )


def test_callback_urls_cannot_smuggle_bytes_into_the_request() -> None:
    for url in ("http://hooks.example/a b", "http://hooks.example/a\r\nX-Evil: 1", "http://hooks.example/é"):
        with pytest.raises(UsageError, match="spaces, control or non-ASCII"):
            check_url(url)
    with pytest.raises(UsageError, match="invalid port"):
        check_url("http://hooks.example:99999/")
    assert check_url("https://hooks.example:8443/a%20b?x=1") == "https://hooks.example:8443/a%20b?x=1"


def test_the_connection_goes_to_the_address_that_was_checked() -> None:
    """A name that resolves elsewhere on a second lookup (DNS rebinding) is never connected to there."""
    checked = Receiver(host="127.0.0.2")
    rebound = Receiver(host="127.0.0.1", port=checked.port)
    lookups: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.2"] if len(lookups) == 1 else ["127.0.0.1"]

    try:
        outcome = post(
            f"http://rebind.test:{checked.port}/hook?x=1", b"{}", {"X-A": "b"},
            allow_private=True, resolver=rebinding, deadline=5,
        )  # fmt: skip
        assert outcome.ok, outcome
        assert lookups == ["rebind.test"] and rebound.calls == []
        headers = checked.calls[0][0]
        assert headers["Host"] == f"rebind.test:{checked.port}" and headers["X-A"] == "b"

        # not allowed private: the public answer is checked, the loopback answer is never asked for
        public_first = iter([["8.8.8.8"], ["127.0.0.1"], ["127.0.0.1"]])
        outcome = post(
            f"http://rebind.test:{checked.port}/hook", b"{}", {},
            allow_private=False, resolver=lambda h, p: next(public_first), deadline=1,
        )  # fmt: skip
        assert not outcome.ok and rebound.calls == []
        assert next(public_first) == ["127.0.0.1"]  # resolved exactly once
    finally:
        checked.close()
        rebound.close()


def test_every_checked_address_is_tried_in_order(receiver: Receiver) -> None:
    receiver.failures = 0
    two = lambda host, port: ["127.0.0.3", "127.0.0.1"]  # noqa: E731 - nothing listens on the first
    outcome = post(f"http://two.test:{receiver.port}/hook", b"{}", {}, allow_private=True, resolver=two)
    assert outcome.ok and len(receiver.calls) == 1
    mixed = lambda host, port: ["127.0.0.3", "8.8.8.8"]  # noqa: E731
    refused = post(f"http://two.test:{receiver.port}/hook", b"{}", {}, allow_private=False, resolver=mixed)
    assert refused.refused and len(receiver.calls) == 1


def test_one_call_has_a_total_deadline_against_a_dripping_receiver() -> None:
    drip = Drip()
    try:
        started = time.monotonic()
        outcome = post(drip.url, b"{}", {}, allow_private=True, deadline=2.5)
        took = time.monotonic() - started
    finally:
        drip.close()
    assert 2.4 <= took < 4.0, took  # a per-read timeout would wait as long as the drip lasts
    assert outcome.status is None and outcome.error == "no complete answer within 2.5 s"


def _database_with_hook(tmp_path: Path, url: str, secret: str = "s") -> tuple[Database, SecretBox, int]:
    db = Database(sqlite_url(tmp_path))
    db.upgrade()
    box = SecretBox.for_data_dir(tmp_path)
    with db.session() as session:
        team = Team(name="t")
        session.add(team)
        session.flush()
        sub = Submission(
            team_id=team.id, challenge_id="hello-world", challenge_version="1", filename="a.zip",
            stored_path="a.zip", content_hash="x", status="done", grade_count=1,
        )  # fmt: skip
        hook = Webhook(team_id=team.id, url=url, secret=box.seal(secret))
        session.add_all([sub, hook])
        session.flush()
        session.add(Delivery(webhook_id=hook.id, submission_id=sub.id))
        return db, box, team.id


def test_private_addresses_are_refused_at_call_time_unless_allowed(
    tmp_path: Path, receiver: Receiver
) -> None:
    db, box, team_id = _database_with_hook(tmp_path, receiver.url)
    assert Sender(db, box, allow_private=False).drain(team_id) == 1
    with db.session() as session:
        delivery = session.get_one(Delivery, 1)
        assert delivery.status == "failed"
        assert delivery.last_error == "refused: 127.0.0.1 resolves to the non-public address 127.0.0.1"
        attempt = session.get_one(DeliveryAttempt, 1)
        assert attempt.status_code is None and attempt.error == delivery.last_error
    assert receiver.calls == []


def test_secrets_are_sealed_at_rest(tmp_path: Path) -> None:
    db, box, _ = _database_with_hook(tmp_path, "https://hooks.example/x", secret="plain-secret-123")
    with db.session() as session:  # a database from before sealing: a secret in clear
        session.add(Webhook(team_id=1, url="https://hooks.example/y", secret="old-clear-secret"))
    db.dispose()
    from grader.service.app import create_app

    create_app({"DATA_DIR": str(tmp_path), "START_JOBS": False})  # seals what is in clear on start
    stored = [
        row[0] for row in sqlite3.connect(tmp_path / "grader.db").execute("SELECT secret FROM webhooks")
    ]
    assert len(stored) == 2 and all(s.startswith("fernet:") for s in stored)
    assert "plain-secret-123" not in str(stored) and "old-clear-secret" not in str(stored)
    assert sorted(box.open(s) for s in stored) == ["old-clear-secret", "plain-secret-123"]
    assert os.stat(tmp_path / "webhook_key").st_mode & 0o777 == 0o600
    with pytest.raises(ValueError, match="register the webhook again"):
        SecretBox(Fernet.generate_key()).open(stored[0])  # another key: a clear error, not garbage


def _wait_for(predicate: Any, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, what
        time.sleep(0.1)


@pytest.mark.slow
def test_done_submission_is_posted_signed_retried_and_logged(tmp_path: Path, receiver: Receiver) -> None:
    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha", user="alice")
    env = {"GRADER_WEBHOOK_ALLOW_PRIVATE": "true", "GRADER_WEBHOOK_RETRY_SECONDS": "0.3"}
    server = Server(data, env=env).start()
    try:
        api = Api(server, token)
        hook = api.post("/webhooks", json={"url": receiver.url}).json()
        assert len(hook["secret"]) >= 32 and "secret" not in api.get("/webhooks").json()[0]
        sub = api.upload(golden_zip("no-comma"), "no-comma.zip", candidate="ann").json()
        done = api.wait_done(f"/submissions/{sub['id']}")
        _wait_for(lambda: len(receiver.calls) >= 3, 30, f"three calls: {receiver.calls}")
        log_url = f"/webhooks/{hook['id']}/deliveries"
        _wait_for(lambda: api.get(log_url).json()["deliveries"][0]["status"] == "delivered", 10, "delivered")
        log = api.get(log_url).json()
        page = _dashboard(server, "alice").get(server.url + "/webhooks", timeout=30).text
    finally:
        server.stop()
    assert [status for _, _, status, _ in receiver.calls] == [500, 500, 200]
    for headers, body, _, _ in receiver.calls:
        assert verify(hook["secret"], body, headers[TIMESTAMP_HEADER], headers[SIGNATURE_HEADER])
        assert abs(int(headers[TIMESTAMP_HEADER]) - time.time()) < 120
    payload = json.loads(receiver.calls[-1][1])
    assert payload["event"] == "submission.done"
    assert payload["submission"]["id"] == sub["id"] and payload["submission"]["result"] == done["result"]
    (delivery,) = log["deliveries"]
    assert delivery["submission"] == sub["id"] and delivery["attempts"] == 3
    assert [a["status_code"] for a in delivery["log"]] == [500, 500, 200]
    assert [a["error"] for a in delivery["log"]] == ["HTTP 500", "HTTP 500", ""]
    assert f'id="webhook-{hook["id"]}"' in page and "delivered" in page and "HTTP 500" in page


def _dashboard(server: Server, user: str) -> requests.Session:
    import re

    browser = requests.Session()
    form = browser.get(server.url + "/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    answer = browser.post(
        server.url + "/login",
        data={"username": user, "password": f"password-{user}", "csrf_token": csrf},
        allow_redirects=False,
        timeout=30,
    )
    assert answer.status_code == 302, answer.text
    return browser


@pytest.mark.slow
def test_registration_refuses_non_public_urls_and_caps_hooks(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    server = Server(data).start()
    try:
        api = Api(server, make_team(data, "alpha"))
        for url in (
            "http://127.0.0.1:9/hook", "http://localhost/hook", "http://10.0.0.5/hook", "http://[::1]/x",
            "http://100.64.0.1/x", "http://100.100.100.200/latest/meta-data", "http://169.254.169.254/",
        ):  # fmt: skip
            answer = api.post("/webhooks", json={"url": url})
            assert answer.status_code == 400, (url, answer.text)
            problem = answer.json()
            assert answer.headers["Content-Type"] == "application/problem+json"
            assert problem["field"] == "url" and problem["detail"].startswith("`url`: "), problem
            assert "non-public address" in problem["detail"]
        assert api.get("/webhooks").json() == []
        bad = api.post("/webhooks", json={"url": "ftp://example.org/x"})
        assert bad.status_code == 400 and bad.json()["field"] == "url"
        made = [api.post("/webhooks", json={"url": f"https://1.1.1.1/hook/{n}"}) for n in range(5)]
        assert [m.status_code for m in made] == [201] * 5
        sixth = api.post("/webhooks", json={"url": "https://1.1.1.1/hook/6"})
        assert sixth.status_code == 409 and "at most 5 webhooks" in sixth.json()["detail"]
        for m in made:
            assert api.request("DELETE", f"/webhooks/{m.json()['id']}").status_code == 204
    finally:
        server.stop()
    stored = [row[0] for row in sqlite3.connect(data / "grader.db").execute("SELECT secret FROM webhooks")]
    assert stored == []


@pytest.mark.slow
def test_a_slow_receiver_is_cut_at_the_deadline_and_delays_no_other_team(tmp_path: Path) -> None:
    """Team alpha's receiver drips its answer; team beta's calls go out meanwhile, on time."""
    data = tmp_path / "data"
    data.mkdir()
    tokens = {"alpha": make_team(data, "alpha"), "beta": make_team(data, "beta")}
    env = {
        "GRADER_WEBHOOK_ALLOW_PRIVATE": "true",
        "GRADER_WEBHOOK_DEADLINE_SECONDS": "12",
        "GRADER_WEBHOOK_RETRY_SECONDS": "600",
    }
    drip, quick = Drip(), Receiver()
    server = Server(data, env=env).start()
    try:
        alpha, beta = Api(server, tokens["alpha"]), Api(server, tokens["beta"])
        slow_hook = alpha.post("/webhooks", json={"url": drip.url}).json()
        assert beta.post("/webhooks", json={"url": quick.url}).status_code == 201
        first = alpha.upload(golden_zip("no-comma"), "a.zip").json()["id"]
        second = beta.upload(golden_zip("no-escape"), "b.zip").json()["id"]  # graded alongside
        alpha.wait_done(f"/submissions/{first}")
        _wait_for(lambda: drip.accepted, 20, "the slow receiver was called")
        beta.wait_done(f"/submissions/{second}")
        beta_done = time.monotonic()
        _wait_for(lambda: quick.calls, 10, "beta's call arrived")
        assert not drip.closed, "beta's call must not wait for alpha's slow receiver"
        assert quick.calls[0][3] - beta_done < 5
        _wait_for(lambda: drip.closed, 30, "the service hung up on the slow receiver")
        held = drip.closed[0] - drip.accepted[0]
        _wait_for(
            lambda: alpha.get(f"/webhooks/{slow_hook['id']}/deliveries").json()["deliveries"][0]["log"],
            10,
            "log",
        )
        log = alpha.get(f"/webhooks/{slow_hook['id']}/deliveries").json()["deliveries"][0]
    finally:
        server.stop()
        drip.close()
        quick.close()
    assert 11 <= held < 15, held  # the 12 s total deadline, not a per-read timeout
    assert log["status"] == "pending" and log["attempts"] == 1  # retried later (backoff)
    assert log["log"][0]["error"] == "no complete answer within 12 s" and log["log"][0]["status_code"] is None


def _self_signed(name: str, folder: Path) -> tuple[Path, Path]:
    """A certificate for ``name`` and its key (PEM files), made with ``cryptography``."""
    from datetime import UTC, datetime, timedelta

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(hours=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / f"{name}.pem", folder / f"{name}.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def test_https_keeps_the_name_for_sni_and_the_certificate(tmp_path: Path) -> None:
    """Connecting to the checked address still verifies the certificate against the URL's name."""
    import ssl

    cert, key = _self_signed("hooks.test", tmp_path)
    receiver = Receiver()
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert, key)
    names: list[str | None] = []
    server_side.sni_callback = lambda sock, name, ctx: names.append(name)  # type: ignore[assignment,misc,func-returns-value]
    receiver.server.socket = server_side.wrap_socket(receiver.server.socket, server_side=True)
    trusting = ssl.create_default_context(cafile=str(cert))
    loopback = lambda host, port: ["127.0.0.1"]  # noqa: E731
    try:
        good = post(
            f"https://hooks.test:{receiver.port}/hook",
            b"{}",
            {},
            allow_private=True,
            resolver=loopback,
            tls=trusting,
        )
        wrong_name = post(
            f"https://other.test:{receiver.port}/hook",
            b"{}",
            {},
            allow_private=True,
            resolver=loopback,
            tls=trusting,
        )
    finally:
        receiver.close()
    assert good.ok, good
    assert names[0] == "hooks.test" and receiver.calls[0][0]["Host"] == f"hooks.test:{receiver.port}"
    assert not wrong_name.ok and "certificate" in wrong_name.error.lower() and len(receiver.calls) == 1


def test_a_delivery_whose_webhook_was_deleted_is_dropped_quietly(tmp_path: Path) -> None:
    db, box, team_id = _database_with_hook(tmp_path, "https://hooks.example/x")
    with db.session() as session:
        session.query(Delivery).delete()
    outcome = Sender(db, box, allow_private=False).attempt(1)
    assert outcome.refused and outcome.error == "webhook deleted"
    assert Sender(db, box, allow_private=False).drain(team_id) == 0
