"""Run one challenge suite against one app and emit a single JSON report.

This is the trusted side's entry point, the same in both modes::

    python -m grader.testkit.runner --tests DIR --app-dir SUBMISSION   # local
    python -m grader.testkit.runner --tests DIR --app-url 127.0.0.1:8000  # docker

The suite's own output is silenced; the only thing written to stdout is one
line, ``GRADER-REPORT {json}`` (or the JSON goes to ``--report FILE``). pytest
reads no configuration or conftest file from anywhere but this package, and
no third-party plugin is auto-loaded, so nothing beside the suite can change
how it runs. SIGTERM (the host's whole-run deadline) still produces a report:
the tests that did not finish are left without an outcome.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

REPORT_PREFIX = "GRADER-REPORT "
EMPTY_INI = Path(__file__).with_name("pytest.ini")
MAX_FACTS_BYTES = 256 * 1024


class AppStartError(Exception):
    """The app could not be reached or loaded; ``kind`` classifies why."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


class _StartTimeout(BaseException):
    """Raised by SIGALRM inside the candidate's import: not an ``Exception``, so
    neither the loader's nor the candidate's ``except Exception`` can swallow it."""


class _Emitter:
    """Writes the report exactly once, to a file or to the original stdout."""

    def __init__(self, report_path: str | None) -> None:
        self.report_path = report_path
        self.fd = os.dup(1)
        self.done = False

    def emit(self, report: dict[str, Any]) -> None:
        if self.done:
            return
        self.done = True
        payload = json.dumps(report, ensure_ascii=True)
        if self.report_path:
            tmp = f"{self.report_path}.tmp"
            with open(tmp, "w", encoding="utf-8") as handle:
                handle.write(payload)
            os.replace(tmp, self.report_path)
        else:
            os.write(self.fd, (REPORT_PREFIX + payload + "\n").encode())


def _local_target(app_dir: str, start_timeout: float) -> Any:
    from grader.appkit.introspect import load_and_describe
    from grader.appkit.loader import AppLoadError

    from .client import FlaskClient
    from .plugin import Target

    def expire(signum: int, frame: FrameType | None) -> None:
        raise _StartTimeout

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, start_timeout)
    try:
        loaded, facts = load_and_describe(os.path.abspath(app_dir))
    except AppLoadError as exc:
        raise AppStartError(exc.kind, exc.message) from None
    except _StartTimeout:
        raise AppStartError("start_timeout", f"the app did not load within {start_timeout:g} s") from None
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    app = loaded.app
    return Target(make_client=lambda: FlaskClient(app), facts=facts)


def _http_target(app_url: str, start_timeout: float, request_timeout: float) -> Any:
    from grader.appkit.serve import facts_port

    from .client import HttpClient
    from .plugin import Target

    host, _, port_text = app_url.rpartition(":")
    port = int(port_text)
    deadline = time.monotonic() + start_timeout
    facts: dict[str, Any] | None = None
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                pass
            with urllib.request.urlopen(f"http://{host}:{facts_port(port)}/", timeout=1) as answer:
                parsed = json.loads(answer.read(MAX_FACTS_BYTES))
            if isinstance(parsed, dict):
                facts = parsed
                break
        except (OSError, ValueError):
            time.sleep(0.02)
    if facts is None:
        raise AppStartError("start_timeout", f"the app did not start listening within {start_timeout:g} s")
    return Target(make_client=lambda: HttpClient(host, port, request_timeout), facts=facts)


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
    args = parser.parse_args(argv)

    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    emitter = _Emitter(args.report)

    from .plugin import DeadlinePlugin, FixturePlugin, ResultRecorder

    recorder = ResultRecorder()

    def on_term(signum: int, frame: FrameType | None) -> None:
        emitter.emit(recorder.report(interrupted="the whole-run time limit was reached"))
        os._exit(0)

    signal.signal(signal.SIGTERM, on_term)
    try:
        if args.app_dir:
            target = _local_target(args.app_dir, args.start_timeout)
        else:
            target = _http_target(args.app_url, args.start_timeout, args.test_timeout)
    except AppStartError as exc:
        emitter.emit(recorder.report(app_error={"kind": exc.kind, "message": exc.message}))
        return 0

    import pytest

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115 - replaces the process stdout
    pytest.main(
        _pytest_args(args.tests),
        plugins=[recorder, FixturePlugin(target), DeadlinePlugin(args.test_timeout)],
    )
    emitter.emit(recorder.report())
    return 0


if __name__ == "__main__":
    sys.exit(main())
