"""A kept runner: the suite collected once, then one forked pytest per submission.

The host keeps this runner's container for many submissions of one
challenge (:mod:`grader.sandbox.kept`), one at a time: each submission's app
runs in a container of its own that joins this container's network
namespace, and is removed before the next one joins. This process (the
parent) imports pytest, the plugin and the hidden suite and collects it,
then waits for the host's go files in its go folder, read-only here:
``<run id>.json``, holding the app's environment for that run.

For each go it forks a child, which resets the run's clock, reaches the
app and runs the collected tests, then writes its report on a line of its
own, ``GRADER-REPORT-<run id> {json}``, and exits. The parent never runs a
test nor talks to an app: nothing of one submission's run is in the
process the next child is forked from. When the child has ended, the
parent writes ``GRADER-ENDED-<run id>`` (the host then knows a run that
left no report ended), and waits for the next go.

SIGTERM (the host stopping the container at a run's deadline) is passed to
the child, whose own handler reports the tests that finished; then the
parent exits. With no go for ``idle_timeout`` seconds, it exits too.
"""

from __future__ import annotations

import json
import os
import re
import signal
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

#: A go file's name: the run id the host generated, never anything of a submission.
GO_NAME = re.compile(r"^([0-9a-f]{12})\.json$")
REPORT = "GRADER-REPORT-{run} "
ENDED = "GRADER-ENDED-{run}"


def report_prefix(run_id: str) -> str:
    """The start of a kept runner's report line for ``run_id`` (the host looks for exactly this)."""
    return REPORT.format(run=run_id)


def ended_line(run_id: str) -> str:
    return ENDED.format(run=run_id)


class KeptRuns:
    """pytest plugin: after collection, serve one run per go file, each in a forked child."""

    def __init__(
        self,
        folder: str,
        idle_timeout: float,
        recorder: Any,
        reach_app: Callable[[], None],
        failure: list[Any],
        emitter: Any,
        on_term: Callable[[int, FrameType | None], None],
    ) -> None:
        self.folder, self.idle_timeout, self.recorder = folder, idle_timeout, recorder
        self.reach_app, self.failure, self.emitter, self.on_term = reach_app, failure, emitter, on_term
        self.seen: set[str] = set()
        self.child = 0

    def pytest_collection_finish(self, session: Any) -> None:
        signal.signal(signal.SIGTERM, self._forward)
        while True:
            run_id, env = self._next_go()
            if run_id is None:
                os._exit(0)  # idle: the host no longer counts on this runner
            self.child = os.fork()
            if self.child == 0:
                self._become_run(run_id, env, session)
                return  # the child goes on with the session: the collected tests, against its app
            os.waitpid(self.child, 0)
            self.child = 0
            os.write(self.emitter.fd, (ended_line(run_id) + "\n").encode())

    def _become_run(self, run_id: str, env: dict[str, str], session: Any) -> None:
        signal.signal(signal.SIGTERM, self.on_term)
        self.emitter.prefix = report_prefix(run_id)
        os.environ["GRADER_APP_ENV"] = json.dumps(env)
        self.recorder.started = time.monotonic()
        self.recorder.stamps.clear()
        self.recorder.stamp("start")
        self.recorder.stamp("imported")
        self.reach_app()
        if self.failure:
            session.config.option.collectonly = True
        self.recorder.stamp("collected")  # collected long before: nothing of it is this run's

    def _next_go(self) -> tuple[str | None, dict[str, str]]:
        """The next go's run id and app environment; (None, {}) after ``idle_timeout`` without one."""
        from grader.appkit.gofile import wait_until

        found: list[str] = []

        def ready() -> bool:
            for name in sorted(os.listdir(self.folder)):
                match = GO_NAME.match(name)
                if match and match.group(1) not in self.seen:
                    found.append(match.group(1))
                    return True
            return False

        if not wait_until(self.folder, ready, self.idle_timeout):
            return None, {}
        run_id = found[0]
        self.seen.add(run_id)
        try:
            with open(os.path.join(self.folder, f"{run_id}.json"), encoding="utf-8") as handle:
                data = json.load(handle)
            env = {str(k): str(v) for k, v in dict(data.get("env") or {}).items()}
        except (OSError, ValueError, TypeError, AttributeError):
            env = {}  # written by the host, whole (renamed into place): not expected
        return run_id, env

    def _forward(self, signum: int, frame: FrameType | None) -> None:
        """SIGTERM: the child reports what finished; then this runner ends."""
        if self.child:
            try:
                os.kill(self.child, signal.SIGTERM)
                os.waitpid(self.child, 0)
            except (ProcessLookupError, ChildProcessError):
                pass
        os._exit(0)
