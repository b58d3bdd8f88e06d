"""The body limit, enforced from the request's headers before its body is read.

waitress reads a whole request body (spooling it to disk) before the app
sees the request, so checks in Flask come too late to spare the server. Here
waitress's parser is given a gate that runs as soon as the headers are in:

- a body larger than :data:`ANONYMOUS_BODY_BYTES` (or of unknown length,
  ``Transfer-Encoding: chunked``) must come with a valid API token (under
  ``/api/``), a live dashboard session or, for a candidate's upload
  (``/i/<token>/submissions``), an unrevoked invitation's token, else it is
  answered 401 at once;
  the login form and every other anonymous request fit well under it;
- an authenticated body announced larger than the limit (:func:`body_limit`:
  the upload limit plus :data:`FORM_ALLOWANCE` for the other form fields) is
  answered 413 at once (a chunked body is cut by waitress at the limit).

Either answer is an RFC 9457 problem and closes the connection; the body's
bytes are never stored. Flask's ``MAX_CONTENT_LENGTH`` applies the same
limit again inside the app.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError
from waitress.channel import HTTPChannel
from waitress.parser import HTTPRequestParser
from waitress.utilities import Error

from . import invitations
from .auth import bearer_token, team_for_token
from .context import db_session

ANONYMOUS_BODY_BYTES = 64 * 1024
FORM_ALLOWANCE = 64 * 1024

#: (method, path, headers as waitress keeps them, client address) -> the refusal, if any
Gate = Callable[[str, str, dict[str, str], str, int | None], "Refusal | None"]


def body_limit(max_upload_mb: float) -> int:
    """The largest request body accepted, in bytes."""
    return int(max_upload_mb * 2**20) + FORM_ALLOWANCE


class Refusal(Error):
    """An answer given from the headers alone, as a problem details body."""

    def __init__(self, code: int, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.code, self.reason = code, reason

    def to_response(self, ident: str | None = None) -> tuple[str, list[tuple[str, str]], bytes]:
        body = {"type": "about:blank", "title": self.reason, "status": self.code, "detail": self.body}
        headers = [("Content-Type", "application/problem+json")]
        if self.code == 401:
            headers.append(("WWW-Authenticate", 'Bearer realm="grader"'))
        return f"{self.code} {self.reason}", headers, json.dumps(body).encode()


def _authenticated(app: Flask, method: str, path: str, headers: dict[str, str], client: str) -> bool:
    """Would the app accept this request's credentials? (token or session, checked as the app does)"""
    http_headers = {key.replace("_", "-"): value for key, value in headers.items()}
    http_headers.pop("CONTENT-LENGTH", None)
    http_headers.pop("TRANSFER-ENCODING", None)
    with app.test_request_context(
        path, method=method, headers=http_headers, environ_base={"REMOTE_ADDR": client}
    ):
        if path.startswith("/i/") and path.endswith("/submissions"):  # a candidate's upload
            found = invitations.lookup(db_session(), path.split("/")[2])
            return found is not None and found.revoked_at is None
        if path.startswith("/api/"):
            token = bearer_token()
            return bool(token) and team_for_token(db_session(), token or "") is not None
        return bool(current_user.is_authenticated)


def make_gate(app: Flask, limit: int) -> Gate:
    """The gate for ``app``: refuse too large, or large and unauthenticated, bodies up front."""

    def gate(
        method: str, path: str, headers: dict[str, str], client: str, length: int | None
    ) -> Refusal | None:
        if length is not None and length <= ANONYMOUS_BODY_BYTES:
            return None
        try:
            authenticated = _authenticated(app, method, path, headers, client)
        except SQLAlchemyError:
            return Refusal(503, "Service Unavailable", "the database did not answer: try again shortly")
        if not authenticated:
            api = path.startswith("/api/")
            where = "send a valid token (Authorization: Bearer <token>)" if api else "log in"
            return Refusal(
                401, "Unauthorized",
                f"{where} before sending a body of more than {ANONYMOUS_BODY_BYTES // 1024} KiB",
            )  # fmt: skip
        if length is not None and length > limit:
            return Refusal(
                413, "Content Too Large",
                f"the request body is {length} bytes; the limit is {limit} bytes "
                f"({app.config['MAX_UPLOAD_MB']} MiB upload and form fields)",
            )  # fmt: skip
        return None

    return gate


class GatedParser(HTTPRequestParser):  # type: ignore[misc]
    """waitress's parser, asking the gate once the headers are in and a body is announced."""

    error: Error | None
    completed: bool
    expect_continue: bool

    def __init__(self, adj: Any, *, gate: Gate, client: str) -> None:
        super().__init__(adj)
        self._gate = gate
        self._client = client

    def received(self, data: bytes) -> int:
        before = self.headers_finished
        consumed: int = super().received(data)
        if before or not self.headers_finished or self.empty:
            return consumed
        length = None if self.chunked else self.content_length
        if self.error is not None and self.error.code != 413:
            return consumed
        if self.error is None and self.completed:
            return consumed  # no body
        refusal = self._gate(self.command, self.path, self.headers, self._client, length)
        if refusal is not None:
            self.error = refusal
            self.completed = True
            self.expect_continue = False  # no "100 Continue": the body is not wanted
        return consumed


class GatedChannel(HTTPChannel):  # type: ignore[misc]
    """A channel whose requests are parsed by :class:`GatedParser`."""

    gate: Gate

    def __init__(self, server: Any, sock: Any, addr: Any, adj: Any, map: Any = None) -> None:  # noqa: A002
        super().__init__(server, sock, addr, adj, map=map)
        client = str(addr[0]) if isinstance(addr, tuple) else ""
        self.parser_class = functools.partial(GatedParser, gate=self.gate, client=client)


def gated_channel(gate: Gate) -> type[GatedChannel]:
    """A channel class bound to ``gate`` (waitress creates channels from the class)."""
    return type("BoundGatedChannel", (GatedChannel,), {"gate": staticmethod(gate)})
