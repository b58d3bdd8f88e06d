"""``grader serve`` and ``grader admin`` as a hiring team runs them (grader/service/cli.py)."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow


def _serve_first_lines(data_dir: Path, sandbox: str) -> str:
    """Start a real ``grader serve``, read its stderr until it serves, stop it; the lines read."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "grader.cli", "serve", "--port", "0", "--sandbox", sandbox, "--workers", "1",
         "--data-dir", str(data_dir)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    assert proc.stderr is not None
    seen = ""
    try:
        deadline = time.monotonic() + 60
        while "serving on" not in seen and time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stderr], [], [], 1.0)
            if ready:
                line = proc.stderr.readline()
                if not line:
                    break
                seen += line
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert "serving on" in seen, seen
    return seen


def test_serve_in_the_local_sandbox_warns_once(tmp_path: Path) -> None:
    lines = _serve_first_lines(tmp_path / "data", "local")
    assert lines.count("warning: --sandbox local runs the submissions' code unsandboxed") == 1
