"""The package as a pip user gets it: the built wheel, no extras, in a fresh virtualenv.

``pip install flask-grader`` must be enough to grade in local mode, including
challenges whose suite starts extra app instances (factory-config), which are
served by gunicorn. A dependency missing there is the grader's own error
(exit 3, naming the package), never a column of failed tests.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
pytestmark = pytest.mark.slow


def _run(*args: str | Path, timeout: float = 600, **kwargs: object) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        timeout=timeout,
        **kwargs,  # type: ignore[call-overload]
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel built from this checkout, as ``pip wheel`` (hatchling) builds it for PyPI."""
    dist = tmp_path_factory.mktemp("dist")
    built = _run(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-w", dist, ROOT)
    assert built.returncode == 0, built.stderr[-3000:]
    (found,) = dist.glob("flask_grader-*.whl")
    return found


def _install(wheel: Path, env_dir: Path) -> Path:
    """A fresh virtualenv with the wheel and its runtime dependencies only (no extras)."""
    venv.EnvBuilder(with_pip=True).create(env_dir)
    # pip's own cache is kept (no --no-cache-dir): the dependencies download once per machine
    installed = _run(env_dir / "bin" / "python", "-m", "pip", "install", "-q", wheel)
    assert installed.returncode == 0, installed.stderr[-3000:]
    return env_dir


@pytest.fixture(scope="module")
def wheel_venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _install(wheel, tmp_path_factory.mktemp("venv") / "venv")


def _grade(env_dir: Path, challenge: str, path: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRADER_")}
    return _run(
        env_dir / "bin" / "grader", "grade", challenge, path, "--sandbox", "local", "--format", "json",
        cwd=tmp_path, env=env, timeout=300,
    )  # fmt: skip


def test_the_wheel_without_extras_grades_a_multi_instance_challenge(wheel_venv: Path, tmp_path: Path) -> None:
    solution = ROOT / "challenges" / "factory-config" / "solution"
    done = _grade(wheel_venv, "factory-config", solution, tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert result["status"] == "passed", [t for t in result["tests"] if t["status"] != "passed"]
    assert result["score"] == result["max_score"]


def test_a_missing_runtime_dependency_is_exit_3_naming_it(wheel: Path, tmp_path: Path) -> None:
    broken = _install(wheel, tmp_path / "venv")
    removed = _run(broken / "bin" / "python", "-m", "pip", "uninstall", "-y", "-q", "gunicorn")
    assert removed.returncode == 0, removed.stderr[-2000:]
    done = _grade(broken, "factory-config", ROOT / "challenges" / "factory-config" / "solution", tmp_path)
    assert done.returncode == 3, (done.returncode, done.stdout[-2000:], done.stderr[-2000:])
    assert "gunicorn" in done.stderr and "Traceback" not in done.stderr
    assert done.stdout.strip() == ""
