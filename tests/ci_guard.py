"""Under CI (env ``CI=true``) a skipped test fails the run.

The charter: a test that needs a real part (Docker, redis-server, PostgreSQL,
chromium) fails when the part is missing, never skips. The tests do so one by
one; this guard also catches a skip nobody meant, from any worker of a
pytest-xdist run (the controller sees every worker's reports). Loaded by
``tests/conftest.py``; ``tests/test_ci_guard.py`` runs it on a scratch suite.
"""

from __future__ import annotations

import os

import pytest

_skipped: list[str] = []


def in_ci() -> bool:
    """CI services (GitHub Actions, GitLab, ``.ci/run``'s callers) set CI=true."""
    return os.environ.get("CI", "").lower() in ("true", "1")


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Note each skip (an expected failure, xfail, is not one)."""
    if report.skipped and not hasattr(report, "wasxfail"):
        _skipped.append(report.nodeid)


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Turn a green CI run with skips into a failed one, naming the skipped tests."""
    if hasattr(session.config, "workerinput") or not in_ci() or not _skipped:
        return  # an xdist worker's session: the controller decides
    names = ", ".join(_skipped[:10]) + (f" and {len(_skipped) - 10} more" if len(_skipped) > 10 else "")
    print(f"\nerror: {len(_skipped)} test(s) skipped under CI=true, where nothing may skip: {names}")
    if exitstatus == pytest.ExitCode.OK:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
