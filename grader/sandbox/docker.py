"""The ``docker`` sandbox: the official way to grade.

Two containers per run, both from the sandbox image, both labelled and both
handed for removal in a ``finally`` whatever happens (:mod:`.reaper` removes
them off the critical path; the process waits for it when it exits). They are
a spare pair made before the submission arrived, claimed for this run, or a
pair made for it (:mod:`.pool`, :mod:`.spares`); either way the submission is
copied into the pair's folder and the run starts at the go file. A process
that grades many keeps runners instead (:mod:`.kept`): the app's container is
still made for this submission alone and removed after it; the runner's is
the one kept, this run's tests run by a child forked for it. Their
specifications are built by pure functions (:mod:`.specs`: :func:`app_spec`,
:func:`runner_spec`), so the hardening is unit-tested without an engine, as
docker-py builds its create arguments:

* **app**: the candidate's code. Its first process is the launcher
  (:mod:`grader.appkit.launch`), started by path with ``python -I`` so that
  nothing in the submission can shadow it; it inspects the app in a process
  forked from it and publishes the facts, or why the app failed, on the control
  port, then serves the app with gunicorn on 127.0.0.1:8000.
  ``network_mode=none`` (loopback only), non-root, read-only root, all
  capabilities dropped, no-new-privileges, memory/CPU/pids limits, small
  tmpfs for ``/tmp`` and the upload folder, the submission copy mounted
  read-only. Only :mod:`grader.appkit` and :mod:`grader.protocol` are
  mounted beside it: never the hidden tests.
* **tests**: the trusted runner and the hidden suite, joined to the app
  container's network namespace only (``network_mode=container:<app>``), so
  the two share a loopback and nothing else (no processes; of files, only
  the go folder, read-only in both, where the host writes an empty file). Its
  single stdout line is the report; the candidate cannot write to it.

The host enforces the whole-run deadline itself and watches the app: if it
dies, the runner is stopped at once. What the host records about limits
comes from the engine and the kernel (the OOM record of the container's
memory cgroup), never from anything the app printed.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from ..errors import Cancelled, ChallengeError, ImageMissing, InfrastructureError
from ..protocol import Limit, ProtocolError, RunReport, load
from . import owner as _owner
from . import spares as spare_pairs
from .base import AppExit, PhaseClock, RunOutcome, RunRequest, runner_phases
from .engine import connect
from .kept import Kept, runners
from .owner import LABEL, LABEL_OWNER, LABEL_RUN, PruneReport, owner
from .pool import may_remove, pool_dir, pool_key, remove_orphan_slots, spares_wanted, summaries
from .reaper import remove_detached, remove_later
from .spares import Pair, Spares, make_pair
from .spares import drain as drain_spares
from .specs import LAUNCHER, SANDBOX_UID, app_spec, runner_spec
from .watch import Lines, await_exit, follow_report, oom_kills, report_in, tail

__all__ = [
    "IMAGE",
    "LABEL",
    "LABEL_OWNER",
    "LABEL_RUN",
    "LAUNCHER",
    "SANDBOX_UID",
    "DockerSandbox",
    "PruneReport",
    "app_spec",
    "connect",
    "owner",
    "prune",
    "runner_spec",
]

IMAGE = "flask-grader-sandbox:latest"
POLL_SECONDS = 0.05


def prune(client: Any = None, *, everything: bool = False) -> PruneReport:
    """:func:`grader.sandbox.owner.prune` (spares claimed meanwhile left alone), then orphan slots."""
    client = client or connect()
    root = pool_dir()
    report = _owner.prune(client, everything=everything, may_remove=lambda summary: may_remove(summary, root))
    remove_orphan_slots(client)
    return report


class DockerSandbox:
    """Grades in two hardened containers; see the module docstring."""

    name = "docker"

    def __init__(
        self,
        image: str | None = None,
        client: Any = None,
        spares: int | None = None,
        kept: int = 0,
        kept_after: int = 1,
    ) -> None:
        self.image_name = image or os.environ.get("GRADER_IMAGE", IMAGE)
        self._client = client
        self._cancelled = threading.Event()
        #: spare pairs kept per challenge (:mod:`.pool`); ``GRADER_POOL`` by default
        self.wanted = spares_wanted() if spares is None else spares
        #: runners kept per challenge (:mod:`.kept`), for a caller that grades many; made once
        #: this many gradings of the challenge were asked for (2: not for a challenge graded once)
        self.kept, self.kept_after = kept, kept_after
        self._pool: Spares | None = None
        self._pool_lock = threading.Lock()

    def cancel(self) -> None:
        self._cancelled.set()
        if self._pool is not None:
            self._pool.stop()

    @property
    def client(self) -> Any:
        if self._client is None:
            self._client = connect()
        return self._client

    def identity(self) -> str:
        return self.image_id()

    def image_id(self) -> str:
        from docker.errors import ImageNotFound

        try:
            image = self.client.images.get(self.image_name)
        except ImageNotFound:
            if self.image_name == IMAGE:
                raise ImageMissing(
                    f"the sandbox image {IMAGE} is not built", hint="run `grader sandbox build`"
                ) from None
            # `grader sandbox build` would build the default name and leave this error as it is
            raise ImageMissing(
                f"the sandbox image {self.image_name} (GRADER_IMAGE) is not on this Docker host",
                hint=f"build or pull it under that name (`grader sandbox build` builds only {IMAGE}), "
                "or unset GRADER_IMAGE to use the default image",
            ) from None
        return str(image.id)

    def run(self, request: RunRequest) -> RunOutcome:
        from docker.errors import APIError

        if self._cancelled.is_set():
            raise Cancelled()
        image = self.image_id()
        clock = PhaseClock()
        pair: Pair | None = None
        kept: Kept | None = None
        outcome: RunOutcome | None = None
        read = False  # the verdict's material (report, exit, OOM record) is read: removal may wait
        try:
            # what a spare pair or a kept runner must have been made for (digests the suite: once)
            key = pool_key(request, image, self._root()) if self.kept > 0 or self.wanted > 0 else None
            kept = self._claim_kept(request, image, key, clock)
            if kept is not None:
                assert kept.app_slot is not None  # a claimed runner is a ready one
                pair = Pair(kept.run_id, kept.app, kept.runner, kept.app_slot)
                pair.slot.fill(request.app_dir)
                app_started = launched = time.time()
                kept.go()
                lines = Lines.kept(kept.run_id, launched)
            else:
                pair, app_started, launched = self._pair(request, image, key, clock)
                lines = Lines()
            outcome = self._watch(pair.app, pair.tests, request.limits.run_timeout, image, lines)
            read = True
            clock.laps.update(runner_phases(outcome.report, launched, time.time()))
            ready = dict(outcome.report.stamps).get("ready") if outcome.report else None
            if ready is not None:
                clock.laps["app_ready"] = round(max(ready - app_started, 0.0), 3)  # overlaps the above
        except APIError as exc:
            # not the submission's doing: the engine failed or someone removed our containers
            detail = str(exc.explanation or exc).splitlines()[0][:200]
            raise InfrastructureError(
                f"the Docker engine failed during the run ({detail})",
                hint="check `docker info`; another `grader sandbox prune --all` may have removed it",
            ) from None
        finally:
            clock.restart()
            if kept is not None:
                # used again only after a run that ended as runs should: its report out, its app alive
                reusable = (
                    outcome is not None
                    and outcome.report is not None
                    and not outcome.timed_out
                    and outcome.app_exit is None
                )
                runners().release(kept, reusable, request, image, self._root())
            elif pair is not None:
                pair.slot.remove()
                if read and spare_pairs.DETACHED:  # `grader grade` from a shell: its exit need not wait
                    remove_detached(pair.containers())
                else:
                    remove_later(pair.containers())
            clock.lap("teardown")
        return replace(outcome, timing=clock.laps)

    def _root(self) -> Path:
        spares = self._spares()
        return spares.root if spares is not None else pool_dir()

    def _claim_kept(self, request: RunRequest, image: str, key: str | None, clock: PhaseClock) -> Kept | None:
        """A kept runner of this challenge with its app waiting (:mod:`.kept`), if this sandbox keeps them.

        Either way, more are made in the background until :attr:`kept` exist.
        """
        if self.kept <= 0 or key is None:
            return None
        root = self._root()
        pool = runners()
        kept = pool.claim(key)
        while kept is not None and not self._alive(kept):
            pool.release(kept, False, request, image, root)
            kept = pool.claim(key)
        pool.refill(lambda: self.client, request, image, key, root, self.kept, self.kept_after)
        clock.lap("claim")
        return kept

    def _alive(self, kept: Kept) -> bool:
        """Whether both containers of a kept runner still run (a prune or the engine may have ended them)."""
        running = self.client.api.containers(filters={"id": [kept.app.id, kept.runner.id]})
        return len(running) == 2

    def _pair(
        self, request: RunRequest, image: str, key: str | None, clock: PhaseClock
    ) -> tuple[Pair, float, float]:
        """A running pair with the submission in it and its go given; when the app and the runner got it.

        A spare if one fits (then the next spare is made in the background),
        else a pair made now: created, filled and started, app first.
        """
        spares = self._spares()
        listing = None
        if spares is not None and key is not None:
            pair, listing = spares.claim(key)
            clock.lap("claim")
            if pair is not None:
                if self.kept <= 0:  # a process keeping runners makes no pairs (it claims others')
                    spares.refill(request, image, key, listing)
                pair.slot.fill(request.app_dir)
                now = time.time()
                return pair, now, now
        root = self._root()
        pair = make_pair(
            self.client, request, image, root, before_start=lambda slot: slot.fill(request.app_dir)
        )
        if spares is not None and key is not None and listing is not None and self.kept <= 0:
            spares.refill(request, image, key, listing)
        clock.lap("create")
        app_started = time.time()
        try:
            pair.app.start()
            clock.lap("app_start")
            self._join(pair.app, pair.tests)
            clock.lap("runner_start")
        except BaseException:
            pair.slot.remove()
            remove_later(pair.containers())
            raise
        return pair, app_started, time.time()

    def warm(self, request: RunRequest) -> int:
        """Make the spares (or kept runners) ``request``'s challenge wants now, and wait; how many wait now.

        For a caller that knows what comes next (a service starting, a test
        that must run in a pooled pair); a grading refills on its own.
        """
        if self.kept > 0:
            image = self.image_id()
            key = pool_key(request, image, self._root())
            runners().refill(lambda: self.client, request, image, key, self._root(), self.kept, after=0)
            runners().settle()
            return runners().ready(key)
        spares = self._spares()
        if spares is None:
            return 0
        image = self.image_id()
        key = pool_key(request, image, spares.root)
        spares.refill(request, image, key, summaries(self.client))
        drain_spares()
        return spares.waiting(key)

    def _spares(self) -> Spares | None:
        """This sandbox's spares, made on first use; None when there are to be none (``GRADER_POOL=0``)."""
        if self._pool is None and self.wanted > 0:
            with self._pool_lock:
                if self._pool is None:
                    self._pool = Spares(lambda: self.client, self.wanted, pool_dir())
        return self._pool

    def _join(self, app: Any, tests: Any) -> None:
        """Start the runner in the (started) app container's network namespace.

        An app that exits at once can be gone before the runner joins it, and
        Docker then refuses to start the runner ("cannot join network of a non
        running container"). That is the app's doing, not the engine's:
        :meth:`_watch` reports the exit.
        """
        from docker.errors import APIError

        try:
            tests.start()
        except APIError:
            app.reload()
            if app.status not in ("exited", "dead"):
                raise

    def _watch(self, app: Any, tests: Any, run_timeout: float, image: str, lines: Lines) -> RunOutcome:
        """Until the runner's report, its end, the app's death, the deadline or a cancel.

        The engine says when: the runner's stdout followed as it is written, a
        blocking ``wait`` on the app, not a state query every poll; should
        either fail, the loop polls.
        """
        deadline = time.monotonic() + run_timeout
        timed_out = False
        ended = threading.Event()
        found: list[str] = []
        threading.Thread(target=follow_report, args=(tests, lines, ended, found), daemon=True).start()
        threading.Thread(target=await_exit, args=(app, ended, run_timeout + 30), daemon=True).start()
        while True:
            if found:
                break  # the report is out (or a kept runner's run ended without one): nothing left to say
            if ended.is_set():  # a container ended (or a wait failed: from then on, every turn looks)
                if lines.ended is not None and self._look(tests, lines, found):
                    break  # a kept runner outlives its runs: its log says whether this one is over
                tests.reload()
                if tests.status in ("exited", "dead"):
                    break
                app.reload()
                if app.status in ("exited", "dead"):
                    self._stop(tests)
                    break
            if self._cancelled.is_set():
                raise Cancelled()  # run()'s finally removes both containers
            if time.monotonic() > deadline:
                timed_out = True
                self._stop(tests)
                break
            if ended.is_set():
                time.sleep(POLL_SECONDS)
            else:
                ended.wait(POLL_SECONDS)
        app.reload()
        state = app.attrs["State"]
        limits: list[Limit] = [Limit.RUN_TIMEOUT] if timed_out else []
        if state.get("OOMKilled") or oom_kills(app.id):
            limits.append(Limit.MEMORY)
        app_exit = None
        if app.status in ("exited", "dead"):
            app_exit = AppExit(exit_code=state.get("ExitCode"), log_tail=tail(app, "stderr"))
        return RunOutcome(
            sandbox=self.name,
            report=self._report(tests, found, lines),
            app_exit=app_exit,
            timed_out=timed_out,
            image=image,
            limits_hit=tuple(limits),
        )

    def _look(self, tests: Any, lines: Lines, found: list[str]) -> bool:
        """Whether the run's report or end is in the runner's log (read now, since the run's go)."""
        found.extend(lines.read(tests))
        return bool(found)

    def _stop(self, tests: Any) -> None:
        """SIGTERM first: the runner then reports the tests that did finish."""
        from docker.errors import APIError

        try:
            tests.stop(timeout=1)
        except APIError:
            return

    def _report(self, tests: Any, found: list[str], lines: Lines) -> RunReport | None:
        """The run's report line (as followed, or read now), validated; a bad one is our bug.

        The runner is trusted and writes one report per run, once; its stdout holds nothing else.
        """
        payload = report_in(found or lines.read(tests), lines)
        if payload is None:
            return None
        try:
            report = load(payload, RunReport)
        except ProtocolError as exc:
            raise ChallengeError(f"the test runner returned an invalid report: {exc}") from None
        assert isinstance(report, RunReport)
        return report
