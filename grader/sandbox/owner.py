"""Which grader process owns a container, and pruning what dead ones left.

Every container carries ``org.flask-grader.owner=HOST:PID`` (the host name
and the grader's PID) and ``org.flask-grader.pidns`` (the inode of the
grader's PID namespace, since PIDs are only unique within one). A leftover is
removed only when this process can *prove* its owner is dead: same host
name, same PID namespace, and no such process. Containers of other hosts
sharing the engine, of other PID namespaces (graders in containers) and of
older label formats are left alone and counted, so a shared engine never
loses another machine's live grading.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .engine import connect

LABEL = "org.flask-grader"
LABEL_RUN = "org.flask-grader.run"
LABEL_OWNER = "org.flask-grader.owner"
LABEL_PIDNS = "org.flask-grader.pidns"
#: A claimed container's name (:mod:`.spares`): role, run id, and the claimer's PID and PID namespace.
CLAIMED = re.compile(r"^/?grader-(app|tests)-([0-9a-f]{12})-by-(\d+)-(\d+)$")


def pid_namespace() -> str:
    try:
        return str(os.stat("/proc/self/ns/pid").st_ino)
    except OSError:
        return "unknown"


def owner(pid: int | None = None) -> str:
    """This process's owner label (or that of ``pid`` in this namespace)."""
    return f"{socket.gethostname()}:{pid or os.getpid()}"


def owner_labels(pid: int | None = None) -> dict[str, str]:
    """Both labels that name a container's owner."""
    return {LABEL_OWNER: owner(pid), LABEL_PIDNS: pid_namespace()}


def run_labels(run_id: str) -> dict[str, str]:
    """What every container this process makes carries: the grader's label, its run id, its owner."""
    return {LABEL: "1", LABEL_RUN: run_id, **owner_labels()}


def owner_of(summary: dict[str, Any]) -> dict[str, str]:
    """The owner labels that count for a container of the engine's list.

    Its labels name the process that made it; a pair claimed from the pool
    (:mod:`.spares`) is renamed to name the process that claimed it, which
    owns it from then on. A spare nobody claimed belongs to its maker.
    """
    labels = dict(summary.get("Labels") or {})
    for name in summary.get("Names") or []:
        found = CLAIMED.match(name)
        if found:
            host = labels.get(LABEL_OWNER, "").rpartition(":")[0]
            labels[LABEL_OWNER] = f"{host}:{found.group(3)}"
            labels[LABEL_PIDNS] = found.group(4)
    return labels


def provably_dead(labels: dict[str, str]) -> bool:
    """True only if the labels name a process of this host and PID namespace that no longer exists."""
    host, _, pid = labels.get(LABEL_OWNER, "").rpartition(":")
    if host != socket.gethostname() or labels.get(LABEL_PIDNS) != pid_namespace() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _zombie(int(pid))


def _zombie(pid: int) -> bool:
    """A killed process its parent has not reaped yet: dead, though ``kill(pid, 0)`` still finds it."""
    try:
        stat = open(f"/proc/{pid}/stat", encoding="ascii", errors="replace").read()  # noqa: SIM115
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] == ["Z"]


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


def _anything(summary: dict[str, Any]) -> bool:
    return True


def prune(
    client: Any = None,
    *,
    everything: bool = False,
    may_remove: Callable[[dict[str, Any]], bool] = _anything,
) -> PruneReport:
    """Remove what killed gradings of this host left behind.

    With ``everything``, remove every labelled container, live gradings
    included. Otherwise ``may_remove`` has the last word on a container of
    a dead owner (the pool leaves a spare another process is claiming right
    now, or one of another pool folder: :mod:`.pool`).
    """
    from docker.errors import APIError  # NotFound is one: already gone is fine

    client = client or connect()
    removed = skipped = 0
    filters = {"label": LABEL}
    # sparse: the list answer itself, no inspect per container that another prune may race to remove
    for container in client.containers.list(all=True, filters=filters, sparse=True):
        if not everything and not (provably_dead(owner_of(container.attrs)) and may_remove(container.attrs)):
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


def prune_owner(
    client: Any, labels: dict[str, str], may_remove: Callable[[dict[str, Any]], bool] = _anything
) -> int:
    """Remove the containers of exactly one owner (``owner_labels`` of a dead process); how many.

    For a caller that knows which process it succeeds (the grading service
    keeps a scratch folder per process): nothing of any other owner is
    touched, and nothing at all unless that owner is provably dead.
    """
    from docker.errors import APIError

    if not provably_dead(labels):
        return 0
    wanted = {k: labels[k] for k in (LABEL_OWNER, LABEL_PIDNS)}
    removed = 0
    for container in client.containers.list(all=True, filters={"label": LABEL}, sparse=True):
        theirs = owner_of(container.attrs)
        if {k: theirs.get(k) for k in wanted} != wanted or not provably_dead(theirs):
            continue
        if not may_remove(container.attrs):
            continue
        try:
            container.remove(force=True, v=True)
            removed += 1
        except APIError:  # already gone (another prune): fine
            continue
    return removed
