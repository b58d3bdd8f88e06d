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

from grader.cli import main


def _admin(cwd: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """``grader admin ...`` in a real process (a pipe for stdin, as a script would give it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("GRADER_DATA_DIR", "DATABASE_URL")}
    return subprocess.run(
        [sys.executable, "-m", "grader.cli", "admin", *args],
        cwd=cwd, input=stdin or "", capture_output=True, text=True, timeout=120, env=env,
    )  # fmt: skip


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


@pytest.mark.slow
def test_serve_in_the_local_sandbox_warns_once(tmp_path: Path) -> None:
    lines = _serve_first_lines(tmp_path / "data", "local")
    assert lines.count("warning: --sandbox local runs the submissions' code unsandboxed") == 1


def test_admin_commands_say_which_data_folder_and_database_they_act_on(tmp_path: Path) -> None:
    done = _admin(tmp_path, "create-team", "acme")
    assert done.returncode == 0, done.stderr
    folder = (tmp_path / "grader-data").resolve()
    assert f"data folder {folder}, database sqlite:///{folder}/grader.db" in done.stderr
    other = _admin(tmp_path, "list-tokens", "--data-dir", str(tmp_path / "elsewhere"))
    assert f"data folder {(tmp_path / 'elsewhere').resolve()}" in other.stderr


def test_a_piped_password_is_read_without_getpass_warnings(tmp_path: Path) -> None:
    assert _admin(tmp_path, "create-team", "acme").returncode == 0
    done = _admin(tmp_path, "create-user", "--team", "acme", "alice", stdin="correct horse\n")
    assert done.returncode == 0, done.stderr
    assert "created user alice" in done.stdout
    assert "Warning" not in done.stderr and "echo" not in done.stderr
    short = _admin(tmp_path, "create-user", "--team", "acme", "bob", stdin="short\n")
    assert short.returncode == 2
    assert "at least 8 characters" in short.stderr

    from grader.service.app import create_app, service
    from grader.service.auth import check_login

    app = create_app({"DATA_DIR": str(tmp_path / "grader-data"), "START_JOBS": False})
    with app.app_context(), service().db.session() as session:
        assert check_login(session, "alice", "correct horse") is not None


def test_admin_help_gives_every_command_a_whole_summary() -> None:
    from click.testing import CliRunner

    result = CliRunner().invoke(main, ["admin", "--help"])
    assert result.exit_code == 0
    commands = result.output.split("Commands:")[1]
    assert "..." not in commands
    assert "Create a dashboard user (password: 8+ characters)." in commands
    assert "--data-dir" in result.output
