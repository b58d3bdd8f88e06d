"""What a suite's client and its transports exchange: requests, responses, errors.

Kept apart from :mod:`.client` (which builds requests) and :mod:`.transports`
(which carry them), as httpx keeps its models, so that both depend on this
module and neither on the other.
"""

from __future__ import annotations

import hashlib
import json as jsonlib
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from werkzeug.datastructures import Headers as _WerkzeugHeaders

from .cookies import Cookie, parse_set_cookie

#: Largest response body a test may receive; anything longer is an error.
MAX_BODY_BYTES = 4 * 1024 * 1024
#: Largest response header block.
MAX_HEADER_BYTES = 64 * 1024
#: Default deadline for one request, in seconds.
DEFAULT_REQUEST_TIMEOUT = 5.0


#: "no JSON given / parsed yet" (``None`` is a JSON value)
NO_JSON = object()


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
    _json_cache: Any = field(default=NO_JSON, repr=False)

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
        if self._json_cache is NO_JSON:
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


class Transport(Protocol):
    """Carries one :class:`Request` to the app and brings back its :class:`Response`."""

    def send(self, request: Request) -> Response: ...

    def stream(self, request: Request, meter: BodyMeter) -> tuple[int, Headers]:
        """Send the request and feed the body to ``meter`` as it arrives; no size cap."""
        ...
