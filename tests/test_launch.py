"""The launcher runs candidate code in its server only after a good inspection, never after a failed one."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from grader.appkit.inspection import launch_command
from grader.appkit.ports import bound_socket, port_of
from grader.testkit.instances import LAUNCHER, start_launcher, wait_listening

#: Each process that imports this submission notes which grader script it runs as.
NOTE = (
    "import os, sys\n"
    "with open(os.environ['IMPORTS_NOTE'], 'a') as note:\n"
    "    note.write(os.path.basename(sys.argv[0]) + '\\n')\n"
)


def _launch(app_dir: Path, note: Path) -> tuple[subprocess.Popen[bytes], int]:
    app, control = bound_socket(), bound_socket()
    with app, control:
        proc = subprocess.Popen(
            launch_command(
                LAUNCHER, str(app_dir), "--port-fd", str(app.fileno()), "--control-fd", str(control.fileno()),
                "--start-timeout", "20",
            ),
            env={"PATH": "/usr/bin:/bin", "IMPORTS_NOTE": str(note)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
            pass_fds=(app.fileno(), control.fileno()),
        )  # fmt: skip
        return proc, port_of(control)


def _message(control: int) -> dict[str, object]:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{control}/", timeout=2) as answer:
                return dict(json.loads(answer.read()))
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.05)
    raise AssertionError("the launcher published nothing within 30 s")


@pytest.mark.parametrize(
    ("body", "kind", "imports"),
    [
        ("from flask import Flask\napp = Flask(__name__)\n", "facts", ["inspector.py", "serve.py"]),
        ("raise ImportError('no such thing')\n", "app_failure", ["inspector.py"]),
    ],
    ids=["loads", "fails"],
)
def test_the_server_loads_the_app_only_after_a_good_inspection(
    tmp_path: Path, body: str, kind: str, imports: list[str]
) -> None:
    app_dir, note = tmp_path / "app", tmp_path / "imports.txt"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(NOTE + body)
    proc, control = _launch(app_dir, note)
    try:
        assert _message(control)["type"] == kind
        deadline = time.monotonic() + 20
        while len(_lines(note)) < len(imports) and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)  # a server released by mistake would import the app by now
        assert _lines(note) == imports, "candidate code runs in the server only after the inspector"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher's session: its server and gunicorn too
        proc.wait(10)


def _lines(note: Path) -> list[str]:
    return note.read_text().splitlines() if note.exists() else []


def test_a_local_gradings_ports_are_its_own_from_the_start(tmp_path: Path) -> None:
    """Local mode shares the host's loopback: both ports are held before the app even listens, so no
    other process (another local grading's app) can take them and answer the tests (appkit/ports.py)."""
    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(
        "import time\ntime.sleep(3)\nfrom flask import Flask\napp = Flask(__name__)\n"
    )
    child, port, control = start_launcher(
        str(app_dir), 20.0, env={"PATH": "/usr/bin:/bin"}, output=subprocess.DEVNULL, new_session=True
    )
    try:
        for held in (port, control):
            with socket.socket() as other, pytest.raises(OSError):
                other.bind(("127.0.0.1", held))
        assert _message(control)["type"] == "facts"
        with socket.socket() as other, pytest.raises(OSError):
            other.bind(("127.0.0.1", port))
    finally:
        os.killpg(child.pid, signal.SIGKILL)  # the launcher's session: its server too
        child.wait(10)


#: An app whose request forks a process that keeps the server's listening socket for 3 s (a fork
#: inherits every descriptor), as a worker the old gunicorn master SIGKILLed does while it dies.
LINGERING = """
import os, time
from flask import Flask
app = Flask(__name__)

@app.get("/")
def index():
    return "up"

@app.post("/linger")
def linger():
    if os.fork() == 0:
        time.sleep(3)
        os._exit(0)
    return "forked"
"""


def test_a_restarted_server_is_announced_only_once_its_port_is_free(tmp_path: Path) -> None:
    """A container's server binds its port itself: a restart that answered while some process of the
    old server still held the port let the runner's next requests queue there and be reset with it."""
    from .conftest import free_port

    app_dir = tmp_path / "app"
    app_dir.mkdir()
    (app_dir / "app.py").write_text(LINGERING)
    port, control = free_port(), free_port()
    proc = subprocess.Popen(
        launch_command(LAUNCHER, str(app_dir), "--port", str(port), "--control-port", str(control)),
        env={"PATH": "/usr/bin:/bin"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        assert _message(control)["type"] == "facts"
        base = f"http://127.0.0.1:{port}"
        wait_listening("127.0.0.1", port, 20)  # the server binds once it has loaded the app
        with urllib.request.urlopen(base + "/", timeout=5) as answer:
            assert answer.read() == b"up"
        linger = urllib.request.Request(base + "/linger", method="POST")
        with urllib.request.urlopen(linger, timeout=5) as answer:
            assert answer.read() == b"forked"
        restart = urllib.request.Request(
            f"http://127.0.0.1:{control}/restart", data=json.dumps({"port": port}).encode(), method="POST"
        )
        with urllib.request.urlopen(restart, timeout=30) as answer:
            assert json.loads(answer.read())["port"] == port
        wait_listening("127.0.0.1", port, 10)  # what the runner does next
        with urllib.request.urlopen(base + "/", timeout=10) as answer:
            assert answer.read() == b"up"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # the launcher's session: its server, the lingering fork too
        proc.wait(10)
