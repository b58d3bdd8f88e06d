"""The ``client`` that hidden and public tests talk to.

A suite is written once against :class:`Client` and runs in two ways:

* :class:`FlaskClient` drives the candidate's app in-process with Flask's test
  client (``local`` mode: fast, no isolation);
* :class:`HttpClient` speaks plain HTTP/1.1 to the app served by gunicorn in a
  sandbox container (``docker`` mode). It is deliberately defensive because the
  server is untrusted: every read is capped, there is a hard deadline per
  request, redirects are never followed and bodies are never decompressed.

Both build the request the same way (:func:`encode_body`) and return the same
:class:`Response`, so a test cannot tell which one it got, and verdicts match.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import secrets
import socket
import time
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

#: Largest response body a test may receive; anything longer is an error.
MAX_BODY_BYTES = 4 * 1024 * 1024
#: Largest response header block.
MAX_HEADER_BYTES = 64 * 1024
#: Default deadline for one request, in seconds.
DEFAULT_REQUEST_TIMEOUT = 5.0

FileSpec = tuple[str, bytes] | tuple[str, bytes, str]
Params = Mapping[str, Any] | Iterable[tuple[str, Any]] | None

_NO_JSON = object()


class ClientError(Exception):
    """The app's answer could not be obtained (timeout, reset, oversized)."""


class ClientTimeout(ClientError):
    """The app did not read the request or answer before the deadline."""


class Headers:
    """A case-insensitive, read-only view of response headers."""

    def __init__(self, items: Iterable[tuple[str, str]]) -> None:
        self._items = [(k, v) for k, v in items]

    def get(self, name: str, default: str | None = None) -> str | None:
        lowered = name.lower()
        for key, value in self._items:
            if key.lower() == lowered:
                return value
        return default

    def get_all(self, name: str) -> list[str]:
        lowered = name.lower()
        return [v for k, v in self._items if k.lower() == lowered]

    def __getitem__(self, name: str) -> str:
        value = self.get(name)
        if value is None:
            raise KeyError(name)
        return value

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and self.get(name) is not None

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


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

    def __repr__(self) -> str:
        return f"<Response {self.describe()}>"


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
    """Encode a body exactly as both clients send it (requests-like semantics)."""
    if json is not _NO_JSON:
        if data is not None or files:
            raise TypeError("pass json= alone, not with data= or files=")
        return EncodedBody(jsonlib.dumps(json).encode(), "application/json")
    if files:
        fields = data if isinstance(data, Mapping) else {}
        return _encode_multipart(fields, files)
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


def _encode_multipart(fields: Mapping[str, Any], files: Mapping[str, FileSpec]) -> EncodedBody:
    boundary = "grader" + secrets.token_hex(12)
    parts: list[bytes] = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
            + str(value).encode()
            + b"\r\n"
        )
    for name, spec in files.items():
        filename, payload = spec[0], spec[1]
        ctype = spec[2] if len(spec) > 2 else "application/octet-stream"  # type: ignore[misc]
        quoted = filename.replace("\\", "\\\\").replace('"', '\\"')
        head = (
            f"--{boundary}\r\n"
            f'Content-Disposition: form-data; name="{name}"; filename="{quoted}"\r\n'
            f"Content-Type: {ctype}\r\n\r\n"
        )
        parts.append(head.encode() + payload + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return EncodedBody(b"".join(parts), f"multipart/form-data; boundary={boundary}")


def _query(params: Params) -> str:
    if not params:
        return ""
    items = list(params.items()) if isinstance(params, Mapping) else list(params)
    return urllib.parse.urlencode(items)


class Client:
    """The interface every test uses; each transport implements :meth:`_send`.

    The request is encoded here, once, so both transports send the same bytes.
    """

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
        return self._send(method, path, _query(params), body, _merged_headers(body, headers), timeout)

    def _send(
        self,
        method: str,
        path: str,
        query: str,
        body: EncodedBody,
        headers: dict[str, str],
        timeout: float | None,
    ) -> Response:
        raise NotImplementedError

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


def _merged_headers(body: EncodedBody, headers: Mapping[str, str] | None) -> dict[str, str]:
    merged: dict[str, str] = {}
    if body.content_type:
        merged["Content-Type"] = body.content_type
    for key, value in (headers or {}).items():
        for existing in list(merged):
            if existing.lower() == key.lower():
                del merged[existing]
        merged[key] = value
    return merged


class FlaskClient(Client):
    """Drives a Flask app in-process through ``app.test_client()``."""

    def __init__(self, app: Any) -> None:
        self._client = app.test_client()

    def _send(
        self,
        method: str,
        path: str,
        query: str,
        body: EncodedBody,
        headers: dict[str, str],
        timeout: float | None,
    ) -> Response:
        url = f"{path}?{query}" if query else path
        merged = dict(headers)
        content_type = None
        for key in [k for k in merged if k.lower() == "content-type"]:
            content_type = merged.pop(key)
        result = self._client.open(
            url,
            method=method,
            data=body.content,
            content_type=content_type,
            headers=merged,
            follow_redirects=False,
        )
        try:
            content = result.get_data()
        finally:
            result.close()
        if len(content) > MAX_BODY_BYTES:
            raise ClientError(f"response body larger than {MAX_BODY_BYTES} bytes")
        return Response(result.status_code, Headers(result.headers.items()), content)


class HttpClient(Client):
    """Speaks HTTP/1.1 to an untrusted server with hard caps and deadlines."""

    def __init__(self, host: str, port: int, default_timeout: float = DEFAULT_REQUEST_TIMEOUT):
        self.host = host
        self.port = port
        self.default_timeout = default_timeout

    def _send(
        self,
        method: str,
        path: str,
        query: str,
        body: EncodedBody,
        headers: dict[str, str],
        timeout: float | None,
    ) -> Response:
        target = urllib.parse.quote(path, safe="/%:@!$&'()*+,;=-._~")
        if query:
            target = f"{target}?{query}"
        merged = dict(headers)
        merged.setdefault("Host", f"{self.host}:{self.port}")
        merged["Connection"] = "close"
        merged["Accept-Encoding"] = "identity"
        if body.content or method not in ("GET", "HEAD", "DELETE"):
            merged["Content-Length"] = str(len(body.content))
        deadline = time.monotonic() + (timeout or self.default_timeout)
        head = f"{method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in merged.items())
        raw = head.encode("latin-1", errors="strict") + b"\r\n" + body.content
        return self._exchange(raw, deadline, method)

    def _exchange(self, raw: bytes, deadline: float, method: str) -> Response:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=_left(deadline))
        except OSError as exc:
            raise ClientError(f"could not connect to the app: {exc}") from exc
        try:
            _send_all(sock, raw, deadline)
            return _read_response(sock, deadline, method)
        finally:
            sock.close()


def _left(deadline: float) -> float:
    remaining = deadline - time.monotonic()
    if remaining <= 0:
        raise ClientTimeout("the app did not answer in time")
    return remaining


def _send_all(sock: socket.socket, raw: bytes, deadline: float) -> None:
    """Send the request; stop early (without error) if the server already answered.

    A server may reject a large body (413) and close before reading it; the
    answer it sent is what the test needs, so a reset while sending is not an
    error as long as a response can still be read.
    """
    view = memoryview(raw)
    sent = 0
    while sent < len(view):
        sock.settimeout(_left(deadline))
        try:
            sent += sock.send(view[sent : sent + 65536])
        except (BrokenPipeError, ConnectionResetError):
            return
        except TimeoutError as exc:
            raise ClientTimeout("the app did not read the request in time") from exc


class _CappedSocketReader:
    """A file-like reader that enforces the deadline and a byte cap."""

    def __init__(self, sock: socket.socket, deadline: float, cap: int) -> None:
        self.sock = sock
        self.deadline = deadline
        self.cap = cap
        self.total = 0
        self.buffer = b""

    def _fill(self) -> bool:
        self.sock.settimeout(_left(self.deadline))
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError as exc:
            raise ClientTimeout("the app did not answer in time") from exc
        except ConnectionResetError:
            chunk = b""
        self.total += len(chunk)
        if self.total > self.cap:
            raise ClientError(f"response larger than {self.cap} bytes")
        self.buffer += chunk
        return bool(chunk)

    def readline(self, limit: int = -1) -> bytes:
        while b"\n" not in self.buffer:
            if limit >= 0 and len(self.buffer) >= limit:
                break
            if not self._fill():
                break
        idx = self.buffer.find(b"\n")
        end = idx + 1 if idx >= 0 else len(self.buffer)
        if limit >= 0:
            end = min(end, limit)
        line, self.buffer = self.buffer[:end], self.buffer[end:]
        return line

    def read(self, amount: int | None = None) -> bytes:
        if amount is None or amount < 0:
            while self._fill():
                pass
            data, self.buffer = self.buffer, b""
            return data
        while len(self.buffer) < amount and self._fill():
            pass
        data, self.buffer = self.buffer[:amount], self.buffer[amount:]
        return data

    def read1(self, amount: int = -1) -> bytes:
        if not self.buffer:
            self._fill()
        if amount < 0:
            amount = len(self.buffer)
        data, self.buffer = self.buffer[:amount], self.buffer[amount:]
        return data

    def readinto(self, target: bytearray | memoryview) -> int:
        data = self.read(len(target))
        target[: len(data)] = data
        return len(data)

    def close(self) -> None:
        """Closing is the socket owner's job."""

    def flush(self) -> None:
        """Nothing is buffered for writing."""


class _ReaderSocket:
    """Hands our capped reader to :class:`http.client.HTTPResponse` via ``makefile``."""

    def __init__(self, reader: _CappedSocketReader) -> None:
        self.reader = reader

    def makefile(self, mode: str) -> _CappedSocketReader:
        return self.reader


def _read_response(sock: socket.socket, deadline: float, method: str) -> Response:
    reader = _CappedSocketReader(sock, deadline, MAX_HEADER_BYTES + MAX_BODY_BYTES)
    parser = http.client.HTTPResponse(_ReaderSocket(reader), method=method)  # type: ignore[arg-type]
    try:
        parser.begin()
        content = parser.read()
    except (http.client.HTTPException, ValueError) as exc:
        raise ClientError(f"the app sent a malformed HTTP response: {exc}") from exc
    return Response(parser.status, Headers(parser.getheaders()), content)
