"""A browser-like cookie jar for the suites' client, the same in both transports.

Each :class:`~grader.testkit.client.Client` holds one jar: cookies an app
sets are stored with their attributes, sent back on later requests whose
path matches, and dropped when they expire, as a browser does for
``http://localhost`` (which browsers treat as a secure context, so
``Secure`` cookies are sent too). Parsing is lenient, like a browser's, and
every attribute stays readable, so a suite can check ``HttpOnly`` or
``SameSite``. Flask's own test-client cookie handling is switched off, so
local mode cannot differ from docker mode here.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class Cookie:
    """One cookie as an app set it."""

    name: str
    value: str
    path: str = "/"
    expires: float | None = None
    http_only: bool = False
    same_site: str | None = None
    secure: bool = False

    def expired(self, now: float | None = None) -> bool:
        return self.expires is not None and self.expires <= (time.time() if now is None else now)


def _default_path(request_path: str) -> str:
    """RFC 6265 5.1.4: the request path up to, not including, its last slash."""
    if not request_path.startswith("/") or request_path.count("/") == 1:
        return "/"
    return request_path[: request_path.rindex("/")]


def parse_set_cookie(header: str, request_path: str = "/") -> Cookie | None:
    """A ``Set-Cookie`` header value as a :class:`Cookie`, or None if it names no cookie."""
    first, *attributes = header.split(";")
    name, sep, value = first.partition("=")
    name = name.strip()
    if not sep or not name:
        return None
    path, expires, max_age = _default_path(request_path), None, None
    http_only = secure = False
    same_site = None
    for attribute in attributes:
        key, _, raw = attribute.partition("=")
        key, raw = key.strip().lower(), raw.strip()
        if key == "path" and raw.startswith("/"):
            path = raw
        elif key == "expires":
            try:
                expires = parsedate_to_datetime(raw).timestamp()
            except (TypeError, ValueError):
                continue
        elif key == "max-age":
            try:
                max_age = int(raw)
            except ValueError:
                continue
        elif key == "httponly":
            http_only = True
        elif key == "secure":
            secure = True
        elif key == "samesite":
            same_site = raw
    if max_age is not None:  # Max-Age wins over Expires
        expires = time.time() + max_age if max_age > 0 else 0.0
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return Cookie(name, value, path, expires, http_only, same_site, secure)


def _path_matches(request_path: str, cookie_path: str) -> bool:
    if request_path == cookie_path or cookie_path == "/":
        return True
    return request_path.startswith(cookie_path) and (
        cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    )


class CookieJar:
    """The cookies of one client, keyed by name and path."""

    def __init__(self) -> None:
        self._cookies: dict[tuple[str, str], Cookie] = {}

    def store(self, headers: Iterable[str], request_path: str) -> None:
        """Take in every ``Set-Cookie`` of a response to ``request_path``."""
        for header in headers:
            cookie = parse_set_cookie(header, request_path)
            if cookie is None:
                continue
            key = (cookie.name, cookie.path)
            if cookie.expired():
                self._cookies.pop(key, None)
            else:
                self._cookies[key] = cookie

    def header(self, request_path: str) -> str | None:
        """The ``Cookie`` header for a request to ``request_path`` (longest paths first)."""
        now = time.time()
        live = [
            c for c in self._cookies.values() if not c.expired(now) and _path_matches(request_path, c.path)
        ]
        live.sort(key=lambda c: -len(c.path))
        return "; ".join(f"{c.name}={c.value}" for c in live) or None

    def set(self, name: str, value: str, path: str = "/") -> None:
        """Put a hand-made (or tampered) cookie in the jar."""
        self._cookies[(name, path)] = Cookie(name, value, path)

    def get(self, name: str) -> str | None:
        """The value of a live cookie called ``name`` (any path), or None."""
        now = time.time()
        return next((c.value for c in self._cookies.values() if c.name == name and not c.expired(now)), None)

    def clear(self) -> None:
        self._cookies.clear()

    def __iter__(self):  # type: ignore[no-untyped-def]
        now = time.time()
        return iter([c for c in self._cookies.values() if not c.expired(now)])
