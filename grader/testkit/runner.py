"""Run one challenge suite against one app and emit a single report.

This is the trusted side's entry point, the same in both modes::

    python -m grader.testkit.runner --tests DIR --app-dir SUBMISSION --report FILE   # local
    python -m grader.testkit.runner --tests DIR --app-url 127.0.0.1:8000              # docker

Before any test runs, the app's facts (or the reason it failed to load) are
obtained through :mod:`grader.protocol`: in docker mode from the launcher's
control port, in local mode from an inspector process this runner starts
itself. The start deadline covers the whole start-up, reads included.

The suite's own output is silenced; the only thing written to stdout is one
line, ``GRADER-REPORT {json}`` (or the JSON goes to ``--report FILE``). pytest
reads no configuration or conftest file from anywhere but this package, and
no third-party plugin is auto-loaded, so nothing beside the suite can change
how it runs. When the app failed to start, the suite is still collected, so
the report lists every test (not run) and the suite's real total. SIGTERM
(the host's whole-run deadline) still produces a report: the tests that did
not finish are left without an outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from types import FrameType
from typing import Any

from ..protocol import (
    CONTROL_PORT,
    REPORT_PREFIX,
    AppFailure,
    Facts,
    FailureKind,
    ProtocolError,
    RunReport,
    dump,
    load,
)

EMPTY_INI = Path(__file__).with_name("pytest.ini")


def _pauses(first: float = 0.005, most: float = 0.05) -> Iterator[float]:
    """Pauses between polls of the control port, then the app's port: 5 ms first (an app ready in a
    few dozen milliseconds is seen at once), growing to 50 ms (a slow import is not flooded)."""
    pause = first
    while True:
        yield pause
        pause = min(pause * 1.5, most)


class AppStartFailed(Exception):
    """The app could not be loaded or reached; ``failure`` is the protocol's account of why."""

    def __init__(self, failure: AppFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


class _StartTimeout(BaseException):
    """Raised by SIGALRM inside the candidate's import: not an ``Exception``, so
    neither the loader's nor the candidate's ``except Exception`` can swallow it."""


class _Emitter:
    """Writes the report exactly once, to a file or to the original stdout."""

    def __init__(self, report_path: str | None) -> None:
        self.report_path = report_path
        self.fd = os.dup(1)
        self.done = False
        #: what starts the report line on stdout (a kept runner's child names its run: see .kept)
        self.prefix = REPORT_PREFIX

    def emit(self, report: RunReport) -> None:
        if self.done:
            return
        self.done = True
        payload = dump(report)
        if self.report_path:
            tmp = f"{self.report_path}.tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(tmp, self.report_path)
        else:
            os.write(self.fd, (self.prefix + payload + "\n").encode())


def _timeout(start_timeout: float) -> AppFailure:
    return AppFailure(
        FailureKind.START_TIMEOUT, f"the app did not start listening within {start_timeout:g} s"
    )


def _local_target(app_dir: str, start_timeout: float) -> Any:
    """Facts from an inspector process, then the app loaded here for Flask's test client."""
    from grader.appkit.inspection import inspect_submission
    from grader.appkit.loader import AppLoadError, load_app

    from .client import FlaskClient
    from .instances import Instances
    from .plugin import Target

    deadline = time.monotonic() + start_timeout
    message = inspect_submission(os.path.abspath(app_dir), start_timeout, fork=True)
    if isinstance(message, AppFailure):
        raise AppStartFailed(message)

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _StartTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(deadline - time.monotonic(), 0.01))
    try:
        loaded = load_app(os.path.abspath(app_dir))
    except AppLoadError as exc:
        raise AppStartFailed(exc.failure) from None
    except _StartTimeout:
        raise AppStartFailed(_timeout(start_timeout)) from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    app = loaded.app
    return Target(
        make_client=lambda: FlaskClient(app),
        facts=message.data,
        env=_app_env(),
        instances=Instances("127.0.0.1", None, None, os.path.abspath(app_dir), start_timeout, start_timeout),
    )


def _control_message(host: str, control_port: int, deadline: float) -> Facts | AppFailure | None:
    """The launcher's message from the control port, or None if it has none yet."""
    from .client import ClientError, HttpClient

    left = deadline - time.monotonic()
    if left <= 0:
        return None
    try:
        answer = HttpClient(host, control_port, min(left, 1.0)).get("/")
    except ClientError:
        return None
    if answer.status != 200:
        return None
    try:
        message = load(answer.content, Facts, AppFailure)
    except ProtocolError as exc:
        return AppFailure(FailureKind.TAMPERED, f"the launcher's message was not readable ({exc})")
    assert isinstance(message, Facts | AppFailure)
    return message


def _listening(host: str, port: int, deadline: float) -> bool:
    left = deadline - time.monotonic()
    if left <= 0:
        return False
    try:
        with socket.create_connection((host, port), timeout=min(left, 0.5)):
            return True
    except OSError:
        return False


def _http_target(
    app_url: str, start_timeout: float, request_timeout: float, control_port: int = CONTROL_PORT
) -> Any:
    """Facts (or the failure) from the launcher, then wait for the app to listen; one deadline for both."""
    from .client import HttpClient
    from .instances import Instances
    from .plugin import Target

    host, _, port_text = app_url.rpartition(":")
    port = int(port_text)
    deadline = time.monotonic() + start_timeout
    message: Facts | AppFailure | None = None
    pauses = _pauses()
    while message is None and time.monotonic() < deadline:
        message = _control_message(host, control_port, deadline)
        if message is None:
            time.sleep(next(pauses))
    if message is None:
        raise AppStartFailed(_timeout(start_timeout))
    if isinstance(message, AppFailure):
        raise AppStartFailed(message)
    pauses = _pauses()
    while not _listening(host, port, deadline):
        if time.monotonic() >= deadline:
            raise AppStartFailed(_timeout(start_timeout))
        time.sleep(next(pauses))
    return Target(
        make_client=lambda: HttpClient(host, port, request_timeout),
        facts=message.data,
        env=_app_env(),
        instances=Instances(host, port, control_port, None, start_timeout, request_timeout),
    )


def _served_target(app_dir: str, start_timeout: float, request_timeout: float, workers: int) -> Any:
    """Local mode for a challenge with ``[server]``: the launcher in a subprocess, no sandbox, then HTTP."""
    from .instances import start_launcher

    # in this process group: the local sandbox ends it with the run
    _, port, control_port = start_launcher(os.path.abspath(app_dir), start_timeout, "--workers", str(workers))
    return _http_target(f"127.0.0.1:{port}", start_timeout, request_timeout, control_port)


def _app_env() -> dict[str, str]:
    """What the sandbox gave the app, passed to the test side as JSON (see sandbox.base)."""
    try:
        parsed = json.loads(os.environ.get("GRADER_APP_ENV", "{}"))
    except ValueError:
        return {}
    return {str(k): str(v) for k, v in parsed.items()} if isinstance(parsed, dict) else {}


def _pytest_args(tests: str) -> list[str]:
    return [
        tests,
        "-c",
        str(EMPTY_INI),
        "--rootdir",
        tests,
        "--noconftest",
        "--import-mode=importlib",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:stepwise",
        "-q",
        "-o",
        "console_output_style=classic",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.testkit.runner")
    parser.add_argument("--tests", required=True)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--app-dir")
    source.add_argument("--app-url")
    parser.add_argument("--report")
    parser.add_argument("--start-timeout", type=float, default=10.0)
    parser.add_argument("--test-timeout", type=float, default=5.0)
    parser.add_argument("--serve", action="store_true", help="local mode: serve the app from a process")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--exitfirst", action="store_true", help="stop at the first failing test")
    parser.add_argument("--wait-for", help="a pooled container: run once this file exists")
    parser.add_argument("--idle-timeout", type=float, default=600.0, help="...and end if it does not")
    parser.add_argument("--kept", action="store_true", help="--wait-for: a folder, a go file per run")
    started = time.time()
    args = parser.parse_args(argv)

    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    emitter = _Emitter(args.report)

    import pytest

    from .plugin import DeadlinePlugin, FixturePlugin, ResultRecorder, Target

    recorder = ResultRecorder()
    recorder.stamp("start", started)

    def on_term(signum: int, frame: FrameType | None) -> None:
        emitter.emit(recorder.report(interrupted="the whole-run time limit was reached"))
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    fixtures = FixturePlugin(Target(make_client=_no_client, facts={}))
    failure: list[AppFailure] = []

    def reach_app() -> None:
        """The app's facts and a client for it, or why it did not start (then the suite is only collected)."""
        try:
            if args.app_dir and args.serve:
                target = _served_target(args.app_dir, args.start_timeout, args.test_timeout, args.workers)
            elif args.app_dir:
                target = _local_target(args.app_dir, args.start_timeout)
            else:
                target = _http_target(args.app_url, args.start_timeout, args.test_timeout)
            fixtures.target = target
        except AppStartFailed as exc:
            failure.append(exc.failure)
        recorder.stamp("ready")

    plugins: list[object] = [recorder, fixtures, DeadlinePlugin(args.test_timeout)]
    cache = os.environ.pop("GRADER_SUITE_CACHE", "")  # local mode (sandbox.base): not the app's
    if cache:
        from .bytecode import SuiteBytecode

        plugins.append(SuiteBytecode(cache))
    if args.wait_for and args.kept:  # kept: collected now, then a forked child per go (see .kept)
        from .kept import KeptRuns

        plugins.append(
            KeptRuns(args.wait_for, args.idle_timeout, recorder, reach_app, failure, emitter, on_term)
        )
    elif args.wait_for:  # pooled: the suite is collected now, the app is reached after the go
        plugins.append(_Go(args.wait_for, args.idle_timeout, recorder, reach_app, failure))
    else:
        recorder.stamp("imported")
        reach_app()
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - replaces the process stdout
    extra = ["--collect-only"] if failure else (["-x"] if args.exitfirst else [])
    pytest.main(_pytest_args(args.tests) + extra, plugins=plugins)
    stopped = "not run: the suite stopped at the first failing test" if recorder.stopped_early() else None
    emitter.emit(recorder.report(interrupted=stopped, app_failure=failure[0] if failure else None))
    if fixtures.target.instances is not None:
        fixtures.target.instances.close()
    return 0


class _Go:
    """A pooled runner's pause between collecting the suite and running it: the host's go.

    Everything before it (Python, pytest, the plugin, the suite's own
    modules) is the same for every submission; the start deadline and the
    run begin once the go file exists, and if the app did not start, the
    suite stays collected only, as an unpooled runner does with
    ``--collect-only``.
    """

    def __init__(
        self,
        path: str,
        idle_timeout: float,
        recorder: Any,
        reach_app: Callable[[], None],
        failure: list[AppFailure],
    ) -> None:
        self.path, self.idle_timeout, self.recorder = path, idle_timeout, recorder
        self.reach_app, self.failure = reach_app, failure

    def pytest_collection_finish(self, session: Any) -> None:
        from grader.appkit.gofile import wait_for

        if not wait_for(self.path, self.idle_timeout):
            os._exit(0)  # never used: the host removes the container
        self.recorder.started = time.monotonic()
        self.recorder.stamp("imported")
        self.reach_app()
        if self.failure:
            session.config.option.collectonly = True
        self.recorder.stamp("collected")  # collected long before: nothing of it is this run's


def _no_client() -> Any:
    raise RuntimeError("the app did not start")  # never reached: tests are only collected


if __name__ == "__main__":
    code = main()
    # The report is out (written, or on stdout unbuffered): skip the interpreter's teardown of pytest,
    # Flask and the suite, which only delays the moment the host sees the run end.
    sys.stderr.flush()
    os._exit(code)
