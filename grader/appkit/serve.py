"""Entry point of the candidate's container: load the app, then serve it.

``python -m grader_appkit.serve DIR`` (the package is mounted under that name)
loads the app from DIR, serves it with gunicorn on ``--port`` (8000) and
publishes its structure on the next port up, both on loopback only: the container has no
other network. Exit codes tell the host why the app could not start, and the
last line on stderr says it in words.
"""

from __future__ import annotations

import argparse
import http.server
import json
import os
import sys
import threading
from typing import Any

from .introspect import load_and_describe
from .loader import AppLoadError, LoadedApp

#: The app listens here; its structure is published on the next port up.
DEFAULT_PORT = 8000
EXIT_NO_APP = 3
EXIT_IMPORT_ERROR = 4
#: Starts the launcher's own explanation on stderr; the host shows it to the candidate.
MESSAGE_PREFIX = "grader: "


def facts_port(app_port: int) -> int:
    """Where the app's structural facts are published: the port after the app's."""
    return app_port + 1


def _facts_server(facts: bytes, port: int) -> http.server.ThreadingHTTPServer:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - stdlib naming
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(facts)))
            self.end_headers()
            self.wfile.write(facts)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            return

    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def _serve(loaded: LoadedApp, port: int, threads: int, timeout: int) -> None:
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": f"127.0.0.1:{port}",
                "workers": 1,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": timeout,
                "graceful_timeout": 1,
                "keepalive": 0,
                "loglevel": "warning",
                "worker_tmp_dir": "/tmp",
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return loaded.app

    Server().run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader_appkit.serve")
    parser.add_argument("directory")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=int, default=30)
    args = parser.parse_args(argv)
    directory = os.path.abspath(args.directory)
    os.chdir(directory)
    try:
        loaded, facts = load_and_describe(directory)
    except AppLoadError as exc:
        print(f"{MESSAGE_PREFIX}{exc.message}", file=sys.stderr, flush=True)
        return EXIT_NO_APP if exc.kind == "no_app" else EXIT_IMPORT_ERROR
    _facts_server(json.dumps(facts).encode(), facts_port(args.port))
    _serve(loaded, args.port, args.threads, args.timeout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
