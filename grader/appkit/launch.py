"""The candidate's container's first process: inspect, publish, then serve.

Started by path with ``python -I launch.py DIR`` (docker mode), so the
submission can shadow none of its modules, it runs no candidate code itself:

1. it makes itself non-dumpable, so the candidate's processes (same user)
   cannot open its memory or its file descriptors through ``/proc``;
2. it binds the control port before any candidate code runs (or, in local
   mode, inherits it bound by its parent), so nothing else can answer
   there. In local mode (a loopback shared with the whole host) it also
   inherits the app's socket, bound by its parent, and keeps it for the
   whole run: each server serves it, a restart never gives the port up
   (:mod:`grader.appkit.ports`). In a container (a network namespace of
   the run's own) the server binds its port itself once the app is
   imported, so nothing the import started holds the port, and it refuses
   connections the moment the server is gone;
3. it imports Flask, gunicorn, the inspector and the server's code, so that
   both can be forked from it (:mod:`grader.appkit.fork`) rather than
   started as new Pythons; with ``--wait-for FILE`` (a pooled container,
   created before its submission exists) it then waits until the host
   creates ``FILE``, having copied the submission in, and only then runs
   anything of the submission;
4. it forks the inspector (:mod:`grader.appkit.inspection`) under the start
   deadline and publishes its one message, facts or failure, on the control
   port, for the trusted runner in the other container to read;
5. if the app loaded, it forks the server (:mod:`grader.appkit.serve`) as a
   child and ends with the server's exit status, which the host reads from
   the engine; if it did not, it keeps publishing the failure until the host
   ends the run;
6. on the runner's request it starts further instances of the app with
   extra environment variables (``app_with_env``), each inspected and served
   the same way on a port of its own (named in the answer), and restarts an
   instance's server (``restart_app``) on the same port, keeping the run's
   writable folder.

Everything the candidate's processes print goes to the container's stderr;
the host shows it as the app's log, and never parses it.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # started by path: find the grader package beside this file's
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import argparse  # noqa: E402 - after the path set-up above
import ctypes  # noqa: E402
import http.server  # noqa: E402
import json  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from grader.appkit.fork import ForkedProcess, fork_child  # noqa: E402
from grader.appkit.gofile import wait_for  # noqa: E402
from grader.appkit.inspection import as_script, inspect_submission  # noqa: E402
from grader.appkit.ports import bound_socket, port_of, wait_free  # noqa: E402
from grader.protocol import APP_PORT, CONTROL_PORT, AppFailure, Facts, dump  # noqa: E402

_PR_SET_DUMPABLE = 4


def make_undumpable() -> bool:
    """``prctl(PR_SET_DUMPABLE, 0)``: /proc/<pid>/{mem,fd,environ} become root's (no capability is left)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


MAX_INSTANCES = 4
#: In a container, extra app instances (``app_with_env``) listen from this port up.
FIRST_INSTANCE_PORT = 8010
#: The descriptor a local server finds its instance's socket on.
_SERVER_FD = 3
_RESERVED_ENV = ("GRADER_", "PYTHON")


class Instance:
    """One app instance: its port, its extra environment, its message and its server process.

    ``sock`` (local mode only) is the instance's socket, bound before any
    candidate code and held for the whole run; each server serves it
    (``fd://``). In a container the server binds its port itself, after the
    app's import, so no process the import started holds the port open once
    the server is gone (see step 2 of the module's docstring).
    """

    def __init__(self, port: int, env: dict[str, str], sock: socket.socket | None = None) -> None:
        self.port = port
        self.env = env
        self.sock = sock
        self.message: Facts | AppFailure | None = None
        self.server: ForkedProcess | None = None


class Launcher:
    """Inspects and serves the app, once per instance; restarts keep the run's writable folder."""

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.lock = threading.Lock()
        if args.port_fd is not None:  # local mode: the parent bound it (appkit.ports)
            held = socket.socket(fileno=args.port_fd)
            self.main = Instance(port_of(held), {}, held)
        else:
            self.main = Instance(args.port, {})
        self.extra: list[Instance] = []

    def start(self, instance: Instance) -> None:
        env = {**os.environ, **instance.env}
        instance.message = inspect_submission(
            self.args.directory, self.args.start_timeout, output=2, env=env, fork=True
        )
        if isinstance(instance.message, Facts):
            self._serve(instance)

    def _serve(self, instance: Instance) -> None:
        from grader.appkit import serve

        where = ["--fd", str(_SERVER_FD)] if instance.sock is not None else ["--port", str(instance.port)]
        argv = [
            self.args.directory,
            *where,
            "--threads",
            str(self.args.threads),
            "--timeout",
            str(self.args.timeout),
            "--workers",
            str(self.args.workers),
        ]
        null = os.open(os.devnull, os.O_RDONLY)
        fds = {0: null, 1: 2, 2: 2}
        if instance.sock is not None:
            fds[_SERVER_FD] = instance.sock.fileno()
        try:
            instance.server = fork_child(
                lambda: as_script(serve.main, serve.__file__, argv),
                fds=fds,
                cwd=self.args.directory,
                env={**os.environ, **instance.env},
                new_session=False,
            )
        finally:
            os.close(null)

    def new_instance(self, env: dict[str, str]) -> Instance:
        with self.lock:
            if len(self.extra) >= MAX_INSTANCES:
                raise ValueError(f"at most {MAX_INSTANCES} extra instances per run")
            if self.main.sock is not None:  # local mode: any free port, held (the answer names it)
                held = bound_socket()
                instance = Instance(port_of(held), env, held)
            else:
                instance = Instance(FIRST_INSTANCE_PORT + len(self.extra), env)
            self.extra.append(instance)
        self.start(instance)
        return instance

    def restart(self, port: int) -> Instance:
        """Stop the instance's server and start it again: same code, same environment, same data.

        In a container the new server binds the port itself, so it starts
        only once nothing listens there any more (or the start deadline has
        passed: then its own bind fails as the app's fault). Otherwise a
        worker the old master SIGKILLed on its way out, still dying, held
        the port when the runner was told the restart was done, and the
        runner's first requests were queued on that socket and reset with it
        (seen under load as "Remote end closed connection without response").
        """
        instance = next((i for i in [self.main, *self.extra] if i.port == port), None)
        if instance is None or instance.server is None:
            raise ValueError(f"no running instance on port {port}")
        with self.lock:
            old = instance.server
            old.terminate()
            try:
                old.wait(timeout=5)
            except subprocess.TimeoutExpired:
                old.kill()
                old.wait()
            if instance.sock is None:
                wait_free(instance.port, self.args.start_timeout)
            self._serve(instance)
        return instance

    def wait_main(self) -> int:
        """Wait for the main server to end on its own (not by a restart); its status is the container's."""
        while True:
            server = self.main.server
            assert server is not None
            code = server.wait()
            with self.lock:
                if server is self.main.server:
                    return code if code >= 0 else 128 - code


def _valid_env(raw: object) -> dict[str, str]:
    if not isinstance(raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in raw.items()
    ):
        raise ValueError("env must map names to strings")
    if any(k.startswith(_RESERVED_ENV) or not k.isupper() for k in raw):
        raise ValueError("env names are upper case and not the grader's own")
    return dict(raw)


class ControlServer:
    """The control port: the main instance's message, and instance commands for the runner.

    ``GET /``: the main instance's message (503 until inspection is over).
    ``POST /instances`` ``{"env": {...}}``: a new instance; answers its port and message.
    ``POST /restart`` ``{"port": n}``: restart that instance's server.
    Anything on the loopback can ask, the app included; it only ever gets
    instances of itself, within the container's limits.
    """

    def __init__(self, sock: socket.socket, launcher: Launcher) -> None:
        owner = self
        self.launcher = launcher
        self.body: bytes | None = None

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                self._answer(200 if owner.body is not None else 503, owner.body or b"")

            def do_POST(self) -> None:  # noqa: N802 - stdlib naming
                try:
                    length = min(int(self.headers.get("Content-Length") or 0), 65536)
                    request = json.loads(self.rfile.read(length) or b"{}")
                    answer = owner.command(self.path, request)
                except (ValueError, TypeError) as exc:
                    self._answer(400, json.dumps({"error": str(exc)}).encode())
                    return
                self._answer(200, json.dumps(answer).encode())

            def _answer(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = http.server.ThreadingHTTPServer(sock.getsockname(), Handler, bind_and_activate=False)
        self.server.socket.close()
        self.server.socket = sock  # bound already (here or by the parent): it starts listening now
        self.server.server_activate()
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, message: Facts | AppFailure) -> None:
        self.body = dump(message).encode()

    def command(self, path: str, request: Any) -> dict[str, Any]:
        if not isinstance(request, dict):
            raise ValueError("the request is not a JSON object")
        if path == "/instances":
            instance = self.launcher.new_instance(_valid_env(request.get("env", {})))
        elif path == "/restart":
            port = request.get("port")
            if not isinstance(port, int):
                raise ValueError("port must be an integer")
            instance = self.launcher.restart(port)
        else:
            raise ValueError(f"unknown command {path[:40]!r}")
        assert instance.message is not None
        return {"port": instance.port, "message": instance.message.to_dict()}


def preload() -> None:
    """Import what the inspector and the server need, once, before any candidate code (see step 3)."""
    import flask  # noqa: F401
    import flask.cli  # noqa: F401
    import gunicorn.app.base  # noqa: F401
    import gunicorn.arbiter  # noqa: F401
    import gunicorn.workers.gthread  # noqa: F401

    import grader.appkit.inspector  # noqa: F401
    import grader.appkit.introspect  # noqa: F401
    import grader.appkit.serve  # noqa: F401


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.appkit.launch")
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=APP_PORT)
    parser.add_argument("--control-port", type=int, default=CONTROL_PORT)
    parser.add_argument("--start-timeout", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--port-fd", type=int, help="local mode: the app's socket, bound by the parent")
    parser.add_argument("--control-fd", type=int, help="local mode: the control socket, bound by the parent")
    parser.add_argument("--wait-for", help="a pooled container: start once this file exists")
    parser.add_argument("--idle-timeout", type=float, default=600.0, help="...and end if it does not")
    args = parser.parse_args(argv)
    make_undumpable()
    launcher = Launcher(args)
    control_sock = (
        socket.socket(fileno=args.control_fd)
        if args.control_fd is not None
        else bound_socket(args.control_port)
    )
    control = ControlServer(control_sock, launcher)
    preload()
    if args.wait_for and not wait_for(args.wait_for, args.idle_timeout):
        return 0  # never used: the host removes the container
    launcher.start(launcher.main)
    assert launcher.main.message is not None
    control.publish(launcher.main.message)
    if launcher.main.server is None:
        while True:  # the host ends the run once the runner has read the failure
            time.sleep(3600)

    def forward(signum: int, frame: object) -> None:
        for instance in [launcher.main, *launcher.extra]:
            if instance.server is not None:
                instance.server.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return launcher.wait_main()


if __name__ == "__main__":
    sys.exit(main())
