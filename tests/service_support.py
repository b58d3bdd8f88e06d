"""Helpers for the service tests: a real ``grader serve`` process, admin commands, archives.

The API tests talk to a real server over HTTP (waitress, threads, the job
runner), not to Flask's test client.
"""

from __future__ import annotations

import io
import os
import re
import signal
import subprocess
import sys
import tarfile
import time
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import requests
from click.testing import CliRunner
from flask import Flask
from flask.testing import FlaskClient

from grader.cli import main

from .conftest import GOLDEN

HELLO = GOLDEN / "hello-world"


def admin(data_dir: Path, *args: str) -> str:
    """Run ``grader admin ...`` in-process on ``data_dir``; returns stdout."""
    result = CliRunner().invoke(main, ["admin", *args, "--data-dir", str(data_dir)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.stdout.strip()


def make_team(data_dir: Path, name: str, user: str | None = None) -> str:
    """A team with an API token (and a dashboard user with password ``password-<user>``)."""
    admin(data_dir, "create-team", name)
    if user:
        admin(data_dir, "create-user", "--team", name, user, "--password", f"password-{user}")
    return admin(data_dir, "create-token", "--team", name).splitlines()[-1]


def zip_folder(folder: Path) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.name != "expected.toml" and "__pycache__" not in path.parts:
                archive.write(path, path.relative_to(folder).as_posix())
    return buffer.getvalue()


def golden_zip(case: str) -> bytes:
    return zip_folder(HELLO / case)


def batch_archive(cases: dict[str, str], extra: dict[str, bytes] | None = None) -> bytes:
    """A .tar.gz with one folder per candidate: ``{candidate: golden case}``, plus raw members."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        for candidate, case in cases.items():
            for path in sorted((HELLO / case).rglob("*")):
                if path.is_file() and path.name != "expected.toml" and "__pycache__" not in path.parts:
                    archive.add(path, f"{candidate}/{path.relative_to(HELLO / case).as_posix()}")
        for name, data in (extra or {}).items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def expected_status(case: str) -> str:
    return (HELLO / case / "expected.toml").read_text().split('"')[1]


class Server:
    """``grader serve`` in a child process, on a free port, logging to a file."""

    def __init__(
        self, data_dir: Path, sandbox: str = "local", workers: int = 2, env: dict[str, str] | None = None
    ):
        self.data_dir = data_dir
        self.sandbox = sandbox
        self.workers = workers
        self.env = env or {}
        self.process: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.log = data_dir.parent / f"{data_dir.name}-server.log"

    def start(self) -> Server:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        handle = open(self.log, "ab")  # noqa: SIM115 - the child keeps writing to it
        start = self.log.stat().st_size
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "grader",
                "serve",
                "--data-dir",
                str(self.data_dir),
                "--port",
                "0",
                "--sandbox",
                self.sandbox,
                "--workers",
                str(self.workers),
            ],
            stdout=handle,
            stderr=handle,
            env={**os.environ, **self.env},
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            text = self.log.read_bytes()[start:].decode(errors="replace")
            found = re.search(r"serving on (http://\S+)", text)
            if found:
                self.url = found.group(1)
                return self
            if self.process.poll() is not None:
                raise AssertionError(f"grader serve exited {self.process.returncode}:\n{text}")
            time.sleep(0.1)
        raise AssertionError(f"grader serve did not start:\n{self.log.read_text()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        assert self.process is not None
        self.process.send_signal(sig)
        return self.process.wait(timeout=60)


class Api:
    """A bearer-token client for one team."""

    def __init__(self, server: Server, token: str) -> None:
        self.base = server.url + "/api/v1"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.base + path, timeout=30, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def upload(
        self, data: bytes, name: str = "sub.zip", challenge: str = "hello-world", **form: str
    ) -> requests.Response:
        return self.post("/submissions", data={"challenge": challenge, **form}, files={"file": (name, data)})

    def wait_done(self, path: str, timeout: float = 90) -> dict[str, Any]:
        """Poll a submission or batch until it is done."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            body: dict[str, Any] = self.get(path).json()
            if body.get("status") == "done" or body.get("done") is True:
                return body
            time.sleep(0.25)
        raise AssertionError(f"{path} not done after {timeout} s: {body}")


CSRF_FIELD = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def csrf(client: FlaskClient, path: str) -> str:
    """The CSRF token of the form at ``path`` (Flask's test client)."""
    page = client.get(path).get_data(as_text=True)
    found = CSRF_FIELD.search(page)
    assert found, page[:800]
    return found.group(1)


def login(app: Flask, user: str) -> FlaskClient:
    """A test client logged in to the dashboard as ``user`` (password ``password-<user>``, see make_team)."""
    client = app.test_client()
    answer = client.post(
        "/login",
        data={"username": user, "password": f"password-{user}", "csrf_token": csrf(client, "/login")},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)
    return client


def login_http(server: Server, user: str) -> requests.Session:
    """A ``requests`` session logged in to a real ``grader serve`` as ``user``."""
    http = requests.Session()
    page = http.get(server.url + "/login", timeout=30).text
    found = CSRF_FIELD.search(page)
    assert found, page[:800]
    login_form = {"username": user, "password": f"password-{user}", "csrf_token": found.group(1)}
    assert (
        http.post(server.url + "/login", data=login_form, allow_redirects=False, timeout=30).status_code
        == 302
    )
    return http


@contextmanager
def dashboard_app(data: Path, **config: Any) -> Iterator[Flask]:
    """The service in this process (Flask's test client): teams alpha (alice) and beta (bert), real grading.

    Grading runs for real in the local sandbox on one worker thread unless
    ``config`` says otherwise (``START_JOBS=False``: no grading at all).
    """
    from grader.service.app import create_app

    data.mkdir(parents=True, exist_ok=True)
    make_team(data, "alpha", user="alice")
    make_team(data, "beta", user="bert")
    flask_app = create_app({"DATA_DIR": str(data), "SANDBOX": "local", "WORKERS": 1, **config})
    try:
        yield flask_app
    finally:
        flask_app.extensions["grader"].stop()
