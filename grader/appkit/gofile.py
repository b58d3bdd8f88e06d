"""Waiting for the host's go file, at no cost while it does not come.

A spare pair's launcher and runner wait, possibly for minutes, until the
host creates the go file in a folder mounted read-only into both
(:mod:`grader.sandbox.pool`). Polling for it every few milliseconds would
keep every waiting process busy (about 1 % of a core each, many spares
waiting at once on a grading host); ``inotify`` (Linux, through ``ctypes``:
this runs in the candidate's container, standard library only) blocks
until the folder changes, and the file's existence is checked before and
after every wake-up (and every second), so a go written before the watch
began is never missed. Where ``inotify`` is unavailable (or its per-user limit reached),
the wait polls, slowly.
"""

from __future__ import annotations

import ctypes
import os
import select
import time
from collections.abc import Callable

_IN_CREATE = 0x00000100
_IN_MOVED_TO = 0x00000080
_IN_CLOEXEC = 0o2000000
#: How often to look when inotify cannot be used.
FALLBACK_POLL_SECONDS = 0.05
#: How often to look anyway while watching: a file system that drops an event (a network or
#: virtual one under the pool folder) then costs this much latency, not the whole wait.
RECHECK_SECONDS = 1.0


def _watch(folder: str) -> int | None:
    """An inotify descriptor watching ``folder`` for new entries, or None."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fd = int(libc.inotify_init1(_IN_CLOEXEC))
        if fd < 0:
            return None
        if libc.inotify_add_watch(fd, os.fsencode(folder), _IN_CREATE | _IN_MOVED_TO) < 0:
            os.close(fd)
            return None
        return fd
    except (OSError, AttributeError):
        return None


def wait_for(path: str, timeout: float) -> bool:
    """Wait until ``path`` exists; False if ``timeout`` seconds passed first."""
    return wait_until(os.path.dirname(path) or ".", lambda: os.path.exists(path), timeout)


def wait_until(folder: str, ready: Callable[[], bool], timeout: float) -> bool:
    """Wait until ``ready()`` (looking into ``folder``) is true; False if ``timeout`` seconds pass first.

    ``ready`` is asked before the watch's first wake-up, after each one and
    every :data:`RECHECK_SECONDS`, so nothing written before the watch began is missed.
    """
    deadline = time.monotonic() + timeout
    fd = _watch(folder)
    try:
        while not ready():
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            if fd is None:
                time.sleep(min(FALLBACK_POLL_SECONDS, left))
            elif select.select([fd], [], [], min(left, RECHECK_SECONDS))[0]:
                os.read(fd, 4096)  # the events themselves say nothing ``ready`` does not
        return True
    finally:
        if fd is not None:
            os.close(fd)
