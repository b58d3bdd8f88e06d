"""Which grader process owns a container, and pruning what dead ones left.

Every container carries ``org.flask-grader.owner=HOST:PIDNS:PID``: the host
name, the inode of the grader's PID namespace and its PID. A leftover is
removed only when this process can *prove* its owner is dead: same host
name, same PID namespace, and no such process. Containers of other hosts
sharing the engine, of other PID namespaces (graders in containers) and of
older label formats are left alone and counted, so a shared engine never
loses another machine's live grading.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from typing import Any

LABEL = "org.flask-grader"
LABEL_RUN = "org.flask-grader.run"
LABEL_OWNER = "org.flask-grader.owner"


def _pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "unknown"


def owner(pid: int | None = None) -> str:
    """This process's owner label (or that of ``pid`` in this namespace)."""
    return f"{socket.gethostname()}:{_pid_namespace()}:{pid or os.getpid()}"


def provably_dead(label: str | None) -> bool:
    """True only if ``label`` names a process of this host and PID namespace that no longer exists."""
    parts = (label or "").rsplit(":", 2)
    if len(parts) != 3:
        return False
    host, namespace, pid = parts
    if host != socket.gethostname() or namespace != _pid_namespace() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class PruneReport:
    """What a prune did: objects removed, and containers it could not prove abandoned."""

    removed: int
    skipped: int

    def __str__(self) -> str:
        text = f"removed {self.removed} leftover object(s)"
        if self.skipped:
            text += (
                f"; left {self.skipped} container(s) alone: their grader runs on another host or "
                "PID namespace, or is still running (`--all` removes them too)"
            )
        return text


def prune(client: Any = None, *, everything: bool = False) -> PruneReport:
    """Remove what killed gradings of this host left behind.

    With ``everything``, remove every labelled container, live gradings included.
    """
    from docker.errors import APIError  # NotFound is one: already gone is fine

    from .docker import connect

    client = client or connect()
    removed = skipped = 0
    filters = {"label": LABEL}
    for container in client.containers.list(all=True, filters=filters):
        if not everything and not provably_dead(container.labels.get(LABEL_OWNER)):
            skipped += 1
            continue
        try:
            container.remove(force=True, v=True)
            removed += 1
        except APIError:
            continue
    for collection in (client.networks, client.volumes):
        for item in collection.list(filters=filters):
            try:
                item.remove()
                removed += 1
            except APIError:
                continue
    return PruneReport(removed, skipped)
