"""Reading a run's end from the engine: the runner's report line, a container's exit, a log's tail.

A pair's runner writes one report for its one run (``GRADER-REPORT {json}``);
a kept runner (:mod:`.kept`) writes one per run, each naming its run
(``GRADER-REPORT-<run> {json}``), and a line saying that run's child ended
(``GRADER-ENDED-<run>``). :class:`Lines` says which lines are this run's;
its log is read only from a little before the run's go (``since``).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..protocol import REPORT_PREFIX
from ..testkit.kept import ended_line, report_prefix

#: Where the cgroup of a container records OOM kills, by cgroup layout (v1 cgroupfs, v2 cgroupfs, v2 systemd).
_OOM_FILES = (
    "/sys/fs/cgroup/memory/docker/{id}/memory.oom_control",
    "/sys/fs/cgroup/docker/{id}/memory.events",
    "/sys/fs/cgroup/system.slice/docker-{id}.scope/memory.events",
)


@dataclass(frozen=True)
class Lines:
    """What marks one run's report, and its end without one, in a runner's stdout."""

    report: str = REPORT_PREFIX
    ended: str | None = None
    #: a kept runner's log from this time on (whole seconds: the engine's own resolution)
    since: int | None = None

    @classmethod
    def kept(cls, run_id: str, since: float) -> Lines:
        return cls(report_prefix(run_id), ended_line(run_id), int(since) - 1)

    @property
    def marks(self) -> tuple[str, ...]:
        """How this run's lines start: its report, and (a kept runner's) its end."""
        return tuple(mark for mark in (self.report, self.ended) if mark)

    def logs(self, container: Any, **options: Any) -> Any:
        if self.since is not None:
            options["since"] = self.since
        return container.logs(**options)

    def read(self, container: Any) -> list[str]:
        """This run's report and end lines in the runner's stdout, read now (none if the engine fails)."""
        from docker.errors import APIError

        try:
            text = self.logs(container, stdout=True, stderr=False).decode("utf-8", errors="replace")
        except APIError:
            return []
        return [line for line in text.splitlines() if line.startswith(self.marks)]


def tail(container: Any, stream: str, limit: int = 4000) -> str:
    """The last of a container's stdout or stderr (the app's, for the message of its exit)."""
    from docker.errors import APIError

    try:
        raw = container.logs(stdout=stream == "stdout", stderr=stream == "stderr", tail=200)
    except APIError:
        return ""
    text: str = raw.decode("utf-8", errors="replace")
    return text[-limit:]


def await_exit(container: Any, ended: threading.Event, timeout: float) -> None:
    """Block until the engine says ``container`` stopped (or the wait fails), then set ``ended``."""
    from docker.errors import APIError
    from requests.exceptions import RequestException

    try:
        container.wait(timeout=timeout)
    except (APIError, RequestException):  # removed, engine gone, read timeout: the loop polls instead
        pass
    finally:
        ended.set()


def follow_report(container: Any, lines: Lines, ended: threading.Event, found: list[str]) -> None:
    """Read the runner's stdout as it is written, until this run's report line or end; then set ``ended``.

    The report is the run's last act: once it is out, the verdict need not
    wait for the runner's process and container to end. A kept runner's
    line saying the run ended without a report is put in ``found`` as well
    (:func:`report_in` tells them apart). Should the stream fail (a read
    timeout on a long run, the engine), the loop looks for itself.
    """
    from docker.errors import APIError
    from requests.exceptions import RequestException

    marks = tuple(mark.encode() for mark in lines.marks)
    try:
        pending = b""
        for chunk in lines.logs(container, stdout=True, stderr=False, stream=True, follow=True):
            pending += chunk
            *complete, pending = pending.split(b"\n")
            for line in complete:
                if line.startswith(marks):
                    found.append(line.decode("utf-8", errors="replace"))
                    return
    except (APIError, RequestException):
        pass
    finally:
        ended.set()


def report_in(found: list[str], lines: Lines) -> str | None:
    """The report's JSON among a runner's lines (the last one of this run), or None."""
    for line in reversed(found):
        if line.startswith(lines.report):
            return line[len(lines.report) :]
    return None


def oom_kills(container_id: str) -> int:
    """How many processes the kernel's OOM killer ended in the container's memory cgroup.

    Docker's ``OOMKilled`` flag can miss a killed process that is not the
    container's first one (a gunicorn worker, the inspector); the cgroup's
    own counter does not. Must be read before the container is removed.
    """
    for pattern in _OOM_FILES:
        try:
            text = Path(pattern.format(id=container_id)).read_text(encoding="ascii")
        except OSError:
            continue
        for line in text.splitlines():
            key, _, value = line.partition(" ")
            if key == "oom_kill" and value.strip().isdigit():
                return int(value)
    return 0
