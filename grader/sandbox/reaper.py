"""Removing a run's containers off the grading's critical path, and still for certain.

Removing a container costs the engine a few hundred milliseconds (stop,
unmount, delete). A grading only needs its verdict, which is read before
removal starts, so the removal can go on while the grader renders the result
or starts the next submission. What stays guaranteed:

* the run's ``finally`` hands every container it created to :func:`remove_later`
  (or removes it itself when the reaper cannot take it);
* nothing is ever reused: a handed-over container is only ever removed;
* at most :data:`MAX_PENDING` containers wait at a time: a burst of gradings
  waits for the reaper rather than piling up live candidate apps;
* the process waits for the pending removals when it exits (``atexit``,
  bounded by :data:`EXIT_WAIT_SECONDS`); a grader killed before that
  (SIGKILL) leaves containers labelled with its owner, which
  ``grader sandbox prune`` removes, as for any killed grading.
"""

from __future__ import annotations

import atexit
import os
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

#: Containers waiting for removal at most; the next run's ``finally`` waits beyond it.
MAX_PENDING = 4
#: How long an exiting grader waits for its pending removals.
EXIT_WAIT_SECONDS = 30.0
_WORKERS = 2

_lock = threading.Lock()
_slots = threading.BoundedSemaphore(MAX_PENDING)
_pending: set[Future[None]] = set()
_pool: ThreadPoolExecutor | None = None


#: Seconds before each further attempt at a removal the engine refused (then it is left to prune).
RETRY_SECONDS = (0.2, 1.0)


def remove_now(container: Any) -> bool:
    """Remove one container with its anonymous volumes; whether it is gone (already gone is fine).

    A forced removal that meets the container's own exit can fail with
    "Could not kill running container ... is not running" and leave it
    "Removal In Progress" until someone removes it again (moby#37698, seen
    on Docker 20.10 here): the removal is tried again, twice at most.
    """
    from docker.errors import APIError, NotFound

    for pause in (0.0, *RETRY_SECONDS):
        time.sleep(pause)
        try:
            container.remove(force=True, v=True)
            return True
        except NotFound:
            return True
        except APIError:
            continue
    return False  # still there: it is labelled with its owner, `grader sandbox prune` removes it


def _executor() -> ThreadPoolExecutor:
    global _pool
    with _lock:
        if _pool is None:
            _pool = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="grader-reaper")
            atexit.register(drain)
        return _pool


def _remove_and_release(container: Any) -> None:
    try:
        remove_now(container)
    finally:
        _slots.release()


def remove_later(containers: Sequence[Any]) -> None:
    """Hand ``containers`` to the reaper; each is removed in the background, in parallel.

    Blocks only while :data:`MAX_PENDING` removals are already waiting. If the
    reaper is shutting down, removes them here, before returning.
    """
    for container in containers:
        _slots.acquire()
        try:
            future = _executor().submit(_remove_and_release, container)
        except RuntimeError:  # the interpreter is shutting down: no new threads
            _slots.release()
            remove_now(container)
            continue
        with _lock:
            _pending.add(future)
        future.add_done_callback(_forget)


def _forget(future: Future[None]) -> None:
    with _lock:
        _pending.discard(future)


def drain(timeout: float = EXIT_WAIT_SECONDS) -> bool:
    """Wait for every pending removal (at most ``timeout``); True if none is left."""
    deadline = time.monotonic() + timeout
    while True:
        with _lock:
            pending = set(_pending)
        if not pending:
            return True
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        wait(pending, timeout=left)


def in_detached_child(work: Callable[[], None]) -> None:
    """Run ``work`` in a grandchild of its own session, stdio on /dev/null; return at once.

    For a ``grader grade`` typed in a shell (:data:`grader.sandbox.spares.DETACHED`):
    what is left to do once its verdict is out (removing its pair, making
    the next spare) need not hold up its exit. Forked (nothing is imported
    again) twice, so the grandchild belongs to init and never becomes this
    process's zombie; it opens its own engine connection and ends with
    ``os._exit`` (no atexit hook of the parent's runs twice). Killed, it
    leaves labelled containers, which ``grader sandbox prune`` removes.
    """
    pid = os.fork()
    if pid:
        os.waitpid(pid, 0)  # the child only forks again and exits
        return
    try:
        if os.fork():
            os._exit(0)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)  # a caller reading this process's output sees its end when it exits
        work()
    finally:
        os._exit(0)


def remove_detached(containers: Sequence[Any]) -> None:
    """Remove ``containers`` from a detached child (see :func:`in_detached_child`); return at once."""
    ids = [container.id for container in containers]

    def remove() -> None:
        from .engine import connect

        client = connect()
        for container_id in ids:
            remove_now(client.containers.prepare_model({"Id": container_id}))

    in_detached_child(remove)
