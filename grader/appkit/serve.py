"""Serve the candidate's app with gunicorn: the process the tests talk to.

Started by the launcher (:mod:`grader.appkit.launch`) by path, with
``python -I``, once the inspector has loaded the same app. This process is
the candidate's: it publishes nothing and reports nothing; what it does is
observed only over HTTP by the trusted runner, and its exit by the engine.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__":  # started by path: find the grader package beside this file's
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))

import argparse  # noqa: E402 - after the path set-up above
from typing import Any  # noqa: E402

import gunicorn.arbiter  # noqa: E402,F401 - imported before the submission joins sys.path
import gunicorn.workers.gthread  # noqa: E402,F401
from gunicorn.app.base import BaseApplication  # noqa: E402

from grader.appkit.loader import AppLoadError, load_app  # noqa: E402


def _serve(app: Any, bind: str, threads: int, timeout: int, workers: int) -> None:
    class Server(BaseApplication):  # type: ignore[misc]
        def load_config(self) -> None:
            settings = {
                "bind": bind,
                "workers": workers,
                "worker_class": "gthread",
                "threads": threads,
                "timeout": timeout,
                # A gthread worker notices SIGTERM only when its 1 s poll ends; with 1 s here
                # the master SIGKILLed it at about the moment it would have left by itself
                # (exit handlers run or not, by luck), and exited without waiting for it.
                "graceful_timeout": 3,
                "keepalive": 0,
                "loglevel": "warning",
                "worker_tmp_dir": "/tmp",
            }
            for key, value in settings.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            return app

    Server().run()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="grader.appkit.serve")
    parser.add_argument("directory")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--port", type=int, help="bind 127.0.0.1:PORT once the app is loaded (a container)")
    where.add_argument("--fd", type=int, help="serve this bound socket (local mode: appkit.ports)")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--timeout", type=int, default=30)
    parser.add_argument("--workers", type=int, default=1)
    args = parser.parse_args(argv)
    directory = os.path.abspath(args.directory)
    os.chdir(directory)
    try:
        loaded = load_app(directory)
    except AppLoadError as exc:  # it loaded in the inspector: the app is not deterministic
        print(f"the app failed to load a second time: {exc.failure.message}", file=sys.stderr, flush=True)
        return 1
    bind = f"fd://{args.fd}" if args.fd is not None else f"127.0.0.1:{args.port}"
    _serve(loaded.app, bind, args.threads, args.timeout, args.workers)
    return 0


if __name__ == "__main__":
    sys.exit(main())
