"""The CI run's exit status: a failed test on any xdist worker, or a skip under CI=true, fails it.

Each case runs a real pytest process (with pytest-xdist workers, as ``scripts/test.sh``
does) on a scratch suite that loads ``tests/ci_guard.py``.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

SUITE = """
import pytest

def test_one():
    pass

def test_two():
    {body}

@pytest.mark.xfail(reason="an expected failure is no skip", strict=True)
def test_three():
    assert False
"""


def _run(tmp_path: Path, body: str, ci: bool) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_scratch.py").write_text(SUITE.format(body=body))
    env = {k: v for k, v in os.environ.items() if k not in ("CI", "PYTEST_ADDOPTS")}
    if ci:
        env["CI"] = "true"
    command = [sys.executable, "-m", "pytest", "-p", "tests.ci_guard", "-n", "2", "--dist", "loadgroup"]
    return subprocess.run(
        [*command, "-p", "no:cacheprovider", "--rootdir", str(tmp_path), str(tmp_path)],
        cwd=ROOT,
        env={**env, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.parametrize("ci", [False, True], ids=["local", "ci"])
def test_a_failure_on_a_worker_fails_the_run(tmp_path: Path, ci: bool) -> None:
    done = _run(tmp_path, "assert 1 == 2", ci)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "1 failed, 1 passed, 1 xfailed" in done.stdout


def test_a_skip_fails_the_run_under_ci_and_names_the_test(tmp_path: Path) -> None:
    done = _run(tmp_path, 'pytest.skip("no redis-server")', ci=True)
    assert done.returncode == 1, done.stdout[-2000:]
    assert "1 test(s) skipped under CI=true" in done.stdout and "test_scratch.py::test_two" in done.stdout


def test_a_skip_outside_ci_and_an_xfail_anywhere_pass(tmp_path: Path) -> None:
    assert _run(tmp_path, 'pytest.skip("no redis-server")', ci=False).returncode == 0
    done = _run(tmp_path, "pass", ci=True)
    assert done.returncode == 0, done.stdout[-2000:]
