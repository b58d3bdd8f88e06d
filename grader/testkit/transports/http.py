"""HTTP/1.1 transport to an untrusted server, with hard caps and deadlines (docker mode).

One connection per request (``Connection: close``), a total deadline per
request covering connect, send and every read, at most
:data:`~grader.testkit.client.MAX_HEADER_BYTES` +
:data:`~grader.testkit.client.MAX_BODY_BYTES` read, no decompression, no
redirects. The response is parsed by :class:`http.client.HTTPResponse` over
a capped reader, never over the raw socket.
"""

from __future__ import annotations

import http.client
import socket
import time
import urllib.parse
from collections.abc import Callable
from typing import TypeVar

from ..models import (
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    BodyMeter,
    ClientError,
    ClientTimeout,
    Headers,
    Request,
    Response,
)

T = TypeVar("T")


class HTTPTransport:
    """Speaks HTTP/1.1 to ``host:port``."""

    def __init__(self, host: str, port: int, default_timeout: float) -> None:
        self.host = host
        self.port = port
        self.default_timeout = default_timeout

    def stream(self, request: Request, meter: BodyMeter) -> tuple[int, Headers]:
        def read_all(sock: socket.socket, deadline: float) -> tuple[int, Headers]:
            reader = _CappedSocketReader(sock, deadline, None)
            parser = http.client.HTTPResponse(_ReaderSocket(reader), method=request.method)  # type: ignore[arg-type]
            try:
                parser.begin()
                while not meter.full and (chunk := parser.read(65536)):
                    meter.add(chunk)
            except (http.client.HTTPException, ValueError) as exc:
                raise ClientError(f"the app sent a malformed HTTP response: {exc}") from exc
            return parser.status, Headers(parser.getheaders())

        return self._exchange(request, read_all)

    def send(self, request: Request) -> Response:
        return self._exchange(request, lambda sock, deadline: _read_response(sock, deadline, request.method))

    def _exchange(self, request: Request, read: Callable[[socket.socket, float], T]) -> T:
        """One connection: send the whole request, then ``read`` the answer, all before the deadline."""
        raw, deadline = self._encode(request)
        try:
            sock = socket.create_connection((self.host, self.port), timeout=_left(deadline))
        except OSError as exc:
            raise ClientError(f"could not connect to the app: {exc}") from exc
        try:
            _send_all(sock, raw, deadline)
            return read(sock, deadline)
        finally:
            sock.close()

    def _encode(self, request: Request) -> tuple[bytes, float]:
        target = urllib.parse.quote(request.path, safe="/%:@!$&'()*+,;=-._~")
        if request.query:
            target = f"{target}?{request.query}"
        headers = [(k, v) for k, v in request.headers if k.lower() != "connection"]
        headers.append(("Connection", "close"))  # one request per connection: the reader relies on it
        if request.body or request.method not in ("GET", "HEAD", "DELETE"):
            headers.append(("Content-Length", str(len(request.body))))
        deadline = time.monotonic() + (request.timeout or self.default_timeout)
        head = f"{request.method} {target} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers)
        raw = head.encode("latin-1", errors="strict") + b"\r\n" + request.body
        return raw, deadline


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
    """A file-like reader that enforces the deadline and a byte cap (``None``: no cap, for streams).

    Bytes received wait in one buffer read from a moving position, so a
    body of many small chunks (a streamed export) costs no quadratic copying.
    """

    def __init__(self, sock: socket.socket, deadline: float, cap: int | None) -> None:
        self.sock = sock
        self.deadline = deadline
        self.cap = cap
        self.total = 0
        self.buffer = bytearray()
        self.pos = 0

    def _available(self) -> int:
        return len(self.buffer) - self.pos

    def _fill(self) -> bool:
        if self.pos > 1 << 20:  # drop what was read, now and then
            del self.buffer[: self.pos]
            self.pos = 0
        self.sock.settimeout(_left(self.deadline))
        try:
            chunk = self.sock.recv(1 << 18)
        except TimeoutError as exc:
            raise ClientTimeout("the app did not answer in time") from exc
        except ConnectionResetError:
            chunk = b""
        self.total += len(chunk)
        if self.cap is not None and self.total > self.cap:
            raise ClientError(f"response larger than {self.cap} bytes")
        self.buffer += chunk
        return bool(chunk)

    def _take(self, amount: int) -> bytes:
        data = bytes(self.buffer[self.pos : self.pos + amount])
        self.pos += len(data)
        return data

    def readline(self, limit: int = -1) -> bytes:
        scanned = 0  # relative to pos: _fill may move the buffer
        while True:
            idx = self.buffer.find(b"\n", self.pos + scanned)
            if idx >= 0:
                end = idx + 1 - self.pos
                break
            if limit >= 0 and self._available() >= limit:
                end = self._available()
                break
            scanned = self._available()
            if not self._fill():
                end = self._available()
                break
        if limit >= 0:
            end = min(end, limit)
        return self._take(end)

    def read(self, amount: int | None = None) -> bytes:
        if amount is None or amount < 0:
            while self._fill():
                pass
            return self._take(self._available())
        while self._available() < amount and self._fill():
            pass
        return self._take(amount)

    def read1(self, amount: int = -1) -> bytes:
        if not self._available():
            self._fill()
        if amount < 0:
            amount = self._available()
        return self._take(amount)

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
