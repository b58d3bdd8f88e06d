"""Making, claiming and sweeping container pairs (the rules are :mod:`.pool`'s docstring).

A :class:`Pair` is the two containers of one grading and their slot on the
host. :func:`make_pair` makes one, for a run at once (claimed names) or as a
spare (pool names and labels). :class:`Spares` claims a spare for a request
and, off the critical path, makes the next ones and removes spares nobody
may claim any more.

A claim is an exclusive create of ``claimed`` in the spare's slot (one
winner per spare on this host, as the filesystem grants ``O_EXCL``), then a
rename of both containers to names carrying the claimer's PID and PID
namespace, which is what :func:`grader.sandbox.owner.prune` reads. Whoever
removes a spare takes its slot the same way first (:func:`.pool.may_remove`),
and a refill sweeps only the spares of its own pool folder.
"""

from __future__ import annotations

import atexit
import threading
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .base import RunRequest
from .owner import owner_of, provably_dead, run_labels
from .pool import (
    LABEL_POOL,
    LABEL_ROLE,
    MAX_AGE_SECONDS,
    Slot,
    age,
    claimed_name,
    is_spare,
    may_remove,
    pool_labels,
    run_of,
    slot_in,
    slot_of,
    spare_name,
    summaries,
)
from .reaper import in_detached_child, remove_later, remove_now
from .specs import app_spec, create, runner_spec

#: A spare this much older than the claim limit is swept by the next refill of its pool folder.
SWEEP_GRACE_SECONDS = 60.0

#: One thread per process makes every sandbox's spares, one pair at a time (their engine calls
#: would only compete with the gradings'), and the process waits for it at exit (``atexit``).
_executor_lock = threading.Lock()
_executor: ThreadPoolExecutor | None = None
_making: Counter[str] = Counter()
_at_exit: list[bool] = []
#: Set by the console script (:mod:`grader.entry`): a process that exits once its verdict is out
#: has the next spares made by a detached child of its own (forked, so nothing is imported again)
#: instead of waiting for them before it exits. In-process callers (a batch, the service, tests
#: driving the CLI) keep the background thread.
DETACHED = False


def _background() -> ThreadPoolExecutor:
    global _executor
    with _executor_lock:
        if _executor is None:
            _executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grader-spares")
            if not _at_exit:
                atexit.register(drain)
                _at_exit.append(True)
        return _executor


def drain() -> None:
    """Wait for the spares being made (the process is about to exit, or a caller needs them now)."""
    global _executor
    with _executor_lock:
        executor, _executor = _executor, None
    if executor is not None:
        executor.shutdown(wait=True)


@dataclass
class Pair:
    """One grading's two containers (docker-py objects) and their slot."""

    run_id: str
    app: Any
    tests: Any
    slot: Slot

    def containers(self) -> list[Any]:
        return [c for c in (self.tests, self.app) if c is not None]


def make_pair(
    client: Any,
    request: RunRequest,
    image: str,
    root: Path,
    *,
    key: str | None = None,
    before_start: Callable[[Slot], None] | None = None,
) -> Pair:
    """Create both containers (spares when ``key`` is given); the caller starts them, app first.

    ``before_start`` runs once both exist (a run's own pair fills its slot
    there, so its processes find the go file at once). Whatever was made is
    removed if anything fails.
    """
    run_id = uuid.uuid4().hex[:12]
    slot = Slot.make(root, run_id)
    pair = Pair(run_id, None, None, slot)
    try:

        def labels(role: str) -> dict[str, str]:
            base = run_labels(run_id)
            return {**base, **pool_labels(key, role)} if key else base

        def name(role: str) -> str:
            return spare_name(role, run_id) if key else claimed_name(role, run_id)

        pair.app = create(client, app_spec(request, image, name("app"), labels("app"), slot))
        pair.tests = create(
            client, runner_spec(request, image, name("tests"), labels("tests"), pair.app.id, slot)
        )
        if before_start is not None:
            before_start(slot)
        return pair
    except BaseException:
        discard(pair)
        raise


def discard(pair: Pair) -> None:
    """Remove a pair that will not run (now, not through the reaper), and its slot."""
    for container in pair.containers():
        remove_now(container)
    pair.slot.remove()


class Spares:
    """The spares of one sandbox: claim one, make the next ones in the background."""

    def __init__(self, client: Callable[[], Any], wanted: int, root: Path) -> None:
        self._client = client
        self.wanted = wanted
        self.root = root
        self._stopped = threading.Event()

    def stop(self) -> None:
        """Make no more spares (a cancelled batch); those being made are finished and kept."""
        self._stopped.set()

    def claim(self, key: str) -> tuple[Pair | None, list[dict[str, Any]]]:
        """A running, fresh spare made for ``key``, now this process's; and the engine's listing."""
        from docker.errors import APIError

        listing = summaries(self._client())
        by_run: dict[str, dict[str, dict[str, Any]]] = {}
        for summary in listing:
            role = (summary.get("Labels") or {}).get(LABEL_ROLE, "")
            by_run.setdefault(run_of(summary), {})[role] = summary
        candidates = sorted(
            (s for s in listing if _fits(s, key) and (s.get("Labels") or {}).get(LABEL_ROLE) == "app"),
            key=age,
            reverse=True,  # the oldest first: the others stay fresh longer
        )
        for app in candidates:
            run_id = run_of(app)
            tests = by_run.get(run_id, {}).get("tests")
            slot = slot_of(self.root, run_id)
            if tests is None or not _fits(tests, key) or slot is None or not slot.take():
                continue
            client = self._client()
            try:
                client.api.rename(app["Id"], claimed_name("app", run_id))
                client.api.rename(tests["Id"], claimed_name("tests", run_id))
            except APIError:  # removed meanwhile (a prune): nobody else has it, so it is ours to end
                discard(_pair(client, run_id, app, tests, slot))
                continue
            return _pair(client, run_id, app, tests, slot), listing
        return None, listing

    def waiting(self, key: str) -> int:
        """How many spares wait for ``key`` now, unclaimed."""
        return _waiting(summaries(self._client()), key, self.root)

    def refill(self, request: RunRequest, image: str, key: str, listing: list[dict[str, Any]]) -> None:
        """In the background: make spares until ``wanted`` wait for ``key``, and sweep the stale ones."""
        if self.wanted <= 0 or self._stopped.is_set():
            return
        waiting = _waiting(listing, key, self.root)
        with _executor_lock:
            missing = self.wanted - waiting - _making[key]
            if missing <= 0:
                return
            _making[key] += missing
        executor = None if DETACHED else _background()
        stale = [
            s
            for s in listing
            if is_spare(s)
            and self._own(s)
            and (
                age(s) > MAX_AGE_SECONDS + SWEEP_GRACE_SECONDS
                or s.get("State") in ("exited", "dead")
                or (s.get("State") == "created" and provably_dead(owner_of(s)))  # a killed maker's
            )
        ]
        if DETACHED:
            with _executor_lock:
                _making[key] -= missing  # the child makes them; this process will not wait
            in_detached_child(lambda: self._make_and_sweep(request, image, key, missing, stale))
            return
        assert executor is not None
        for _ in range(missing):
            executor.submit(self._make_one, request, image, key)
        if stale:
            executor.submit(self._sweep, stale)

    def _make_and_sweep(
        self, request: RunRequest, image: str, key: str, count: int, stale: list[dict[str, Any]]
    ) -> None:
        """A detached child's work: its own engine connection, then what a background thread does."""
        from .engine import connect

        client = connect()
        self._client = lambda: client
        for _ in range(count):
            self._make_spare(request, image, key)
        if stale:
            self._sweep(stale)

    def _make_one(self, request: RunRequest, image: str, key: str) -> None:
        """A background thread's job: one spare, counted in ``_making`` until it is made."""
        try:
            self._make_spare(request, image, key)
        finally:
            with _executor_lock:
                _making[key] -= 1

    def _make_spare(self, request: RunRequest, image: str, key: str) -> None:
        from docker.errors import APIError
        from requests.exceptions import RequestException

        try:
            if self._stopped.is_set():
                return
            pair = make_pair(self._client(), request.with_drawn_env(), image, self.root, key=key)
            try:
                pair.app.start()
                pair.tests.start()
            except APIError:
                discard(pair)
        except (APIError, RequestException, OSError):
            return  # a spare is an optimisation: the next grading makes its own pair

    def _own(self, summary: dict[str, Any]) -> bool:
        """Whether a spare is of this pool folder (another folder's are another grader's to sweep)."""
        slot = slot_in(summary)
        return slot is not None and slot.is_in(self.root)

    def _sweep(self, stale: list[dict[str, Any]]) -> None:
        client = self._client()
        for summary in stale:
            if not may_remove(summary, self.root):  # claimed meanwhile
                continue
            remove_later([client.containers.prepare_model(summary)])
            slot = slot_in(summary)
            if slot is not None:
                slot.remove()


def _waiting(listing: list[dict[str, Any]], key: str, root: Path) -> int:
    return sum(
        1
        for s in listing
        if _fits(s, key)
        and (s.get("Labels") or {}).get(LABEL_ROLE) == "app"
        and not Path(root, run_of(s), "claimed").exists()
    )


def remove_spares(client: Any, root: Path) -> int:
    """Remove the spares of the pool folder ``root`` that nobody claimed (a test session ending); how many."""
    runs: dict[str, list[dict[str, Any]]] = {}
    for summary in summaries(client):
        runs.setdefault(run_of(summary), []).append(summary)
    removed = 0
    for run_id, pair in runs.items():
        slot = slot_of(root, run_id)
        if slot is None or not slot.path.is_dir() or not all(is_spare(s) for s in pair) or not slot.take():
            continue
        for summary in pair:
            remove_now(client.containers.prepare_model(summary))
        slot.remove()
        removed += 1
    return removed


def _fits(summary: dict[str, Any], key: str) -> bool:
    labels = summary.get("Labels") or {}
    return (
        labels.get(LABEL_POOL) == key
        and is_spare(summary)
        and summary.get("State") == "running"
        and age(summary) < MAX_AGE_SECONDS
    )


def _pair(client: Any, run_id: str, app: dict[str, Any], tests: dict[str, Any], slot: Slot) -> Pair:
    model = client.containers.prepare_model
    return Pair(run_id, model(dict(app)), model(dict(tests)), slot)
