"""Webhook calls: signing, the address policy, and one POST with a total deadline.

**Signature.** Each call carries ``X-Grader-Timestamp: <unix seconds>`` and
``X-Grader-Signature: sha256=<hex>``, the HMAC-SHA256 with the webhook's
secret of ``<timestamp>.<body>`` (the exact bytes). A receiver recomputes it,
compares in constant time and rejects a timestamp more than
:data:`TOLERANCE_SECONDS` away from its clock (:func:`verify`), so a recorded
call cannot be replayed later.

**Addresses (SSRF).** A callback host is resolved once per call; every
address it resolves to must be ``ipaddress.is_global`` (which excludes
loopback, private, link-local, shared 100.64.0.0/10, metadata services such
as 169.254.169.254 and 100.100.100.200, documentation and reserved ranges),
unless ``WEBHOOK_ALLOW_PRIVATE`` is set; then the connection goes to that
exact checked address, with the name kept for ``Host`` and TLS (SNI and
certificate check). A name that resolves to something else a moment later
(DNS rebinding) is never connected to. Registration applies the same check.

**Deadline.** One call, from connecting to reading the status line, has one
total deadline (:data:`DEADLINE_SECONDS`): each socket operation waits at
most what is left of it, so a receiver that drips its answer cannot hold the
call longer. Redirects are not followed.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from ..errors import UsageError

SIGNATURE_HEADER = "X-Grader-Signature"
TIMESTAMP_HEADER = "X-Grader-Timestamp"
TOLERANCE_SECONDS = 300
DEADLINE_SECONDS = 10.0
MAX_ANSWER_HEAD = 16 * 1024

Resolver = Callable[[str, int], list[str]]


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value: HMAC-SHA256 of ``<timestamp>.<body>``."""
    message = str(timestamp).encode() + b"." + body
    return "sha256=" + hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    body: bytes,
    timestamp: str,
    header: str,
    *,
    tolerance: int = TOLERANCE_SECONDS,
    now: float | None = None,
) -> bool:
    """What a receiver does: fresh timestamp, then the signature compared in constant time."""
    if not timestamp.isdigit():
        return False
    stamp = int(timestamp)
    if abs((time.time() if now is None else now) - stamp) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, stamp, body), header)


class RefusedAddress(ValueError):
    """The callback host is (or resolves to) an address the service does not call."""


def check_url(url: str) -> str:
    """A callback URL must be absolute http(s) with a host (the address is checked separately)."""
    if not url.isascii() or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url):
        raise UsageError(
            f"invalid callback URL {url!r}: spaces, control or non-ASCII characters",
            hint="percent-encode them (and write an international host name in its xn-- form)",
        )
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"invalid callback URL {url!r}", hint="give an absolute http:// or https:// URL")
    try:
        parts.port  # noqa: B018 - raises ValueError on a port out of range
    except ValueError:
        raise UsageError(
            f"invalid port in callback URL {url!r}", hint="give a port from 1 to 65535"
        ) from None
    return url


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (one lookup)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(f"cannot resolve {host}: {exc}") from None
    return [str(info[4][0]) for info in infos]


def checked_addresses(
    host: str, port: int, *, allow_private: bool, resolver: Resolver = system_resolver
) -> list[str]:
    """Resolve ``host`` once; the addresses to connect to, if every address it gave is allowed."""
    addresses = list(dict.fromkeys(resolver(host, port)))
    if not addresses:
        raise RefusedAddress(f"{host} resolves to no address")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not allow_private and not is_public(address):
            raise RefusedAddress(f"{host} resolves to the non-public address {address}")
    return addresses


def checked_address(
    host: str, port: int, *, allow_private: bool, resolver: Resolver = system_resolver
) -> str:
    """The first of :func:`checked_addresses` (what registration checks)."""
    return checked_addresses(host, port, allow_private=allow_private, resolver=resolver)[0]


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def is_public(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> bool:
    """``is_global``, and for IPv6 also every IPv4 address it carries (mapped, 6to4, Teredo, NAT64)."""
    if not address.is_global:
        return False
    if isinstance(address, ipaddress.IPv6Address):
        inner = [address.ipv4_mapped, address.sixtofour, address.teredo[1] if address.teredo else None]
        if address in _NAT64:
            inner.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
        return all(found is None or found.is_global for found in inner)
    return True


@dataclass(frozen=True)
class Outcome:
    """What one call gave: the receiver's status (None if no answer) or why it failed."""

    status: int | None
    error: str = ""
    refused: bool = False

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


class _Deadline:
    def __init__(self, seconds: float) -> None:
        self.end = time.monotonic() + seconds
        self.seconds = seconds

    def left(self) -> float:
        remaining = self.end - time.monotonic()
        if remaining <= 0:
            raise TimeoutError(f"no complete answer within {self.seconds:g} s")
        return remaining


def _connect(addresses: list[str], port: int, clock: _Deadline) -> socket.socket:
    """A connection to the first checked address that answers, tried in order within the deadline."""
    failure: OSError | None = None
    for address in addresses:
        try:
            return socket.create_connection((address, port), timeout=clock.left())
        except TimeoutError:
            raise
        except OSError as exc:  # refused, unreachable: the next checked address may work
            failure = exc
    raise failure or OSError("no address to connect to")


def post(
    url: str,
    body: bytes,
    headers: dict[str, str],
    *,
    allow_private: bool,
    deadline: float = DEADLINE_SECONDS,
    resolver: Resolver = system_resolver,
    tls: ssl.SSLContext | None = None,
) -> Outcome:
    """POST ``body`` to ``url`` at its checked address, within ``deadline`` seconds in all."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        addresses = checked_addresses(host, port, allow_private=allow_private, resolver=resolver)
    except RefusedAddress as exc:
        return Outcome(None, f"refused: {exc}", refused=True)
    clock = _Deadline(deadline)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    host_header = host if ":" not in host else f"[{host}]"
    if parts.port:
        host_header += f":{parts.port}"
    lines = [f"POST {target} HTTP/1.1", f"Host: {host_header}", f"Content-Length: {len(body)}"]
    lines += [f"{name}: {value}" for name, value in headers.items()] + ["Connection: close", "", ""]
    request = "\r\n".join(lines).encode("latin-1") + body
    sock: socket.socket | None = None
    try:
        sock = _connect(addresses, port, clock)
        if parts.scheme == "https":
            context = tls or ssl.create_default_context()
            sock.settimeout(clock.left())
            sock = context.wrap_socket(sock, server_hostname=host)
        sock.settimeout(clock.left())
        sock.sendall(request)
        head = b""
        while b"\r\n" not in head:
            sock.settimeout(clock.left())
            chunk = sock.recv(1024)
            if not chunk:
                break
            head += chunk
            if len(head) > MAX_ANSWER_HEAD:
                break
        status_line = head.split(b"\r\n", 1)[0].decode("latin-1")
        fields = status_line.split(" ", 2)
        if len(fields) < 2 or not fields[0].startswith("HTTP/") or not fields[1].isdigit():
            return Outcome(None, f"not an HTTP answer: {status_line[:80]!r}")
        status = int(fields[1])
        return Outcome(status, "" if 200 <= status < 300 else f"HTTP {status}")
    except TimeoutError:
        return Outcome(None, f"no complete answer within {deadline:g} s")
    except (OSError, ValueError) as exc:  # ssl errors are OSErrors too
        return Outcome(None, str(exc) or type(exc).__name__)
    finally:
        if sock is not None:
            sock.close()
