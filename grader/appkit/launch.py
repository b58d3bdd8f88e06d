"""The candidate's container's first process: inspect, publish, then serve.

Started by path with ``python -I launch.py DIR`` (docker mode), so the
submission can shadow none of its modules, it runs no candidate code itself:

1. it makes itself non-dumpable, so the candidate's processes (same user)
   cannot open its memory or its file descriptors through ``/proc``;
2. it binds the control port before any candidate code runs, so nothing
   else can answer there;
3. it runs the inspector (:mod:`grader.appkit.inspection`) under the start
   deadline and publishes its one message, facts or failure, on the control
   port, for the trusted runner in the other container to read;
4. if the app loaded, it starts the server (:mod:`grader.appkit.serve`) as a
   child and ends with the server's exit status, which the host reads from
   the engine; if it did not, it keeps publishing the failure until the host
   ends the run.

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
import signal  # noqa: E402
import subprocess  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402
from typing import Any  # noqa: E402

from grader.appkit.inspection import inspect_submission, launch_command  # noqa: E402
from grader.protocol import APP_PORT, CONTROL_PORT, AppFailure, Facts, dump  # noqa: E402

SERVE = Path(__file__).resolve().with_name("serve.py")
_PR_SET_DUMPABLE = 4


def make_undumpable() -> bool:
    """``prctl(PR_SET_DUMPABLE, 0)``: /proc/<pid>/{mem,fd,environ} become root's (no capability is left)."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_DUMPABLE, 0, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


class ControlServer:
    """Answers every GET with the current message: 503 until inspection is over."""

    def __init__(self, port: int) -> None:
        self.body: bytes | None = None
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - stdlib naming
                body = owner.body
                self.send_response(200 if body is not None else 503)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body or b"")))
                self.end_headers()
                self.wfile.write(body or b"")

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def publish(self, message: Facts | AppFailure) -> None:
        self.body = dump(message).encode()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.appkit.launch")
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=APP_PORT)
    parser.add_argument("--control-port", type=int, default=CONTROL_PORT)
    parser.add_argument("--start-timeout", type=float, default=10.0)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=int, default=30)
    args = parser.parse_args(argv)
    make_undumpable()
    control = ControlServer(args.control_port)
    message = inspect_submission(args.directory, args.start_timeout, output=2)
    control.publish(message)
    if isinstance(message, AppFailure):
        while True:  # the host ends the run once the runner has read the failure
            time.sleep(3600)
    server = subprocess.Popen(
        launch_command(
            SERVE,
            args.directory,
            "--port",
            str(args.port),
            "--threads",
            str(args.threads),
            "--timeout",
            str(args.timeout),
        ),
        stdin=subprocess.DEVNULL,
        stdout=2,
        stderr=2,
        cwd=args.directory,
    )

    def forward(signum: int, frame: object) -> None:
        server.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    code = server.wait()
    return code if code >= 0 else 128 - code


if __name__ == "__main__":
    sys.exit(main())
