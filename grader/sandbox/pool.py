"""Spare container pairs, created and started before their submission exists.

Most of a docker grading's start is the same for every submission of a
challenge: two containers created and started, Python started in each,
Flask, gunicorn and pytest imported. A *spare* is such a pair, made ahead
of time and left waiting: its launcher and its runner block on a go file
(``/grader-go/now``) that only the host can create, in a folder mounted
read-only into both. A grading that finds a spare for its challenge claims
it, copies its staged submission into the spare's (so far empty) submission
folder, creates the go file, and is under way; otherwise it makes a pair
just for itself, the same way, and goes at once.

What this keeps, exactly as before:

* every candidate's app runs in a container of its own, used for one
  submission: a claimed pair is removed after its run, never returned;
* the containers are made by the same pure specs, with the same hardening
  and limits; nothing of the submission runs before the go, and the hidden
  tests are only ever in the runner's container;
* one process on this host gets a spare, whether it claims it or removes
  it: both first create the spare's ``claimed`` file exclusively
  (``O_EXCL``, :meth:`Slot.take`). A claimer then renames both containers
  (``grader-pool-RUN`` to ``grader-app-RUN-by-PID-PIDNS``), and the new
  name says which process owns the pair from then on, so ``grader sandbox
  prune`` removes a pair whose claimer died, and a spare whose maker died
  (:mod:`.owner`), but never a spare another process has just claimed
  (:func:`may_remove`);
* a spare is used only for the exact thing it was made for: its label
  ``org.flask-grader.pool`` is a digest of the image id, the grader code
  mounted into it, the suite's folder (the runner mounts that path) and
  its files, the limits, the ``[env]`` template,
  the server settings, this host and PID namespace and this pool folder. A
  rebuilt image, a changed challenge or an upgraded grader never matches;
* a spare older than :data:`MAX_AGE_SECONDS` is never claimed: the next
  refill of its own pool folder takes its slot and removes it; its
  processes end by themselves a minute later, if nobody removed it.

Spares per challenge: :data:`DEFAULT_SPARES` (``GRADER_POOL``; 0 turns them
off); a process that grades many keeps runners instead (:mod:`.kept`). The pool folder (``GRADER_POOL_DIR``,
default ``~/.cache/flask-grader/pool``, 0700) holds one folder per pair,
named by the pair's generated run id, removed with the pair.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from .base import RunRequest, own_cache_dir
from .owner import LABEL, LABEL_OWNER, LABEL_PIDNS, LABEL_RUN, owner_labels, pid_namespace, provably_dead

LABEL_POOL = "org.flask-grader.pool"
LABEL_ROLE = "org.flask-grader.role"
LABEL_MADE = "org.flask-grader.made"
#: A spare waiting longer than this is not claimed but replaced (seconds).
MAX_AGE_SECONDS = 300.0
#: How long a spare's processes wait for their go before they end by themselves.
IDLE_SECONDS = MAX_AGE_SECONDS + 60.0
DEFAULT_SPARES = 2
#: Inside both containers: the folder holding the go file, and the go file.
GO_MOUNT = "/grader-go"
GO_FILE = f"{GO_MOUNT}/now"
_PACKAGE = Path(__file__).resolve().parents[1]
_RUN_ID = re.compile(r"^[0-9a-f]{12}$")
_code_digest: str | None = None


def spares_wanted() -> int:
    """``GRADER_POOL``: spare pairs kept per challenge (default 2; 0: none)."""
    raw = os.environ.get("GRADER_POOL", "").strip()
    return max(int(raw), 0) if raw.isdigit() else DEFAULT_SPARES


def pool_dir() -> Path:
    """The pool's folder (``GRADER_POOL_DIR``), created 0700 and checked to be this user's own."""
    return own_cache_dir("pool", os.environ.get("GRADER_POOL_DIR"))


def _tree_digest(root: Path, into: Any) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file() and "__pycache__" not in path.parts:
            into.update(str(path.relative_to(root)).encode() + b"\0")
            into.update(path.read_bytes() + b"\0")


def code_digest() -> str:
    """A digest of the grader code mounted into the containers (what a pooled process has imported)."""
    global _code_digest
    if _code_digest is None:
        digest = hashlib.sha256()
        for part in ("appkit", "testkit"):
            _tree_digest(_PACKAGE / part, digest)
        for name in ("__init__.py", "protocol.py"):
            digest.update((_PACKAGE / name).read_bytes())
        _code_digest = digest.hexdigest()
    return _code_digest


def pool_key(request: RunRequest, image_id: str, root: Path) -> str:
    """What a spare must match to serve ``request``: see the module docstring."""
    suite = hashlib.sha256()
    _tree_digest(Path(request.tests_dir), suite)
    material = {
        "image": image_id,
        "code": code_digest(),
        "suite": suite.hexdigest(),
        # the runner mounts this folder: a spare made for another copy of the same suite would run
        # whatever that path holds by then (nothing, once its copy is removed)
        "suite_folder": str(Path(request.tests_dir).resolve()),
        "limits": asdict(request.limits),
        "env": sorted((request.env_template if request.env_template is not None else request.env).items()),
        "drawn": request.env_template is not None,
        "workers": request.workers,
        "first_failure": request.first_failure,
        "where": [socket.gethostname(), pid_namespace(), str(root)],
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Slot:
    """A pair's folder on the host: the submission copied in, and the go folder."""

    run_id: str
    path: Path

    @property
    def submission(self) -> Path:
        return self.path / "submission"

    @property
    def go(self) -> Path:
        return self.path / "go"

    @classmethod
    def make(cls, root: Path, run_id: str) -> Slot:
        slot = cls(run_id, root / run_id)
        slot.path.mkdir(mode=0o755)
        _write_owner(slot.path / "maker")  # before its containers exist: a prune leaves it to its maker
        for folder in (slot.path, slot.submission, slot.go):
            folder.mkdir(mode=0o755, exist_ok=True)
            os.chmod(folder, 0o755)  # the sandbox's user reads both mounts
        return slot

    def take(self) -> bool:
        """Create ``claimed`` naming this process; one process on this host wins (``O_EXCL``)."""
        return _write_owner(self.path / "claimed")

    def is_in(self, root: Path) -> bool:
        """Whether this slot is one of the pool folder ``root``'s."""
        return self.path == root / self.run_id

    def holder(self, name: str) -> dict[str, str] | None:
        """The owner labels written in ``maker`` or ``claimed``; None if there is no such file."""
        try:
            host_pid, _, pidns = (self.path / name).read_text(encoding="utf-8").partition(" ")
        except OSError:
            return None
        return {LABEL_OWNER: host_pid, LABEL_PIDNS: pidns.strip()}

    def fill(self, staged_root: Path) -> None:
        """Copy the staged submission in, then say go (the go file is the last thing written)."""
        shutil.copytree(staged_root, self.submission, dirs_exist_ok=True, symlinks=True)
        os.close(os.open(self.go / "now", os.O_CREAT | os.O_WRONLY, 0o644))

    def remove(self) -> None:
        shutil.rmtree(self.path, ignore_errors=True)


def _write_owner(path: Path) -> bool:
    """Create ``path`` exclusively, naming this process; False if it exists (or its folder is gone)."""
    labels = owner_labels()
    try:
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except OSError:
        return False
    try:
        os.write(fd, f"{labels[LABEL_OWNER]} {labels[LABEL_PIDNS]}".encode())
    finally:
        os.close(fd)
    return True


def slot_in(summary: dict[str, Any]) -> Slot | None:
    """The slot a container of the engine's list has mounted (its go folder's parent), if it has one."""
    run_id = str((summary.get("Labels") or {}).get(LABEL_RUN, ""))
    for mount in summary.get("Mounts") or []:
        if mount.get("Destination") == GO_MOUNT and _RUN_ID.match(run_id):
            path = Path(str(mount.get("Source", ""))).parent
            if path.name == run_id:
                return Slot(run_id, path)
    return None


def may_remove(summary: dict[str, Any], root: Path) -> bool:
    """Whether a pruner whose pool folder is ``root`` may remove this container now.

    (Its owner being provably dead is checked apart.) Anything but a spare,
    yes. A spare whose slot is gone, yes: nobody can claim it. A spare of
    another pool folder (another user's, another grading host's, a test
    process's), no: its own graders prune it, and this process neither
    writes there nor races their claims. A spare of ``root``, only once its
    slot is this process's: taken now, taken earlier by this process (the
    pair's other container), or claimed by a process now provably dead. A
    spare another process has just claimed, and not renamed yet, is left
    to it.
    """
    if not is_spare(summary):
        return True
    slot = slot_in(summary)
    if slot is None or not slot.path.is_dir():
        return True
    if not slot.is_in(root):
        return False
    return slot.take() or _mine_or_dead(slot.holder("claimed"))


def _mine_or_dead(holder: dict[str, str] | None) -> bool:
    """Whether a ``claimed`` file leaves its slot to this process: none, this process's, or a dead one's."""
    return holder is None or holder == owner_labels() or provably_dead(holder)


def slot_of(root: Path, run_id: str) -> Slot | None:
    """The slot of a run id read back from the engine (a label), only if it is one of ours."""
    return Slot(run_id, root / run_id) if _RUN_ID.match(run_id) else None


def claimed_name(role: str, run_id: str) -> str:
    return f"grader-{role}-{run_id}-by-{os.getpid()}-{pid_namespace()}"


def spare_name(role: str, run_id: str) -> str:
    return f"grader-pool{'' if role == 'app' else 't'}-{run_id}"


def pool_labels(key: str, role: str) -> dict[str, str]:
    return {LABEL_POOL: key, LABEL_ROLE: role, LABEL_MADE: str(int(time.time()))}


def summaries(client: Any) -> list[dict[str, Any]]:
    """Every pooled container on the engine, as the engine lists them (no inspect per container)."""
    found = client.api.containers(all=True, filters={"label": [LABEL, LABEL_POOL]})
    return list(found)


def is_spare(summary: dict[str, Any]) -> bool:
    return any(name.lstrip("/").startswith("grader-pool") for name in summary.get("Names") or [])


def age(summary: dict[str, Any]) -> float:
    made = (summary.get("Labels") or {}).get(LABEL_MADE, "")
    return time.time() - int(made) if made.isdigit() else float("inf")


def run_of(summary: dict[str, Any]) -> str:
    return str((summary.get("Labels") or {}).get(LABEL_RUN, ""))


def remove_orphan_slots(client: Any) -> int:
    """Remove the slots of this user's pool folder whose pair is gone and whose processes are dead.

    A slot whose maker still runs is left (it may be making its containers
    right now), and so is one claimed by another live process (it may be
    removing them).
    """
    root = pool_dir()
    runs = {
        str((c.get("Labels") or {}).get(LABEL_RUN, ""))
        for c in client.api.containers(all=True, filters={"label": LABEL})
        # one being removed (by a process killed meanwhile, say) needs its slot no more
        if c.get("State") != "removing"
    }
    removed = 0
    for path in root.iterdir():
        if not _RUN_ID.match(path.name) or path.name in runs:
            continue
        slot = Slot(path.name, path)
        maker = slot.holder("maker")
        if (maker is None or provably_dead(maker)) and _mine_or_dead(slot.holder("claimed")):
            shutil.rmtree(path, ignore_errors=True)
            removed += 1
    return removed
