"""Kept runners: a grading process's trusted runner containers, each serving many submissions in turn.

A pair's runner container (:mod:`.spares`) is made, started and removed
for every submission, and its Python imports pytest and collects the
suite each time: about a third of a batch grading's CPU. A process that
may grade many submissions (a batch, the service, verify, a mutation run,
tests driving the commands in-process: every :func:`grader.sandbox.make_sandbox`
but for a ``grader grade`` typed in a shell) keeps runners instead. A kept runner:

* is the same trusted container as a pair's runner (same image, mounts,
  hardening and limits: :func:`.specs.kept_runner_spec`), holding only the
  grader and the hidden suite, made for one :func:`.pool.pool_key`;
* owns a loopback-only network namespace (``network_mode=none``). Each
  submission's app runs in a container of its own, made for it and never
  reused, that joins that namespace (``network_mode=container:<runner>``),
  exactly as a pair's runner joins its app's today. One app at a time: the
  next app is created only once the last one is removed (not handed to the
  reaper), so no app ever shares a loopback with another;
* runs each submission's tests in a child forked after the go from a parent
  that has only collected the suite (:mod:`grader.testkit.kept`), so no
  state crosses from one submission to the next; the child's report line
  names the run it is for;
* is used again only after a run that ended normally: a report read, the
  app still running (it is removed now), the runner still running. A run
  that timed out, was cancelled, lost its app or its report, or met an
  engine error has its runner removed with its app;
* is owned by this process like a claimed pair (its name and labels carry
  this PID: ``grader sandbox prune`` removes a killed grader's), removed at
  exit, and used only within :data:`.pool.MAX_AGE_SECONDS` of its app's
  start (the processes inside give up after :data:`.pool.IDLE_SECONDS`).

The next app of a released runner is made off the critical path, by this
module's own two threads, so a batch's next grading finds one ready.
"""

from __future__ import annotations

import atexit
import json
import os
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .base import RunRequest
from .owner import run_labels
from .pool import MAX_AGE_SECONDS, Slot, claimed_name
from .reaper import remove_now
from .specs import app_env, app_spec, create, kept_runner_spec

#: Kept runners in one process at most, all challenges together (each holds two containers),
#: unless one challenge's gradings at once want more.
MOST = 8
#: How many challenges' grading counts a process remembers (for ``refill``'s ``after``).
REMEMBERED = 256
#: Runs a kept runner serves at most: then it is replaced (its log, holding every report, stays
#: far below its size limit, so it is never rotated while the host reads a run's report from it).
RUNS = 200


@dataclass
class Kept:
    """One kept runner, and the app waiting in its namespace for the next submission (when ready)."""

    key: str
    runner: Any
    slot: Slot
    app: Any = None
    app_slot: Slot | None = None
    env: dict[str, str] = field(default_factory=dict)
    ready_at: float = 0.0  # when its waiting app was started (time.time())
    runs: int = 0  # runs it served

    @property
    def run_id(self) -> str:
        return self.app_slot.run_id if self.app_slot is not None else ""

    def go(self) -> None:
        """The runner's go for its app's run (after the app's, :meth:`.pool.Slot.fill`), renamed in."""
        temp = self.slot.go / f".{self.run_id}.tmp"
        temp.write_text(json.dumps({"env": self.env}), encoding="utf-8")
        os.chmod(temp, 0o644)
        os.replace(temp, self.slot.go / f"{self.run_id}.json")


class KeptRunners:
    """This process's kept runners, by pool key."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._all: list[Kept] = []
        self._ready: dict[str, list[Kept]] = {}
        self._making: dict[str, int] = {}
        self._executor: ThreadPoolExecutor | None = None
        self._pending: set[Future[None]] = set()
        self._graded: dict[str, int] = {}  # gradings asked for, by key (the latest keys only)
        self._closed = False

    def claim(self, key: str) -> Kept | None:
        """A runner of ``key`` with its app waiting, now this grading's; None if none is ready."""
        now = time.time()
        with self._lock:
            self._graded[key] = self._graded.pop(key, 0) + 1  # the most recent last
            while len(self._graded) > REMEMBERED:
                del self._graded[next(iter(self._graded))]
        while True:
            with self._lock:
                ready = self._ready.get(key) or []
                if not ready:
                    return None
                kept = ready.pop(0)
            if now - kept.ready_at < MAX_AGE_SECONDS:
                return kept
            self._submit(self._discard, kept)  # waited too long: its processes are about to give up

    def release(self, kept: Kept, reusable: bool, request: RunRequest, image: str, root: Path) -> None:
        """After its run: the app removed now, then the runner's next app (or the runner removed)."""
        self._submit(self._recycle, kept, reusable, request, image, root)

    def refill(
        self,
        client: Callable[[], Any],
        request: RunRequest,
        image: str,
        key: str,
        root: Path,
        wanted: int,
        after: int = 1,
    ) -> None:
        """In the background: make runners until ``wanted`` exist for ``key`` (within :data:`MOST`).

        ``after``: only once this many gradings of ``key`` were asked for (2 for
        a caller that may grade a challenge only once: no runners for nothing).
        """
        self._sweep()
        with self._lock:
            if self._closed or self._graded.get(key, 0) < after:
                return
            have = sum(1 for k in self._all if k.key == key) + self._making.get(key, 0)
            if have >= wanted:
                return
            room = max(MOST, wanted) - len(self._all) - sum(self._making.values())
            if room <= 0:
                evicted = self._evict(key)
                if evicted is None:
                    return  # every runner is at work: this challenge's gradings use pairs meanwhile
                self._all.remove(evicted)
                room = 1
            else:
                evicted = None
            missing = min(wanted - have, room)
            self._making[key] = self._making.get(key, 0) + missing
        if evicted is not None:
            self._submit(self._discard, evicted)
        for _ in range(missing):
            self._submit(self._make, client, request, image, key, root)

    def close(self) -> None:
        """Remove every kept runner and its app (the process is exiting)."""
        with self._lock:
            self._closed = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)
        with self._lock:
            kept, self._all, self._ready = list(self._all), [], {}
        # threads of their own: at interpreter exit, an executor takes no new work
        removers = [threading.Thread(target=self._remove, args=(k,), daemon=True) for k in kept]
        for thread in removers:
            thread.start()
        for thread in removers:
            thread.join(timeout=30)

    def settle(self, timeout: float = 60.0) -> bool:
        """Wait for the runners being made or released now; False if some are still at it."""
        with self._lock:
            pending = list(self._pending)
        return not wait(pending, timeout=timeout).not_done

    def waiting_ids(self) -> set[str]:
        """The containers of the runners waiting for work, their apps included (after :meth:`settle`)."""
        self.settle()
        with self._lock:
            return {c.id for ready in self._ready.values() for k in ready for c in (k.runner, k.app)}

    def ready(self, key: str) -> int:
        """How many runners of ``key`` wait with their app now."""
        with self._lock:
            return len(self._ready.get(key) or [])

    def _sweep(self) -> None:
        """Remove the runners that waited too long to be claimed (of any challenge)."""
        now = time.time()
        with self._lock:
            stale = [k for ready in self._ready.values() for k in ready if now - k.ready_at > MAX_AGE_SECONDS]
            for kept in stale:
                self._ready[kept.key].remove(kept)
        for kept in stale:
            self._submit(self._discard, kept)

    def _evict(self, key: str) -> Kept | None:
        """The runner of another key that has waited longest (caller holds the lock), taken out of ready."""
        waiting = [k for other, ready in self._ready.items() if other != key for k in ready]
        if not waiting:
            return None
        oldest = min(waiting, key=lambda k: k.ready_at)
        self._ready[oldest.key].remove(oldest)
        return oldest

    def _submit(self, job: Callable[..., None], *args: Any) -> None:
        with self._lock:
            if self._closed:
                return
            if self._executor is None:
                # two at a time: a batch's two jobs release a runner each per grading
                self._executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="grader-kept")
            executor = self._executor
        try:
            future = executor.submit(job, *args)
        except RuntimeError:  # shut down meanwhile (the process exits): close() removes what is left
            return
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._done)

    def _done(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _make(self, client: Callable[[], Any], request: RunRequest, image: str, key: str, root: Path) -> None:
        from docker.errors import APIError
        from requests.exceptions import RequestException

        run_id = uuid.uuid4().hex[:12]
        kept = Kept(key, None, Slot.make(root, run_id))
        try:
            name = claimed_name("tests", run_id)
            kept.runner = create(
                client(), kept_runner_spec(request, image, name, run_labels(run_id), kept.slot)
            )
            kept.runner.start()
            self._attach(client(), kept, request, image, root)
        except (APIError, RequestException, OSError):
            self._discard(kept)
        finally:
            with self._lock:
                self._making[key] -= 1

    def _attach(self, client: Any, kept: Kept, request: RunRequest, image: str, root: Path) -> None:
        """Make the runner's next app, joined to its namespace and waiting for its go; then it is ready."""
        request = request.with_drawn_env()
        run_id = uuid.uuid4().hex[:12]
        kept.app_slot = Slot.make(root, run_id)
        name, network = claimed_name("app", run_id), f"container:{kept.runner.id}"
        kept.app = create(client, app_spec(request, image, name, run_labels(run_id), kept.app_slot, network))
        kept.env = app_env(request)
        kept.app.start()
        kept.ready_at = time.time()
        with self._lock:  # once closed, close() removes everything in _all
            if kept not in self._all:
                self._all.append(kept)
            self._ready.setdefault(kept.key, []).append(kept)

    def _recycle(self, kept: Kept, reusable: bool, request: RunRequest, image: str, root: Path) -> None:
        from docker.errors import APIError
        from requests.exceptions import RequestException

        # gone, not handed over: only then may another app join this namespace
        gone = remove_now(kept.app)
        if kept.app_slot is not None:
            kept.app_slot.remove()
        kept.app, kept.app_slot = None, None
        kept.runs += 1
        if not gone or not reusable or self._closed or kept.runs >= RUNS:
            self._discard(kept)
            return
        try:
            self._attach(kept.runner.client, kept, request, image, root)
        except (APIError, RequestException, OSError):
            self._discard(kept)

    def _discard(self, kept: Kept) -> None:
        self._forget(kept)
        self._remove(kept)

    def _forget(self, kept: Kept) -> None:
        with self._lock:
            if kept in self._all:
                self._all.remove(kept)
            ready = self._ready.get(kept.key) or []
            if kept in ready:
                ready.remove(kept)

    @staticmethod
    def _remove(kept: Kept) -> None:
        for container in (kept.app, kept.runner):
            if container is not None:
                remove_now(container)
        for slot in (kept.app_slot, kept.slot):
            if slot is not None:
                slot.remove()


_runners: KeptRunners | None = None
_runners_lock = threading.Lock()


def runners() -> KeptRunners:
    """This process's kept runners (removed when it exits)."""
    global _runners
    with _runners_lock:
        if _runners is None:
            _runners = KeptRunners()
            atexit.register(_runners.close)
        return _runners
