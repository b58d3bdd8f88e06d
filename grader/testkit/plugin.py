"""The pytest plugin that serves fixtures to challenge suites and records results.

Modelled on pytest's own junitxml plugin: a small object gathers outcomes
through ``pytest_runtest_logreport`` and the runner writes them once, as JSON,
when the session ends (or when the run is cut short). Nothing is pickled; the
host validates the JSON before believing any of it.

Suites use two fixtures and two markers:

* ``client``: a :class:`~grader.testkit.client.Client` bound to the app;
* ``app_facts``: the app's structure (routes, blueprints, factory), see
  :mod:`grader.appkit.introspect`;
* ``@pytest.mark.points(n)``: what the test is worth (default 1);
* ``@pytest.mark.promises("id", ...)``: the statement's promises (its
  ``[#id]`` tags) the test checks, read by ``grader verify --promises``;
* the test's docstring: its description, shown to people.
"""

from __future__ import annotations

import re
import signal
import time
from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass, field
from types import FrameType
from typing import Any

import pytest

from ..protocol import AppFailure, RunReport, TestEntry, TestStatus
from .client import Client, ClientTimeout
from .instances import InstanceError, Instances

#: pytest's "+  where ..." / "+  and ..." explanation lines, which repeat what the
#: assertion already shows; a diff's own "+ actual" lines are kept.
_EXPLANATION = re.compile(r"^\s*(\+\s+)+(where|and)\b")


class TestTimeout(BaseException):
    """Raised inside a test that ran past its deadline.

    A ``BaseException``, like the start timeout: in local mode the candidate's
    view runs in this process, and its ``except Exception: pass`` must not
    swallow the deadline.
    """

    __test__ = False


@dataclass
class Target:
    """What the suite runs against: a client factory and the app's facts."""

    make_client: Callable[[], Client]
    facts: dict[str, Any]
    env: dict[str, str] = field(default_factory=dict)
    instances: Instances | None = None


class FixturePlugin:
    """Provides the suite's fixtures for one target (see docs/authoring.md)."""

    def __init__(self, target: Target) -> None:
        self.target = target

    @pytest.fixture
    def client(self) -> Client:
        """A client with its own cookie jar, like one browser."""
        return self.target.make_client()

    @pytest.fixture
    def new_client(self) -> Callable[[], Client]:
        """Opens further clients that share nothing (no cookies) with ``client`` or each other."""
        return self.target.make_client

    @pytest.fixture
    def app_facts(self) -> dict[str, Any]:
        return self.target.facts

    @pytest.fixture
    def app_with_env(self) -> Callable[[dict[str, str]], Client]:
        """Starts a fresh instance of the app with extra environment variables; returns its client."""
        return self._instances().with_env

    @pytest.fixture
    def restart_app(self) -> Callable[[], None]:
        """Restarts the app under test (its writable data kept); ``client`` keeps working."""
        return self._instances().restart

    def _instances(self) -> Instances:
        if self.target.instances is None:
            raise InstanceError("this run has no app to start again")
        return self.target.instances

    @pytest.fixture
    def app_env(self) -> dict[str, str]:
        """The environment the grader gave the app (the challenge's ``[env]``, secrets drawn)."""
        return dict(self.target.env)


class DeadlinePlugin:
    """Ends any single test that runs longer than ``seconds`` (SIGALRM).

    HTTP timeouts alone are not enough: a test may loop over many requests,
    or (in local mode) the candidate's view may spin in-process.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def _expire(self, signum: int, frame: FrameType | None) -> None:
        raise TestTimeout(f"test timed out after {self.seconds:g} s")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item: pytest.Item) -> Iterator[None]:
        previous = signal.signal(signal.SIGALRM, self._expire)
        signal.setitimer(signal.ITIMER_REAL, self.seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)


def _points(item: pytest.Item) -> float:
    marker = item.get_closest_marker("points")
    if marker is None or not marker.args:
        return 1.0
    return float(marker.args[0])


def _description(item: pytest.Item) -> str:
    doc = getattr(getattr(item, "function", None), "__doc__", None) or ""
    lines = [line.strip() for line in doc.strip().splitlines() if line.strip()]
    return " ".join(lines) if lines else item.name.replace("_", " ")


def _message(report: pytest.TestReport, limit: int = 2000) -> str:
    excinfo = getattr(report, "grader_exconly", None)
    text = excinfo if isinstance(excinfo, str) else report.longreprtext
    if report.skipped and isinstance(report.longrepr, tuple):
        text = str(report.longrepr[2])
    lines = [line for line in text.strip().splitlines() if not _EXPLANATION.match(line)]
    text = "\n".join(lines).strip()
    return text if len(text) <= limit else text[:limit] + "..."


class ResultRecorder:
    """Collects one outcome per collected test; serialises them as a report."""

    def __init__(self) -> None:
        self.tests: dict[str, dict[str, Any]] = {}
        self.collect_errors: list[str] = []
        self.started = time.monotonic()
        #: wall-clock times of the runner's steps, for the grader's per-phase timing
        self.stamps: dict[str, float] = {}

    def stamp(self, step: str, at: float | None = None) -> None:
        """Note when ``step`` was reached (the host lines these up with its own clock)."""
        self.stamps[step] = time.time() if at is None else at

    def pytest_configure(self, config: pytest.Config) -> None:
        config.addinivalue_line("markers", "points(n): what the test is worth (default 1)")
        config.addinivalue_line(
            "markers", "promises(*ids): the statement's promises ([#id] tags) this test checks"
        )

    def pytest_collection_modifyitems(self, items: list[pytest.Item]) -> None:
        self.stamp("collected")
        for item in items:
            self.tests[item.nodeid] = {
                "nodeid": item.nodeid,
                "name": item.name,
                "description": _description(item),
                "points": _points(item),
                "outcome": None,
                "message": "",
                "duration": 0.0,
                "timed_out": False,
            }

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        if report.failed:
            self.collect_errors.append(f"{report.nodeid}: {report.longreprtext[-1500:]}")

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(
        self, item: pytest.Item, call: pytest.CallInfo[None]
    ) -> Generator[None, Any, None]:
        outcome: Any = yield
        report = outcome.get_result()
        if call.excinfo is not None and not report.skipped:
            report.grader_exconly = call.excinfo.exconly()  # type: ignore[attr-defined]
            timed_out = call.excinfo.errisinstance((TestTimeout, ClientTimeout))
            report.grader_timed_out = timed_out  # type: ignore[attr-defined]

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        entry = self.tests.get(report.nodeid)
        if entry is None:
            return
        entry["duration"] = round(entry["duration"] + report.duration, 4)
        if getattr(report, "grader_timed_out", False):
            entry["timed_out"] = True
        if report.when == "call":
            entry["outcome"] = report.outcome
            if not report.passed:
                entry["message"] = _message(report)
        elif report.failed:
            # setup or teardown failed: the test itself did not get a fair run
            entry["outcome"] = "error"
            entry["message"] = f"{report.when} failed: {_message(report)}"
        elif report.skipped and entry["outcome"] is None:
            entry["outcome"] = "skipped"
            entry["message"] = _message(report)

    def stopped_early(self) -> bool:
        """Some test failed and some never ran: the run was stopped at a failure (``-x``)."""
        outcomes = [entry["outcome"] for entry in self.tests.values()]
        return None in outcomes and any(o in ("failed", "error") for o in outcomes)

    def report(self, interrupted: str | None = None, app_failure: AppFailure | None = None) -> RunReport:
        """The report; tests that never ran keep no outcome."""
        return RunReport(
            tests=tuple(_entry(raw) for raw in self.tests.values()),
            collect_errors=tuple(self.collect_errors),
            interrupted=interrupted,
            app_failure=app_failure,
            duration=round(time.monotonic() - self.started, 4),
            stamps=tuple({**self.stamps, "done": time.time()}.items()),
        )


def _entry(raw: dict[str, Any]) -> TestEntry:
    outcome = raw["outcome"]
    return TestEntry(
        nodeid=raw["nodeid"],
        name=raw["name"],
        description=raw["description"],
        points=raw["points"],
        outcome=None if outcome is None else TestStatus(outcome),
        message=raw["message"],
        duration=raw["duration"],
        timed_out=raw["timed_out"],
    )
