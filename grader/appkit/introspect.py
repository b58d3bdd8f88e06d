"""Describe an app's structure for the hidden tests' structural checks.

Some contracts are about structure, not only behaviour ("a blueprint named
``api`` at ``/api/v1``", "``create_app()`` returns a new app each call").
The test side never imports candidate code, so the app side reports these
facts as plain JSON. The facts come from the candidate's own process, so they
are evidence to check, never a verdict.
"""

from __future__ import annotations

import inspect
from typing import Any

from .loader import AppLoadError, LoadedApp, load_app

FACTORY_NAMES = ("create_app", "make_app")
IGNORED_METHODS = {"HEAD", "OPTIONS"}


def load_and_describe(directory: str) -> tuple[LoadedApp, dict[str, Any]]:
    """Load the app and describe it; any failure is an :class:`AppLoadError` for the candidate.

    Describing calls candidate code (factories), so it can raise anything:
    that is an import error of the submission, never a crash of the grader.
    """
    loaded = load_app(directory)
    try:
        return loaded, describe(loaded)
    except Exception as exc:  # noqa: BLE001 - describing runs candidate factories
        raise AppLoadError("import_error", f"the app failed while being inspected: {exc!r}") from None


def describe(loaded: LoadedApp) -> dict[str, Any]:
    """Return a JSON-ready description of the app's routes, blueprints and factory."""
    app = loaded.app
    rules = []
    url_for: dict[str, str] = {}
    with app.test_request_context("/"):
        from flask import url_for as flask_url_for
        from werkzeug.routing import BuildError

        for rule in app.url_map.iter_rules():
            rules.append(
                {
                    "rule": rule.rule,
                    "endpoint": rule.endpoint,
                    "methods": sorted(set(rule.methods or ()) - IGNORED_METHODS),
                    "blueprint": rule.endpoint.rpartition(".")[0] or None,
                }
            )
            if not rule.arguments and rule.endpoint not in url_for:
                try:
                    url_for[rule.endpoint] = flask_url_for(rule.endpoint)
                except BuildError:
                    continue
    return {
        "import_name": app.import_name,
        "source": loaded.source,
        "rules": rules,
        "blueprints": sorted(app.blueprints),
        "url_for": url_for,
        "factory": _factory_facts(loaded),
    }


def _factory_facts(loaded: LoadedApp) -> dict[str, Any] | None:
    """Whether the module offers a factory and whether it builds a fresh app per call."""
    from flask import Flask

    for name in FACTORY_NAMES:
        factory = getattr(loaded.module, name, None)
        if not inspect.isfunction(factory):
            continue
        try:
            first, second = factory(), factory()
        except Exception as exc:  # noqa: BLE001 - candidate code; report, do not crash
            return {"name": name, "fresh_each_call": False, "error": repr(exc)[:500]}
        fresh = isinstance(first, Flask) and isinstance(second, Flask) and first is not second
        return {"name": name, "fresh_each_call": fresh, "error": None}
    return None
