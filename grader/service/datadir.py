"""The service's data folder on disk: private permissions, per-process scratch, and sweeping.

Everything the service writes (the SQLite database, ``secret_key``, stored
submissions, scratch copies of candidates' code) holds webhook secrets or
candidates' work, so the folder is ``0700`` and every file in it ``0600``,
whatever the umask: created that way, and tightened at start if an older
version left it open. One exception, for the sandbox: a submission's stored
tree (``submissions/<id>/files``, staged once at upload and graded from
there) stays readable, never writable, by others (``0755``/``0644``, as
staging made it), since the sandbox's user mounts it; it sits inside the
``0700`` folder ``submissions/<id>``, so no other user of the machine can
reach it, exactly like a scratch copy under ``tmp/``.

Each service process stages and grades under its *own* scratch folder,
``tmp/proc-<pidns>-<pid>-<host>``. A process killed with SIGKILL cannot
clean up, so the next start removes the scratch folders whose owner is
*provably* dead (same host, same PID namespace, no such process; the rule of
:func:`grader.sandbox.owner.provably_dead`) and, with the docker sandbox, the
containers labelled with exactly that owner. Folders of live processes, of
other hosts and of other PID namespaces are left alone.
"""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from ..errors import UsageError
from ..sandbox.owner import LABEL_OWNER, LABEL_PIDNS, owner_labels, provably_dead

PRIVATE_DIR = 0o700
PRIVATE_FILE = 0o600
SCRATCH = "tmp"
#: Stored submissions: ``submissions/<id>/files``, the staged tree of each (see the module docstring).
STORED = "submissions"
STORED_TREE = "files"
_PREFIX = "proc-"


def private_dir(path: Path) -> Path:
    """``path`` (and any missing parents below an existing one) as a ``0700`` folder."""
    path.mkdir(mode=PRIVATE_DIR, parents=True, exist_ok=True)
    path.chmod(PRIVATE_DIR)
    return path


def private_file(path: Path) -> BinaryIO:
    """A new file opened for writing, ``0600`` from the start (never readable by others, even briefly)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, PRIVATE_FILE)
    os.fchmod(fd, PRIVATE_FILE)
    return os.fdopen(fd, "wb")


def private_copy(source: Path, target: Path) -> None:
    """Copy ``source`` to a new ``0600`` file ``target``."""
    with open(source, "rb") as src, private_file(target) as out:
        shutil.copyfileobj(src, out)


def secure(data_dir: Path, sqlite_file: Path | None) -> None:
    """Create or tighten the data folder (``0700``) and the files the service keeps there (``0600``).

    The SQLite file is created empty before SQLAlchemy opens it: SQLite
    would create it with the umask's mode, and it gives its ``-wal`` and
    ``-shm`` files the mode of the database file.
    """
    try:
        private_dir(data_dir)
        if sqlite_file is not None and not sqlite_file.exists():
            private_file(sqlite_file).close()
        for folder, subfolders, files in os.walk(data_dir):
            if Path(folder).parent == data_dir / STORED:
                subfolders[:] = [name for name in subfolders if name != STORED_TREE]  # the sandbox reads it
            for name in subfolders:
                path = Path(folder, name)
                if not path.is_symlink():
                    path.chmod(PRIVATE_DIR)
            for name in files:
                path = Path(folder, name)
                if stat.S_ISREG(path.lstat().st_mode) and stat.S_IMODE(path.lstat().st_mode) & 0o077:
                    path.chmod(PRIVATE_FILE)
    except OSError as exc:  # the operator's terminal: naming the folder helps here
        raise UsageError(
            f"cannot make the data folder {data_dir} private ({exc.strerror})",
            hint="run the service as the folder's owner, or pass a --data-dir it owns",
        ) from None


def _scratch_name(labels: dict[str, str]) -> str:
    host, _, pid = labels[LABEL_OWNER].rpartition(":")
    return f"{_PREFIX}{labels[LABEL_PIDNS]}-{pid}-{host}"


def _labels_of(name: str) -> dict[str, str] | None:
    """The owner labels a scratch folder's name records, or None if it is not one of ours."""
    if not name.startswith(_PREFIX):
        return None
    parts = name[len(_PREFIX) :].split("-", 2)
    if len(parts) != 3 or not parts[1].isdigit():
        return None
    pidns, pid, host = parts
    return {LABEL_OWNER: f"{host}:{pid}", LABEL_PIDNS: pidns}


def process_scratch(data_dir: Path, create: bool = True) -> Path:
    """This process's own ``0700`` scratch folder under ``data_dir/tmp`` (made unless ``create`` is false)."""
    path = data_dir / SCRATCH / _scratch_name(owner_labels())
    if create:
        private_dir(data_dir / SCRATCH)
        private_dir(path)
    return path


def dead_scratch(data_dir: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """Scratch folders (and their owner labels) of service processes that are provably dead."""
    root = data_dir / SCRATCH
    if not root.is_dir():
        return
    for path in sorted(root.iterdir()):
        labels = _labels_of(path.name)
        if labels is not None and path.is_dir() and not path.is_symlink() and provably_dead(labels):
            yield path, labels


def remove_scratch(path: Path) -> None:
    """Remove a dead process's scratch folder, whatever modes the staged copies were given."""
    shutil.rmtree(path, ignore_errors=True)
