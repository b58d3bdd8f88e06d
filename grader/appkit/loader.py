"""Find the candidate's Flask app exactly the way ``flask run`` does.

We reuse Flask's own machinery (:func:`flask.cli.prepare_import` and
:func:`flask.cli.locate_app`, which applies :func:`flask.cli.find_best_app`):
an ``app``/``application`` instance, the single Flask instance of a module, or
a ``create_app()``/``make_app()`` factory. Candidates who can run their app
with ``flask run`` can therefore be graded, with no grader-specific rules.
"""

from __future__ import annotations

import os
import sys
import traceback
from dataclasses import dataclass
from types import ModuleType
from typing import Any

#: Where the app is looked for, in order: Flask's default ``wsgi``/``app``,
#: each as a module file or a package.
CANDIDATES = ("wsgi.py", "wsgi/__init__.py", "app.py", "app/__init__.py")


class AppLoadError(Exception):
    """The submission has no loadable Flask app.

    ``kind`` is ``"no_app"`` when nothing app-like exists and
    ``"import_error"`` when the candidate's code raised while loading.
    """

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind
        self.message = message


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

    Raises :class:`AppLoadError` with a message meant for the candidate.
    """
    from flask.cli import NoAppException, locate_app, prepare_import

    entry = find_entry_file(directory)
    if entry is None:
        raise AppLoadError(
            "no_app",
            "no Flask app found: expected app.py or wsgi.py (a module or a package) "
            "defining `app` or a `create_app()` factory",
        )
    module_name = prepare_import(os.path.join(directory, entry))
    try:
        app = locate_app(module_name, None)
    except NoAppException as exc:
        kind = "import_error" if "raised" in str(exc) else "no_app"
        raise AppLoadError(kind, f"{entry}: {exc}".strip()) from None
    except SystemExit as exc:
        raise AppLoadError("import_error", f"{entry} called exit({exc.code!r}) while loading") from None
    except Exception:  # noqa: BLE001 - untrusted code may raise anything; report it, do not crash
        raise AppLoadError("import_error", f"{entry} raised while loading:\n{_short_tb()}") from None
    return LoadedApp(app=app, module=sys.modules[module_name], source=entry)


def _short_tb(limit: int = 4000) -> str:
    """The traceback, trimmed to the candidate's frames' tail."""
    text = traceback.format_exc()
    return text if len(text) <= limit else "..." + text[-limit:]
