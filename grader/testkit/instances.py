"""More instances of the app for one suite: ``app_with_env(...)`` and ``restart_app()``.

Where the app is served by the launcher (docker mode, and local mode for a
challenge with a ``[server]`` table), both go through the launcher's control
port: a new instance is inspected and served like the first, in the same
sandbox, on a port of its own; a restart stops an instance's server and
starts it again with its data kept. In local mode with the app in-process,
``app_with_env`` starts a launcher of its own in a subprocess; ``restart_app``
needs the served mode (a challenge using it declares ``[server]``).
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from pathlib import Path
from typing import Any

from ..appkit.ports import bound_socket, port_of
from ..protocol import AppFailure, Facts, ProtocolError, load
from .client import Client, ClientError, HttpClient

LAUNCHER = Path(__file__).resolve().parents[1] / "appkit" / "launch.py"


class InstanceError(AssertionError):
    """An instance could not be started; the test that asked for it fails with this message."""


def wait_listening(host: str, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.02)
    raise InstanceError(f"the app did not start listening within {timeout:g} s")


def message_of(raw: Any) -> Facts | AppFailure:
    try:
        message = load(raw if isinstance(raw, str | bytes) else json.dumps(raw), Facts, AppFailure)
    except ProtocolError as exc:
        raise InstanceError(f"the launcher's answer was unreadable ({exc})") from None
    assert isinstance(message, Facts | AppFailure)
    return message


class Instances:
    """Starts and restarts instances of the app under test."""

    def __init__(
        self,
        host: str,
        main_port: int | None,
        control_port: int | None,
        app_dir: str | None,
        start_timeout: float,
        request_timeout: float,
    ) -> None:
        self.host = host
        self.main_port = main_port
        self.control_port = control_port
        self.app_dir = app_dir
        self.start_timeout = start_timeout
        self.request_timeout = request_timeout
        self.children: list[subprocess.Popen[bytes]] = []

    def _command(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        assert self.control_port is not None
        control = HttpClient(self.host, self.control_port, self.start_timeout + 5)
        try:
            answer = control.post(path, json=body)
        except ClientError as exc:
            raise InstanceError(f"the launcher did not answer ({exc})") from None
        data = answer.json() if answer.status in (200, 400) else {}
        if answer.status != 200 or not isinstance(data, dict):
            reason = data.get("error") if isinstance(data, dict) else answer.status
            raise InstanceError(f"the launcher refused: {reason}")
        return data

    def with_env(self, env: dict[str, str]) -> Client:
        """A client for a fresh instance of the app with these extra environment variables."""
        if self.control_port is not None:
            answer = self._command("/instances", {"env": dict(env)})
            port, message = int(answer["port"]), message_of(answer["message"])
        else:
            port, message = self._local_launcher(env)
        if isinstance(message, AppFailure):
            raise InstanceError(f"the app did not start with {sorted(env)}: {message.message}")
        wait_listening(self.host, port, self.start_timeout)
        return HttpClient(self.host, port, self.request_timeout)

    def restart(self) -> None:
        """Stop the app's server and start it again, its writable data kept."""
        if self.control_port is None or self.main_port is None:
            raise InstanceError(
                "restart_app() needs the app served from a process: declare [server] in challenge.toml"
            )
        self._command("/restart", {"port": self.main_port})
        wait_listening(self.host, self.main_port, self.start_timeout)

    def _local_launcher(self, env: dict[str, str]) -> tuple[int, Facts | AppFailure]:
        """Local in-process mode: a launcher subprocess serving one instance with ``env``."""
        assert self.app_dir is not None
        child, port, control = start_launcher(
            self.app_dir, self.start_timeout, env={**os.environ, **env}, output=subprocess.DEVNULL
        )
        self.children.append(child)
        deadline = time.monotonic() + self.start_timeout + 2
        while time.monotonic() < deadline:
            try:
                answer = HttpClient(self.host, control, 1.0).get("/")
            except ClientError:
                time.sleep(0.05)
                continue
            if answer.status == 200:
                return port, message_of(answer.content)
            time.sleep(0.05)
        raise InstanceError(f"the app did not start within {self.start_timeout:g} s")

    def close(self) -> None:
        for child in self.children:
            child.kill()
            child.wait()


def start_launcher(
    app_dir: str,
    start_timeout: float,
    *args: str,
    env: dict[str, str] | None = None,
    output: int | None = None,
    new_session: bool = False,
) -> tuple[subprocess.Popen[bytes], int, int]:
    """Local mode: the launcher in a subprocess serving ``app_dir``; it, its app port, its control port.

    Both sockets are bound here and handed over (:mod:`grader.appkit.ports`
    says why a port is never looked up and bound later).
    """
    from ..appkit.inspection import launch_command

    app, control = bound_socket(), bound_socket()
    with app, control:
        child = subprocess.Popen(
            launch_command(
                LAUNCHER,
                app_dir,
                "--port-fd",
                str(app.fileno()),
                "--control-fd",
                str(control.fileno()),
                "--start-timeout",
                f"{start_timeout:g}",
                *args,
            ),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=output,
            pass_fds=(app.fileno(), control.fileno()),
            start_new_session=new_session,
        )
        return child, port_of(app), port_of(control)
