"""The ``local`` sandbox: the suite and the app in one process of their own, no isolation.

For candidates iterating on their own code: it starts in well under a second
and needs no Docker. The candidate's code runs with the user's rights and in
the same process as the tests, so it is *not* for grading strangers' code
(see SECURITY.md). That process (forked by :mod:`.zygote`, or a fresh
Python) still gets the run's deadline, its own process group (so everything
it spawned is killed with it), a scratch working folder and a fresh
``UPLOAD_FOLDER``.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from pathlib import Path
from typing import Protocol

from ..errors import Cancelled, InfrastructureError
from ..protocol import Limit, ProtocolError, RunReport, load
from .base import (
    APP_ENV_VAR,
    SUITE_CACHE_ENV,
    UPLOAD_ENV,
    AppExit,
    RunOutcome,
    RunRequest,
    own_cache_dir,
    resolve_env,
    runner_phases,
)
from .zygote import ZygoteUnavailable, shared_zygote

POLL_SECONDS = 0.05
#: All the app gets of the user's environment (plus the challenge's ``[env]``), as in docker, where
#: it gets none: a host's ``APP_*`` or ``FLASK_*`` variables must not change a local verdict.
_KEPT_ENV = frozenset({"PATH", "LANG", "LANGUAGE", "TZ", "TMPDIR", "SYSTEMROOT"})

#: How much of the subprocess's output is kept (the tail), in bytes.
OUTPUT_TAIL_BYTES = 16 * 1024
_GRADER_PARENT = str(Path(__file__).resolve().parents[2])
#: What the runner and the app's servers import in local mode (gunicorn serves extra instances and
#: ``[server]`` challenges): all runtime dependencies of the package, checked before a run so a
#: missing one is the grader's error (exit 3, named) rather than every test failing after timeouts.
RUNTIME_MODULES = ("flask", "pytest", "gunicorn")


def require_runtime(modules: tuple[str, ...] = RUNTIME_MODULES) -> None:
    """Raise :class:`InfrastructureError` naming the first module this Python cannot import."""
    for name in modules:
        if importlib.util.find_spec(name) is None:
            raise InfrastructureError(
                f"the local sandbox needs the Python package {name!r}, which is not installed "
                "in the grader's Python environment",
                hint=f"reinstall flask-grader there (pip install --force-reinstall flask-grader) "
                f"or pip install {name}",
            )


def _drain(fd: int, keep: deque[bytes]) -> None:
    """Read a pipe to its end, keeping only the tail (output floods stay bounded), then close it.

    Only this thread closes it: a process that left the run's group may hold
    the pipe open, and closing it under a blocked read would block the closer.
    """
    size = 0
    with open(fd, "rb") as stream:
        while chunk := stream.read1(65536):
            keep.append(chunk)
            size += len(chunk)
            while size > OUTPUT_TAIL_BYTES and len(keep) > 1:
                size -= len(keep.popleft())


class _Runner(Protocol):
    """The runner's process, forked by the zygote or started by ``subprocess``."""

    pid: int
    returncode: int | None

    def wait(self, timeout: float | None = None) -> int: ...


def _kill_group(proc: _Runner, grace: float) -> None:
    """SIGTERM the whole group (the runner then writes a partial report), then SIGKILL."""
    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 5.0)):
        try:
            os.killpg(proc.pid, sig)
        except ProcessLookupError:
            return
        try:
            proc.wait(timeout=wait)
            if sig == signal.SIGTERM:
                os.killpg(proc.pid, signal.SIGKILL)
            return
        except subprocess.TimeoutExpired:
            continue
        except ProcessLookupError:
            return
        except ZygoteUnavailable:  # its exit can no longer be awaited: make sure of it
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            return


def _base_env() -> dict[str, str]:
    """All the runner gets of the user's environment, and how it finds the grader."""
    env = {k: v for k, v in os.environ.items() if k in _KEPT_ENV or k.startswith("LC_")}
    env.update({"PYTHONPATH": _GRADER_PARENT, "PYTHONDONTWRITEBYTECODE": "1"})
    return env


def _suite_cache() -> str | None:
    """The folder the runner keeps the suite's bytecode in; None if this user has none to give.

    The cache only saves pytest a rewrite: a home that cannot hold it (read-only,
    or the folder someone else's) costs that, not the grading.
    """
    try:
        return str(own_cache_dir("bytecode"))
    except OSError:
        return None


class LocalSandbox:
    """Runs :mod:`grader.testkit.runner` in a process of its own against the app in-process.

    That process is forked by this grader process's zygote (:mod:`.zygote`), a
    Python that has imported the runner's modules once, rather than started
    afresh each run. Without it (``fork_server=False``, or when it cannot
    start) each run starts ``python -m grader.testkit.runner``, as before; a
    zygote that died is started again by the next run, and a run it carried
    is run again from the start in a fresh Python. The deadline, the process
    group kill and the report are the same either way.
    """

    name = "local"

    def __init__(self, *, fork_server: bool = True) -> None:
        self._cancelled = threading.Event()
        self._fork_server = fork_server

    def identity(self) -> str:
        return f"local:{sys.version.split()[0]}"

    def cancel(self) -> None:
        self._cancelled.set()

    def _wait(self, proc: _Runner, run_timeout: float) -> bool:
        """Wait for the runner; True if the whole-run deadline passed first."""
        deadline = time.monotonic() + run_timeout
        while True:
            try:
                proc.wait(timeout=POLL_SECONDS)
                return False
            except subprocess.TimeoutExpired:
                if self._cancelled.is_set():
                    raise Cancelled() from None  # run()'s finally kills the process group
                if time.monotonic() > deadline:
                    return True

    def run(self, request: RunRequest) -> RunOutcome:
        if self._cancelled.is_set():
            raise Cancelled()
        require_runtime()
        if self._fork_server:
            try:
                return self._run(request, forked=True)
            except ZygoteUnavailable:
                pass  # in a fresh Python, from the start
        return self._run(request, forked=False)

    def _start(self, args: list[str], env: dict[str, str], cwd: str, output: int, forked: bool) -> _Runner:
        """The runner's process, in a session of its own, writing to ``output``."""
        if forked:
            return shared_zygote(_base_env()).spawn(args, env, cwd, output)
        return subprocess.Popen(
            [sys.executable, "-m", "grader.testkit.runner", *args],
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )

    def _run(self, request: RunRequest, *, forked: bool) -> RunOutcome:
        limits = request.limits
        with tempfile.TemporaryDirectory(prefix="grader-local-") as scratch:
            uploads = Path(scratch, "uploads")
            uploads.mkdir()
            report_path = Path(scratch, "report.json")
            env = _base_env()
            env["HOME"] = scratch
            app_env = {**resolve_env(request.env, str(uploads)), UPLOAD_ENV: str(uploads)}
            env.update(app_env)
            env[APP_ENV_VAR] = json.dumps(app_env)
            env.update({"PYTHONPATH": _GRADER_PARENT, "PYTHONDONTWRITEBYTECODE": "1"})  # over the app's [env]
            cache = _suite_cache()
            if cache is not None:
                env[SUITE_CACHE_ENV] = cache
            args = [
                "--tests",
                str(request.tests_dir),
                "--app-dir",
                str(request.app_dir),
                "--report",
                str(report_path),
                "--start-timeout",
                str(limits.start_timeout),
                "--test-timeout",
                str(limits.test_timeout),
            ] + (["--serve", "--workers", str(request.workers)] if request.served else [])
            args += ["--exitfirst"] if request.first_failure else []
            tail: deque[bytes] = deque()
            read_end, write_end = os.pipe()
            launched = time.time()
            try:
                proc = self._start(args, env, scratch, write_end, forked)
            except BaseException:
                os.close(read_end)
                raise
            finally:
                os.close(write_end)
            reader = threading.Thread(target=_drain, args=(read_end, tail), daemon=True)
            reader.start()
            try:
                timed_out = self._wait(proc, limits.run_timeout)
            finally:
                ended = time.time()
                _kill_group(proc, grace=2.0)
                reader.join(timeout=2.0)
            teardown = round(time.time() - ended, 3)
            log = b"".join(tail).decode("utf-8", errors="replace")
            report, problem = _read_report(report_path)
            # the report is the candidate's to disturb here: its stamps are only ever shown
            timing = {**runner_phases(report, launched, ended), "teardown": teardown}
            app_exit = None
            if report is None and not timed_out and not problem:
                app_exit = AppExit(exit_code=proc.returncode, log_tail=log[-4000:])
            return RunOutcome(
                sandbox=self.name,
                report=report,
                app_exit=app_exit,
                timed_out=timed_out,
                limits_hit=(Limit.RUN_TIMEOUT,) if timed_out else (),
                problem=problem,
                timing=timing,
            )


def _read_report(path: Path) -> tuple[RunReport | None, str]:
    """The runner's report file, validated, or why there is none.

    In local mode the candidate's code runs inside the runner's process, so an
    unreadable report is the submission's doing (an error verdict), not the
    grader's: the docker sandbox treats the same thing as a grader fault.
    """
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return None, ""
    try:
        report = load(raw, RunReport)
    except ProtocolError as exc:
        return None, (
            f"the test runner's report was unreadable ({exc}); in local mode the app's code runs "
            "inside the test runner and can disturb it: grade in docker"
        )
    assert isinstance(report, RunReport)
    return report, ""
