"""The one seam in front of Docker: what a sandbox is asked, and what it answers.

Grading logic (:mod:`grader.grading`) talks only to :class:`Sandbox`; it does
not know whether the suite ran in containers or in a local subprocess, just as
httpx's client does not know which transport carries its requests.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from ..challenges import Limits, draw_env
from ..protocol import Limit, RunReport

#: Where the app may write uploads; the grader sets ``UPLOAD_FOLDER`` to it.
UPLOAD_ENV = "UPLOAD_FOLDER"
#: The app's environment as JSON, for the suite's ``app_env`` fixture (the test side only).
APP_ENV_VAR = "GRADER_APP_ENV"
#: Local mode: where the runner keeps the suite's compiled, assert-rewritten modules
#: (:mod:`grader.testkit.bytecode`); the runner reads it by this name and removes it.
SUITE_CACHE_ENV = "GRADER_SUITE_CACHE"


def resolve_env(env: Mapping[str, str], data_dir: str) -> dict[str, str]:
    """The challenge's environment with ``{data}`` replaced by this sandbox's writable folder."""
    from ..challenges import DATA_PLACEHOLDER

    return {name: value.replace(DATA_PLACEHOLDER, data_dir) for name, value in env.items()}


@dataclass(frozen=True)
class RunRequest:
    """Run the suite in ``tests_dir`` against the app in ``app_dir``."""

    app_dir: Path
    tests_dir: Path
    limits: Limits
    #: the challenge's ``[env]`` for this run (secrets drawn, ``{data}`` not yet replaced)
    env: Mapping[str, str] = field(default_factory=dict)
    #: the same ``[env]`` as written (``{secret}`` not drawn): a pooled pair draws its own secrets
    env_template: Mapping[str, str] | None = None
    #: the app always runs in a server process (local mode too), with this many workers
    served: bool = False
    workers: int = 1
    #: stop the suite at its first failing test (the rest are reported as not run)
    first_failure: bool = False

    def with_drawn_env(self) -> RunRequest:
        """This request with ``{secret}`` values of its own (a container made ahead draws its own)."""
        if self.env_template is None:
            return self
        return replace(self, env=draw_env(dict(self.env_template)))


@dataclass(frozen=True)
class AppExit:
    """How the candidate's process ended, when it ended on its own, as the engine saw it.

    ``log_tail`` is what the app printed: untrusted text, shown to people and
    never parsed.
    """

    exit_code: int | None
    log_tail: str = ""


@dataclass(frozen=True)
class RunOutcome:
    """What the sandbox observed: the runner's validated report and the app's fate.

    ``report`` is ``None`` when the runner produced none (killed, crashed).
    ``limits_hit`` holds only what the sandbox itself observed (the engine's
    out-of-memory record, its own deadline), never anything the app printed.
    """

    sandbox: str
    report: RunReport | None
    app_exit: AppExit | None = None
    timed_out: bool = False
    image: str | None = None
    limits_hit: tuple[Limit, ...] = ()
    #: why there is no report, when the sandbox knows (e.g. the runner's output was unreadable)
    problem: str = ""
    #: seconds per phase of this run (see :func:`runner_phases`); shown, never part of a verdict
    timing: Mapping[str, float] = field(default_factory=dict)


#: The runner's steps (its report's stamps) and the phase that ends at each, in order.
_RUNNER_STEPS = (
    ("runner_import", "imported"),
    ("app_wait", "ready"),
    ("collect", "collected"),
    ("tests", "done"),
)


def runner_phases(report: RunReport | None, launched: float, ended: float) -> dict[str, float]:
    """The runner's part of a run, from its stamps, between the host's ``launched`` and ``ended``.

    All three are wall-clock times (``time.time()``) of one kernel, so a
    container's stamps line up with the host's. ``runner_import`` is Python
    and pytest starting, ``app_wait`` the runner waiting for the app to be
    inspected and listening, ``collect`` pytest collecting the suite,
    ``tests`` the tests, ``exit`` until the host saw the runner end.
    """
    stamps = dict(report.stamps) if report is not None else {}
    phases: dict[str, float] = {}
    previous = launched
    for phase, step in _RUNNER_STEPS:
        if step in stamps:
            phases[phase] = round(max(stamps[step] - previous, 0.0), 3)
            previous = stamps[step]
    phases["exit"] = round(max(ended - previous, 0.0), 3)
    return phases


class PhaseClock:
    """Seconds per phase of one run, in the order they happened (a sandbox's ``RunOutcome.timing``)."""

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self.mark = time.monotonic()

    def restart(self) -> None:
        """Start the next phase now (after a gap that belongs to no phase)."""
        self.mark = time.monotonic()

    def lap(self, phase: str) -> None:
        """End ``phase`` now: its seconds since the last lap or restart."""
        now = time.monotonic()
        self.laps[phase] = round(now - self.mark, 3)
        self.mark = now


class Sandbox(Protocol):
    """Runs one suite against one app and reports what happened."""

    name: str

    def identity(self) -> str:
        """What the verdicts depend on besides the submission (the image id for docker)."""
        ...

    def run(self, request: RunRequest) -> RunOutcome:
        """Run the suite; raise :class:`~grader.errors.InfrastructureError` if unable."""
        ...

    def cancel(self) -> None:
        """Stop every run under way (from any thread) and refuse new ones.

        Those runs clean up and raise :class:`~grader.errors.Cancelled`. A
        batch calls this on Ctrl-C so it need not wait out hanging gradings.
        """
        ...


def own_cache_dir(name: str, override: str | None = None) -> Path:
    """``~/.cache/flask-grader/NAME`` (or ``override``), created 0700 and checked to be this user's own.

    What is kept there steers later gradings (a pair to claim, a suite's
    compiled code), so a folder someone else owns, or a symlink to one, is
    refused rather than used.
    """
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    root = Path(override) if override else cache / "flask-grader" / name
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    info = root.lstat()
    if not root.is_dir() or root.is_symlink() or info.st_uid != os.getuid():
        raise PermissionError(f"the {name} folder {root} is not a folder of this user's own")
    os.chmod(root, 0o700)
    return root
