"""The ``client`` that hidden and public tests talk to.

A suite is written once against :class:`Client` and runs in two ways, each a
transport module taking one :class:`Request` (as httpx's transports do):

* :mod:`.transports.wsgi` drives the candidate's app in-process with Flask's
  test client (``local`` mode: fast, no isolation);
* :mod:`.transports.http` speaks plain HTTP/1.1 to the app served by
  gunicorn in a sandbox container (``docker`` mode), defensively: every read
  is capped, there is a hard deadline per request, redirects are never
  followed and bodies are never decompressed.

The request is built here, once, with the same default headers for both,
so a test (and the app) cannot tell which transport carried it, and verdicts
match. Bodies are encoded with werkzeug's own machinery.
"""

from __future__ import annotations

import io
import json as jsonlib
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from .cookies import CookieJar
from .models import (
    DEFAULT_REQUEST_TIMEOUT,
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    NO_JSON,
    STREAM_HEAD_BYTES,
    BodyMeter,
    ClientError,
    ClientTimeout,
    Headers,
    Request,
    Response,
    StreamResult,
    Transport,
)
from .transports.http import HTTPTransport
from .transports.wsgi import WSGITransport

__all__ = [
    "DEFAULT_REQUEST_TIMEOUT",
    "MAX_BODY_BYTES",
    "MAX_HEADER_BYTES",
    "STREAM_HEAD_BYTES",
    "BodyMeter",
    "Client",
    "ClientError",
    "ClientTimeout",
    "FlaskClient",
    "Headers",
    "HttpClient",
    "Request",
    "Response",
    "StreamResult",
    "Transport",
    "encode_body",
]

FileSpec = tuple[str, bytes] | tuple[str, bytes, str]
Params = Mapping[str, Any] | Iterable[tuple[str, Any]] | None

#: Sent by both transports, so an app cannot tell local mode from docker mode by its requests.
DEFAULT_HEADERS = {
    "Host": "localhost",
    "User-Agent": "flask-grader",
    "Accept-Encoding": "identity",
    "Connection": "close",
}


@dataclass
class EncodedBody:
    """A request body ready to send, with the content type it implies."""

    content: bytes
    content_type: str | None


def encode_body(
    *,
    json: Any = NO_JSON,
    data: Mapping[str, Any] | bytes | str | None = None,
    files: Mapping[str, FileSpec] | None = None,
) -> EncodedBody:
    """Encode a body exactly as both transports send it (requests-like semantics)."""
    if json is not NO_JSON:
        if data is not None or files:
            raise TypeError("pass json= alone, not with data= or files=")
        return EncodedBody(jsonlib.dumps(json).encode(), "application/json")
    if files:
        values: dict[str, Any] = {k: str(v) for k, v in (data if isinstance(data, Mapping) else {}).items()}
        for name, spec in files.items():
            ctype = spec[2] if len(spec) > 2 else "application/octet-stream"  # type: ignore[misc]
            values[name] = FileStorage(io.BytesIO(spec[1]), filename=spec[0], content_type=ctype)
        boundary, content = encode_multipart(values)
        return EncodedBody(content, f"multipart/form-data; boundary={boundary}")
    if isinstance(data, Mapping):
        return EncodedBody(
            urllib.parse.urlencode(list(data.items())).encode(),
            "application/x-www-form-urlencoded",
        )
    if isinstance(data, str):
        return EncodedBody(data.encode(), None)
    if isinstance(data, bytes):
        return EncodedBody(data, None)
    return EncodedBody(b"", None)


def _target(path: str, params: Params) -> tuple[str, str]:
    """The path and the query string, the same for both transports.

    A query written into the path (``"/search?q=x"``) is kept as written, and
    ``params`` are appended to it, so both transports send the same URL.
    """
    path, _, written = path.partition("?")
    query = urllib.parse.quote(written, safe="=&;%+/?:@!$'()*,~-._")  # a space in it becomes %20
    if params:
        items = list(params.items()) if isinstance(params, Mapping) else list(params)
        query = "&".join(part for part in (query, urllib.parse.urlencode(items)) if part)
    return path, query


def _headers(body: EncodedBody, headers: Mapping[str, str] | None) -> tuple[tuple[str, str], ...]:
    merged: dict[str, str] = dict(DEFAULT_HEADERS)
    if body.content_type:
        merged["Content-Type"] = body.content_type
    for key, value in (headers or {}).items():
        for existing in [k for k in merged if k.lower() == key.lower()]:
            del merged[existing]
        merged[key] = value
    return tuple(merged.items())


class Client:
    """The interface every test uses; the request is encoded here, once.

    Like one browser, it keeps the cookies the app sets (:attr:`cookies`)
    and sends them back; a ``Cookie`` header given by the test replaces them
    for that request (a hand-made or tampered cookie).
    """

    def __init__(self, transport: Transport) -> None:
        self.transport = transport
        self.cookies = CookieJar()

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Params = None,
        json: Any = NO_JSON,
        data: Mapping[str, Any] | bytes | str | None = None,
        files: Mapping[str, FileSpec] | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
    ) -> Response:
        body = encode_body(json=json, data=data, files=files)
        merged = _headers(body, headers)
        jar = self.cookies.header(path)
        if jar and not any(key.lower() == "cookie" for key, _ in merged):
            merged += (("Cookie", jar),)
        path, query = _target(path, params)
        response = self.transport.send(Request(method, path, query, body.content, merged, timeout))
        self.cookies.store(response.headers.getlist("Set-Cookie"), path)
        return response

    def stream(
        self,
        method: str,
        path: str,
        *,
        timeout: float | None = None,
        max_bytes: int | None = None,
        **kwargs: Any,
    ) -> StreamResult:
        """Read a response of any size as a stream: counted, hashed and timed, never held whole.

        Takes the same arguments as :meth:`request`; ``timeout`` bounds the whole read.
        ``max_bytes`` stops reading (and hangs up) once that much of the body
        arrived: enough to check the start of a huge answer cheaply.
        """
        body = encode_body(json=kwargs.pop("json", NO_JSON), data=kwargs.pop("data", None))
        merged = _headers(body, kwargs.pop("headers", None))
        jar = self.cookies.header(path)
        if jar and not any(key.lower() == "cookie" for key, _ in merged):
            merged += (("Cookie", jar),)
        path, query = _target(path, kwargs.pop("params", None))
        request = Request(method, path, query, body.content, merged, timeout)
        if kwargs:
            raise TypeError(f"unexpected arguments: {', '.join(kwargs)}")
        meter = BodyMeter(max_bytes)
        status, headers = self.transport.stream(request, meter)
        self.cookies.store(headers.getlist("Set-Cookie"), path)
        return meter.result(status, headers)

    def concurrently(self, count: int, method: str, path: str, **kwargs: Any) -> list[Response]:
        """Send ``count`` identical requests at once (one thread and connection each); answers in order."""
        from concurrent.futures import ThreadPoolExecutor

        with ThreadPoolExecutor(max_workers=count) as pool:
            return list(pool.map(lambda _: self.request(method, path, **kwargs), range(count)))

    def get(self, path: str, **kwargs: Any) -> Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> Response:
        return self.request("POST", path, **kwargs)

    def put(self, path: str, **kwargs: Any) -> Response:
        return self.request("PUT", path, **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Response:
        return self.request("PATCH", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Response:
        return self.request("DELETE", path, **kwargs)

    def head(self, path: str, **kwargs: Any) -> Response:
        return self.request("HEAD", path, **kwargs)


def FlaskClient(app: Any) -> Client:  # noqa: N802 - reads as the class it used to be
    """A client for an app in this process (local mode)."""
    return Client(WSGITransport(app))


def HttpClient(host: str, port: int, default_timeout: float = DEFAULT_REQUEST_TIMEOUT) -> Client:  # noqa: N802
    """A client for an untrusted server at ``host:port`` (docker mode)."""
    return Client(HTTPTransport(host, port, default_timeout))
