"""Webhook secrets encrypted at rest (Fernet) with a key kept in the data folder.

The database alone (a PostgreSQL dump, a leaked backup) does not give the
secrets that sign webhook calls: each is stored as ``fernet:<token>``, and
the key is ``webhook_key`` in the data folder, generated once, readable only
by the service's user. Back the key up with the database; without it the
stored secrets cannot be read and the webhooks must be registered again.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import Webhook

PREFIX = "fernet:"
KEY_FILE = "webhook_key"


class SecretBox:
    """Seals and opens webhook secrets with the data folder's key."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)

    @classmethod
    def for_data_dir(cls, data_dir: Path) -> SecretBox:
        """The box of ``data_dir``, creating its key (mode 0600) on first use."""
        path = data_dir / KEY_FILE
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
        return cls(path.read_bytes().strip())

    def seal(self, secret: str) -> str:
        return PREFIX + self._fernet.encrypt(secret.encode()).decode()

    def open(self, stored: str) -> str:
        """The plain secret; ValueError when the key does not match (say what to do)."""
        if not stored.startswith(PREFIX):
            return stored  # written before sealing existed; seal_all() seals it on start
        try:
            return self._fernet.decrypt(stored[len(PREFIX) :].encode()).decode()
        except InvalidToken:
            raise ValueError(
                f"the webhook secret cannot be opened with this data folder's {KEY_FILE}: "
                "restore the key or register the webhook again"
            ) from None

    def seal_all(self, session: Session) -> int:
        """Seal every secret still stored in clear (databases from before sealing); returns how many."""
        count = 0
        for hook in session.scalars(select(Webhook).where(Webhook.secret.not_like(PREFIX + "%"))):
            hook.secret = self.seal(hook.secret)
            count += 1
        return count
