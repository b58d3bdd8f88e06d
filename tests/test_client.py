"""The test-side HTTP client against hostile servers on loopback."""

from __future__ import annotations

import contextlib
import gzip
import json
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from grader.testkit.client import MAX_BODY_BYTES, ClientError, HttpClient, encode_body

Handler = Callable[[socket.socket], None]


@pytest.fixture
def serve() -> Iterator[Callable[[Handler], HttpClient]]:
    """Start a one-connection-at-a-time raw TCP server running ``handler``."""
    listeners: list[socket.socket] = []

    def start(handler: Handler) -> HttpClient:
        listener = socket.socket()
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        listeners.append(listener)

        def loop() -> None:
            while True:
                try:
                    conn, _ = listener.accept()
                except OSError:
                    return
                with conn:
                    conn.recv(65536)
                    with contextlib.suppress(OSError):
                        handler(conn)

        threading.Thread(target=loop, daemon=True).start()
        return HttpClient("127.0.0.1", listener.getsockname()[1], default_timeout=2.0)

    yield start
    for listener in listeners:
        listener.close()


def _answer(status: str, headers: dict[str, str], body: bytes) -> Handler:
    def handler(conn: socket.socket) -> None:
        head = f"HTTP/1.1 {status}\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items())
        conn.sendall(head.encode() + b"\r\n" + body)

    return handler


def test_plain_response(serve: Callable[[Handler], HttpClient]) -> None:
    body = json.dumps({"a": 1}).encode()
    client = serve(
        _answer("200 OK", {"Content-Type": "application/json", "Content-Length": str(len(body))}, body)
    )
    response = client.get("/")
    assert response.status == 200
    assert response.json() == {"a": 1}
    assert response.is_json and response.headers["content-type"] == "application/json"


def test_gzip_bodies_are_never_inflated(serve: Callable[[Handler], HttpClient]) -> None:
    bomb = gzip.compress(b"\0" * (50 * 1024 * 1024))
    client = serve(_answer("200 OK", {"Content-Encoding": "gzip", "Content-Length": str(len(bomb))}, bomb))
    response = client.get("/")
    assert response.content == bomb  # the compressed bytes, as sent


def test_huge_bodies_are_capped(serve: Callable[[Handler], HttpClient]) -> None:
    size = MAX_BODY_BYTES * 2
    client = serve(_answer("200 OK", {"Content-Length": str(size)}, b"x" * size))
    with pytest.raises(ClientError, match="larger than"):
        client.get("/")


def test_dripping_response_hits_the_deadline(serve: Callable[[Handler], HttpClient]) -> None:
    def drip(conn: socket.socket) -> None:
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n")
        for _ in range(100):
            conn.sendall(b"x")
            time.sleep(0.2)

    client = serve(drip)
    started = time.monotonic()
    with pytest.raises(ClientError, match="in time"):
        client.get("/", timeout=1.0)
    assert time.monotonic() - started < 1.8


def test_redirects_are_not_followed(serve: Callable[[Handler], HttpClient]) -> None:
    client = serve(_answer("302 Found", {"Location": "/", "Content-Length": "0"}, b""))
    response = client.get("/")
    assert response.status == 302 and response.headers["Location"] == "/"


def test_garbage_is_a_client_error(serve: Callable[[Handler], HttpClient]) -> None:
    client = serve(lambda conn: conn.sendall(b"\x00\x01 not http at all\r\n\r\n"))
    with pytest.raises(ClientError, match="malformed"):
        client.get("/")


def test_nothing_listening(serve: Callable[[Handler], HttpClient]) -> None:
    with pytest.raises(ClientError, match="could not connect"):
        HttpClient("127.0.0.1", 9, default_timeout=1).get("/")


def test_encode_body_semantics() -> None:
    assert encode_body(json=None).content == b"null"
    assert encode_body(json={"a": 1}).content_type == "application/json"
    form = encode_body(data={"a": "1 2"})
    assert form.content == b"a=1+2" and form.content_type == "application/x-www-form-urlencoded"
    multipart = encode_body(files={"file": ("a.txt", b"hello", "text/plain")}, data={"k": "v"})
    assert multipart.content_type and multipart.content_type.startswith("multipart/form-data; boundary=")
    assert b'filename="a.txt"' in multipart.content and b"hello" in multipart.content
    with pytest.raises(TypeError):
        encode_body(json=1, data=b"x")


def test_both_transports_send_the_app_the_same_request() -> None:
    """An app cannot tell local mode from docker mode by its requests (parity of verdicts)."""
    from flask import Flask, request
    from werkzeug.serving import make_server

    from grader.testkit.client import FlaskClient

    app = Flask("echo")

    @app.route("/", methods=["GET", "POST", "DELETE"])
    @app.route("/search", methods=["GET", "POST", "DELETE"])
    def echo() -> dict[str, object]:
        return {
            "headers": dict(request.headers),
            "url": request.url,
            "args": request.args.to_dict(flat=False),
        }

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        http = HttpClient("127.0.0.1", server.server_port, default_timeout=5.0)
        for method, body in [
            ("GET", {}),
            ("POST", {"json": {"a": 1}}),
            ("POST", {"data": {"a": "b"}}),
            ("DELETE", {}),
        ]:
            local = FlaskClient(app).request(method, "/", **body).json()
            remote = http.request(method, "/", **body).json()
            assert local == remote, method
            assert local["url"] == "http://localhost/"
        for path, params in [
            ("/search?q=a b&x=1", None),
            ("/search?q=flask", {"page": 2}),
            ("/search", {"q": "é"}),
        ]:
            local = FlaskClient(app).get(path, params=params).json()
            assert http.get(path, params=params).json() == local, path
            assert local["args"]["q"], "a query written in the path reaches the app in both transports"
    finally:
        server.shutdown()
