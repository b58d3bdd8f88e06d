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
from dataclasses import dataclass, field
from typing import Any, Protocol

from werkzeug.datastructures import FileStorage
from werkzeug.datastructures import Headers as _WerkzeugHeaders
from werkzeug.test import encode_multipart

from .cookies import Cookie, CookieJar, parse_set_cookie

#: Largest response body a test may receive; anything longer is an error.
MAX_BODY_BYTES = 4 * 1024 * 1024
#: Largest response header block.
MAX_HEADER_BYTES = 64 * 1024
#: Default deadline for one request, in seconds.
DEFAULT_REQUEST_TIMEOUT = 5.0
#: Sent by both transports, so an app cannot tell local mode from docker mode by its requests.
DEFAULT_HEADERS = {
    "Host": "localhost",
    "User-Agent": "flask-grader",
    "Accept-Encoding": "identity",
    "Connection": "close",
}

FileSpec = tuple[str, bytes] | tuple[str, bytes, str]
Params = Mapping[str, Any] | Iterable[tuple[str, Any]] | None

_NO_JSON = object()


class ClientError(Exception):
    """The app's answer could not be obtained (timeout, reset, oversized)."""


class ClientTimeout(ClientError):
    """The app did not read the request or answer before the deadline."""


class Headers(_WerkzeugHeaders):
    """Response headers: werkzeug's case-insensitive multi-dict, plus ``get_all``."""

    def get_all(self, name: str) -> list[str]:
        return self.getlist(name)


@dataclass(frozen=True)
class Request:
    """One request, fully encoded: what every transport receives."""

    method: str
    path: str
    query: str
    body: bytes
    headers: tuple[tuple[str, str], ...]
    timeout: float | None = None

    def header(self, name: str) -> str | None:
        lowered = name.lower()
        return next((value for key, value in self.headers if key.lower() == lowered), None)


@dataclass
class Response:
    """What the app answered: status, headers and the raw body."""

    status: int
    headers: Headers
    content: bytes
    _json_cache: Any = field(default=_NO_JSON, repr=False)

    @property
    def status_code(self) -> int:
        return self.status

    @property
    def text(self) -> str:
        return self.content.decode("utf-8", errors="replace")

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower-cased (``""`` if absent)."""
        raw = self.headers.get("Content-Type") or ""
        return raw.split(";", 1)[0].strip().lower()

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype
        return mimetype == "application/json" or (
            mimetype.startswith("application/") and mimetype.endswith("+json")
        )

    def json(self) -> Any:
        """Parse the body as JSON whatever the content type; raise ValueError if it is not."""
        if self._json_cache is _NO_JSON:
            try:
                self._json_cache = jsonlib.loads(self.content.decode("utf-8"))
            except (UnicodeDecodeError, jsonlib.JSONDecodeError) as exc:
                raise ValueError(f"response body is not JSON: {self.text[:200]!r}") from exc
        return self._json_cache

    def describe(self) -> str:
        """A short human summary, used in assertion messages."""
        body = self.text
        if len(body) > 300:
            body = body[:300] + "..."
        return f"{self.status} {self.mimetype or '(no content type)'} {body!r}"

    @property
    def cookies(self) -> dict[str, Cookie]:
        """The cookies this response set (``Set-Cookie``), with their attributes."""
        parsed = (parse_set_cookie(header) for header in self.headers.getlist("Set-Cookie"))
        return {cookie.name: cookie for cookie in parsed if cookie is not None}

    def html(self) -> Any:
        """The body parsed as HTML (see :mod:`grader.testkit.html`)."""
        from .html import parse_html

        return parse_html(self.text)

    def __repr__(self) -> str:
        return f"<Response {self.describe()}>"


#: How much of a streamed body :class:`StreamResult` keeps (the rest is only counted and hashed).
STREAM_HEAD_BYTES = 64 * 1024


@dataclass(frozen=True)
class StreamResult:
    """A response read as a stream: its body counted and hashed, never held whole.

    ``first_byte_seconds`` is the time from sending the request to the first
    byte of the body; ``total_seconds`` to its last. ``head`` is the body's
    first :data:`STREAM_HEAD_BYTES`.
    """

    status: int
    headers: Headers
    size: int
    sha256: str
    head: bytes
    first_byte_seconds: float | None
    total_seconds: float
    #: False when ``max_bytes`` stopped the read before the body ended
    complete: bool = True

    @property
    def mimetype(self) -> str:
        raw = self.headers.get("Content-Type") or ""
        return raw.split(";", 1)[0].strip().lower()


class BodyMeter:
    """Counts, hashes and times body chunks as they arrive (both transports use it)."""

    def __init__(self, limit: int | None = None) -> None:
        import hashlib
        import time

        self._clock = time.monotonic
        self.started = self._clock()
        self.digest = hashlib.sha256()
        self.size = 0
        self.head = bytearray()
        self.first_byte: float | None = None
        self.limit = limit
        self.stopped = False

    @property
    def full(self) -> bool:
        """The caller's ``max_bytes`` is reached: the transport stops reading and hangs up."""
        if self.limit is not None and self.size >= self.limit:
            self.stopped = True
        return self.stopped

    def add(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self.first_byte is None:
            self.first_byte = self._clock() - self.started
        self.size += len(chunk)
        self.digest.update(chunk)
        if len(self.head) < STREAM_HEAD_BYTES:
            self.head += chunk[: STREAM_HEAD_BYTES - len(self.head)]

    def result(self, status: int, headers: Headers) -> StreamResult:
        return StreamResult(
            status,
            headers,
            self.size,
            self.digest.hexdigest(),
            bytes(self.head),
            None if self.first_byte is None else round(self.first_byte, 4),
            round(self._clock() - self.started, 4),
            not self.stopped,
        )


@dataclass
class EncodedBody:
    """A request body ready to send, with the content type it implies."""

    content: bytes
    content_type: str | None


def encode_body(
    *,
    json: Any = _NO_JSON,
    data: Mapping[str, Any] | bytes | str | None = None,
    files: Mapping[str, FileSpec] | None = None,
) -> EncodedBody:
    """Encode a body exactly as both transports send it (requests-like semantics)."""
    if json is not _NO_JSON:
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


class Transport(Protocol):
    """Carries one :class:`Request` to the app and brings back its :class:`Response`."""

    def send(self, request: Request) -> Response: ...

    def stream(self, request: Request, meter: BodyMeter) -> tuple[int, Headers]:
        """Send the request and feed the body to ``meter`` as it arrives; no size cap."""
        ...


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
        json: Any = _NO_JSON,
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
        body = encode_body(json=kwargs.pop("json", _NO_JSON), data=kwargs.pop("data", None))
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
    from .transports.wsgi import WSGITransport

    return Client(WSGITransport(app))


def HttpClient(host: str, port: int, default_timeout: float = DEFAULT_REQUEST_TIMEOUT) -> Client:  # noqa: N802
    """A client for an untrusted server at ``host:port`` (docker mode)."""
    from .transports.http import HTTPTransport

    return Client(HTTPTransport(host, port, default_timeout))
