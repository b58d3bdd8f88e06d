"""The body limit of a real ``grader serve``: answered from the headers, before any body byte is sent.

Each request here sends only its headers over a raw socket and waits for
the answer: a refusal must come without the body (which would be 200 MiB).
"""

from __future__ import annotations

import json
import re
import select
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from .service_support import Api, Server, golden_zip, make_team

pytestmark = pytest.mark.slow
BIG = 200 * 2**20
LIMIT = 20 * 2**20 + 64 * 1024


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    data = tmp_path_factory.mktemp("bodylimit") / "data"
    data.mkdir()
    token = make_team(data, "alpha", user="alice")
    server = Server(data).start()
    yield {"server": server, "token": token}
    server.stop()


def _headers_only(server: Server, path: str, headers: dict[str, str], wait: float = 5.0) -> bytes | None:
    """Send a POST's headers and no body; the answer received within ``wait`` s, or None."""
    parts = urlsplit(server.url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        lines = [f"POST {path} HTTP/1.1", f"Host: {parts.netloc}"]
        lines += [f"{k}: {v}" for k, v in headers.items()]
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        ready, _, _ = select.select([sock], [], [], wait)
        if not ready:
            return None
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
        return answer


def _problem(answer: bytes | None) -> tuple[int, dict[str, Any], str]:
    assert answer is not None, "no answer before the body was sent"
    head, _, body = answer.partition(b"\r\n\r\n")
    status = int(head.split(b" ", 2)[1])
    assert b"Content-Type: application/problem+json" in head, head
    assert b"Connection: close" in head, head
    return status, json.loads(body), head.decode()


def test_large_body_without_a_token_is_refused_before_it_is_sent(env: dict[str, Any]) -> None:
    server = env["server"]
    multipart = {"Content-Type": "multipart/form-data; boundary=x"}
    for auth in ({}, {"Authorization": "Bearer grd_made-up"}):
        status, body, _ = _problem(
            _headers_only(server, "/api/v1/submissions", {**multipart, **auth, "Content-Length": str(BIG)})
        )
        assert status == 401
        assert body["detail"].startswith(
            "send a valid token (Authorization: Bearer <token>) before sending a body"
        )
    expecting = {**multipart, "Content-Length": str(BIG), "Expect": "100-continue"}
    answer = _headers_only(server, "/api/v1/submissions", expecting)
    assert answer is not None and answer.startswith(b"HTTP/1.1 401 "), answer  # no "100 Continue" first
    chunked = {**multipart, "Transfer-Encoding": "chunked"}
    status, _, _ = _problem(_headers_only(server, "/api/v1/submissions", chunked))
    assert status == 401  # unknown length: treated as large
    status, body, _ = _problem(
        _headers_only(server, "/upload", {**multipart, "Content-Length": str(5 * 2**20)})
    )
    assert status == 401 and body["detail"].startswith("log in before sending a body")


def test_over_the_limit_is_refused_before_it_is_sent_even_with_a_token(env: dict[str, Any]) -> None:
    auth = {"Authorization": f"Bearer {env['token']}", "Content-Type": "multipart/form-data; boundary=x"}
    status, body, _ = _problem(
        _headers_only(env["server"], "/api/v1/submissions", {**auth, "Content-Length": str(BIG)})
    )
    assert status == 413
    assert body["detail"] == (
        f"the request body is {BIG} bytes; the limit is {LIMIT} bytes (20 MiB upload and form fields)"
    )


def test_authenticated_and_small_bodies_are_read_as_before(env: dict[str, Any]) -> None:
    server = env["server"]
    auth = {"Authorization": f"Bearer {env['token']}", "Content-Type": "multipart/form-data; boundary=x"}
    # a valid token and a body within the limit: the server waits for the body
    assert (
        _headers_only(server, "/api/v1/submissions", {**auth, "Content-Length": str(LIMIT)}, wait=1.5) is None
    )
    browser = requests.Session()
    form = browser.get(server.url + "/login", timeout=30).text
    csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)  # type: ignore[union-attr]
    login = {"username": "alice", "password": "password-alice", "csrf_token": csrf}
    assert (
        browser.post(server.url + "/login", data=login, allow_redirects=False, timeout=30).status_code == 302
    )
    cookie = "; ".join(f"{c.name}={c.value}" for c in browser.cookies)
    logged_in = {
        "Cookie": cookie,
        "User-Agent": str(browser.headers["User-Agent"]),  # the session is bound to it ("strong")
        "Content-Type": "multipart/form-data; boundary=x",
        "Content-Length": str(2**20),
    }
    assert _headers_only(server, "/upload", logged_in, wait=1.5) is None
    # an anonymous small body reaches the app, which answers as usual
    small = requests.post(server.url + "/api/v1/submissions", data={"challenge": "hello-world"}, timeout=30)
    assert small.status_code == 401 and small.headers["Content-Type"] == "application/problem+json"
    upload = Api(server, env["token"]).upload(golden_zip("no-comma"), "ok.zip")
    assert upload.status_code == 202, upload.text


def test_the_limit_follows_max_upload_mb(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    token = make_team(data, "alpha")
    server = Server(data, env={"GRADER_MAX_UPLOAD_MB": "1"}).start()
    try:
        api = Api(server, token)
        too_big = api.upload(b"\0" * (2**20 + 70 * 1024), "big.zip")
        ok_size = api.upload(golden_zip("no-comma"), "ok.zip")
    finally:
        server.stop()
    assert too_big.status_code == 413 and "limit is 1114112 bytes" in too_big.json()["detail"]
    assert ok_size.status_code == 202
