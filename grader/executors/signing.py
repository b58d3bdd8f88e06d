"""Authenticated broker messages: HMAC-SHA256 envelopes, a replay guard, the shared key.

Redis is a relay, not a trusted party: whoever reaches it can read, drop,
reorder or write anything there. So every job, result and notice the grader
puts in it is an *envelope* ::

    {"purpose": "job", "nonce": "<32 hex>", "expires": 1767225600, "body": {...}, "mac": "<64 hex>"}

whose ``mac`` is HMAC-SHA256, under a key that never enters Redis, over the
canonical JSON (sorted keys, no whitespace, ASCII) of everything else. The
purpose is signed too, so a result cannot be passed off as a job or a
notice; the nonce is fresh for every message, so a receiver can bind an
answer to the question it asked and refuse the same job twice; the expiry is
inside the signed part, so it cannot be extended. Standard library only.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import re
import secrets
import stat
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import UsageError

#: The environment variable holding the key itself.
KEY_ENV = "GRADER_BROKER_KEY"
#: The environment variable naming a file that holds the key (same as ``--broker-key-file``).
KEY_FILE_ENV = "GRADER_BROKER_KEY_FILE"
#: The shortest key accepted, in characters (``secrets.token_hex(32)`` gives 64).
MIN_KEY_CHARS = 32
#: Largest key file read: a key, not a document.
MAX_KEY_FILE_BYTES = 4096
KEY_HINT = (
    f"set {KEY_ENV} or pass --broker-key-file FILE (or {KEY_FILE_ENV}=FILE) with the same secret of at "
    f"least {MIN_KEY_CHARS} characters on the client and every worker, e.g. "
    "`python3 -c 'import secrets; print(secrets.token_hex(32))'`"
)
NONCE = re.compile(r"[0-9a-f]{32}")
_MAC = re.compile(r"[0-9a-f]{64}")
_FIELDS = frozenset({"purpose", "nonce", "expires", "body", "mac"})


class Refused(Exception):
    """A message that must not be used; ``str()`` says why, in words for a log or a report."""


class Forged(Refused):
    """Not signed with our key: forged, tampered with, truncated or signed with another key."""


class Expired(Refused):
    """Authentic, but its expiry (signed) has passed."""


@dataclass(frozen=True)
class Opened:
    """An authenticated message: its body, its nonce and its expiry (Unix seconds)."""

    body: dict[str, Any]
    nonce: str
    expires: int


def canonical(value: Any) -> bytes:
    """The one byte string a value is signed as: sorted keys, no whitespace, ASCII, no NaN."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=True, allow_nan=False
    ).encode()


def _mac(key: bytes, envelope: Mapping[str, Any]) -> str:
    unsigned = {name: value for name, value in envelope.items() if name != "mac"}
    return hmac.new(key, canonical(unsigned), hashlib.sha256).hexdigest()


def seal(
    key: bytes, purpose: str, body: Mapping[str, Any], ttl: float, now: float | None = None
) -> dict[str, Any]:
    """``body`` in a signed envelope for ``purpose``, valid for ``ttl`` seconds, with a fresh nonce."""
    envelope: dict[str, Any] = {
        "purpose": purpose,
        "nonce": secrets.token_hex(16),
        "expires": int((time.time() if now is None else now) + ttl),
        "body": dict(body),
    }
    envelope["mac"] = _mac(key, envelope)
    return envelope


def unseal(key: bytes, message: object, purpose: str, now: float | None = None) -> Opened:
    """The authenticated content of ``message``, or :class:`Forged` / :class:`Expired` saying why not.

    The MAC is checked (in constant time) before anything else is believed,
    so ``Expired`` is only ever said of a message the key's holder signed.
    """
    if not isinstance(message, dict) or set(message) != _FIELDS:
        raise Forged("it is not a signed message (no signature, or fields added or removed)")
    mac = message["mac"]
    if not isinstance(mac, str) or not _MAC.fullmatch(mac):
        raise Forged("its signature is missing or malformed")
    try:
        expected = _mac(key, message)
    except (TypeError, ValueError):  # a value JSON cannot express canonically (NaN): never ours
        raise Forged("it cannot be put in canonical form") from None
    if not hmac.compare_digest(expected, mac):
        raise Forged("its signature does not match the broker key (forged, tampered with, or another key)")
    body, nonce, expires = message["body"], message["nonce"], message["expires"]
    if message["purpose"] != purpose:
        raise Forged(f"it is a signed {str(message['purpose'])[:20]!r}, not a {purpose!r}")
    if not isinstance(body, dict) or not isinstance(nonce, str) or not NONCE.fullmatch(nonce):
        raise Forged("it is signed but malformed")
    if not isinstance(expires, int) or isinstance(expires, bool):
        raise Forged("it is signed but its expiry is malformed")
    moment = time.time() if now is None else now
    if expires < moment:
        stamp = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(expires))
        raise Expired(f"it expired at {stamp}")
    return Opened(body, nonce, expires)


class ReplayGuard:
    """The nonces this process has accepted, each kept until its message expires.

    It lives in the receiver's memory, never in Redis, so whoever controls
    Redis cannot make it forget. Thread-safe (a worker grades on threads).
    """

    def __init__(self) -> None:
        self._seen: dict[str, int] = {}
        self._lock = threading.Lock()
        self._next_purge = 0.0

    def first_time(self, opened: Opened, now: float | None = None) -> bool:
        """True the first time ``opened``'s nonce is seen here (and remember it); False for a replay."""
        moment = time.time() if now is None else now
        with self._lock:
            if moment >= self._next_purge:
                self._seen = {nonce: until for nonce, until in self._seen.items() if until >= moment}
                self._next_purge = moment + 60
            if opened.nonce in self._seen:
                return False
            self._seen[opened.nonce] = opened.expires
            return True

    def __len__(self) -> int:
        return len(self._seen)


def load_key(key_file: Path | None = None, environ: Mapping[str, str] | None = None) -> bytes:
    """The broker key: from ``key_file`` if given, else ``$GRADER_BROKER_KEY``.

    Raises :class:`UsageError` (exit 2) saying how to provide it when there is
    none, when it is too short, or when the file is readable or writable by
    others than its owner and group (or writable by the group): a key others
    can read or replace authenticates nothing.
    """
    env = os.environ if environ is None else environ
    if key_file is None:
        text = env.get(KEY_ENV, "")
        if not text.strip():
            raise UsageError("no broker key", hint=KEY_HINT)
        return _checked(text, KEY_ENV)
    try:
        with open(key_file, "rb") as handle:
            info = os.fstat(handle.fileno())
            if not stat.S_ISREG(info.st_mode):
                raise UsageError(f"the broker key file {key_file} is not a regular file", hint=KEY_HINT)
            if info.st_mode & 0o027:
                raise UsageError(
                    f"the broker key file {key_file} is open to others "
                    f"(mode {stat.S_IMODE(info.st_mode):04o})",
                    hint=f"chmod 600 {key_file} (or 640 to share it with the workers' group)",
                )
            data = handle.read(MAX_KEY_FILE_BYTES + 1)
    except OSError as exc:
        raise UsageError(
            f"cannot read the broker key file {key_file} ({exc.strerror})", hint=KEY_HINT
        ) from None
    if len(data) > MAX_KEY_FILE_BYTES:
        raise UsageError(f"the broker key file {key_file} is not a key (over {MAX_KEY_FILE_BYTES} bytes)")
    try:
        return _checked(data.decode("utf-8"), str(key_file))
    except UnicodeDecodeError:
        raise UsageError(f"the broker key file {key_file} is not text", hint=KEY_HINT) from None


def _checked(text: str, where: str) -> bytes:
    key = text.strip()
    if len(key) < MIN_KEY_CHARS:
        raise UsageError(
            f"the broker key in {where} is shorter than {MIN_KEY_CHARS} characters", hint=KEY_HINT
        )
    return key.encode("utf-8")
