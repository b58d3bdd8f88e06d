"""Find the candidate's Flask app exactly the way ``flask run`` does.

We reuse Flask's own machinery (:func:`flask.cli.prepare_import` and
:func:`flask.cli.find_best_app`): an ``app``/``application`` instance, the
single Flask instance of a module, or a ``create_app()``/``make_app()``
factory. Candidates who can run their app with ``flask run`` can therefore be
graded, with no grader-specific rules.

The import itself is ours rather than :func:`flask.cli.locate_app`'s, so that
a failure is reported with the candidate's own frames only (paths relative to
the submission), and its first line names the cause.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from ..protocol import AppFailure, FailureKind

#: Where the app is looked for, in order: Flask's default ``wsgi``/``app``,
#: each as a module file or a package.
CANDIDATES = ("wsgi.py", "wsgi/__init__.py", "app.py", "app/__init__.py")
MAX_DETAIL = 3500


class AppLoadError(Exception):
    """The submission has no loadable Flask app; ``failure`` says why, for the candidate."""

    def __init__(self, failure: AppFailure) -> None:
        super().__init__(failure.message)
        self.failure = failure


@dataclass
class LoadedApp:
    """The app found, and the module it came from (for factory checks)."""

    app: Any
    module: ModuleType
    source: str


def find_entry_file(directory: str) -> str | None:
    """Return the relative path of the file Flask would load, or None."""
    for candidate in CANDIDATES:
        if os.path.isfile(os.path.join(directory, candidate)):
            return candidate
    return None


def load_app(directory: str) -> LoadedApp:
    """Import the submission in ``directory`` and return its Flask app.

    Raises :class:`AppLoadError`. ``BaseException`` subclasses other than
    ``SystemExit`` (a start timeout, an interrupt) pass through on purpose.
    """
    from flask.cli import NoAppException, find_best_app, prepare_import

    entry = find_entry_file(directory)
    if entry is None:
        raise AppLoadError(
            AppFailure(
                FailureKind.NO_APP,
                "no Flask app found: expected app.py or wsgi.py (a module or a package) "
                "defining `app` or a `create_app()` factory",
            )
        )
    module_name = prepare_import(os.path.join(directory, entry))
    try:
        module = importlib.import_module(module_name)
    except SystemExit as exc:
        raise _exited(entry, exc) from None
    except Exception as exc:  # noqa: BLE001 - untrusted code may raise anything; report it
        raise AppLoadError(raised(entry, "loading", exc, directory)) from None
    try:
        app = find_best_app(module)
    except NoAppException as exc:
        raise AppLoadError(AppFailure(FailureKind.NO_APP, f"{entry}: {exc}".strip())) from None
    except SystemExit as exc:
        raise _exited(entry, exc) from None
    except Exception as exc:  # noqa: BLE001 - the candidate's factory
        raise AppLoadError(raised(entry, "creating the app", exc, directory)) from None
    return LoadedApp(app=app, module=sys.modules.get(module_name, module), source=entry)


def _exited(entry: str, exc: SystemExit) -> AppLoadError:
    return AppLoadError(
        AppFailure(FailureKind.IMPORT_ERROR, f"{entry} called exit({exc.code!r}) while loading")
    )


def raised(entry: str, phase: str, exc: BaseException, directory: str) -> AppFailure:
    """An import error as the candidate should read it.

    The first line names the cause (``app.py raised SyntaxError while loading:
    '(' was never closed (app.py, line 3)``); the detail is the traceback cut
    to the submission's own frames, with paths relative to the submission.
    """
    root = os.path.abspath(directory).rstrip("/") + "/"

    def relative(path: str | None) -> str:
        return (path or "?").replace(root, "")

    if isinstance(exc, SyntaxError):
        cause = f"{exc.msg} ({relative(exc.filename)}, line {exc.lineno})"
    else:
        lines = str(exc).strip().splitlines()
        cause = lines[0] if lines else "(no message)"
    summary = traceback.TracebackException.from_exception(exc, capture_locals=False)
    frames = traceback.StackSummary.from_list(
        [f for f in summary.stack if (f.filename or "").startswith(root)]
    )
    detail = "".join(
        [
            "Traceback (the submission's own frames):\n" if frames else "",
            *frames.format(),
            *summary.format_exception_only(),
        ]
    ).replace(root, "")
    if len(detail) > MAX_DETAIL:
        detail = "..." + detail[-MAX_DETAIL:]
    return AppFailure(
        FailureKind.IMPORT_ERROR,
        f"{entry} raised {type(exc).__name__} while {phase}: {cause}",
        detail.rstrip(),
    )
