"""Describe an app's structure for the hidden tests' structural checks.

Some contracts are about structure, not only behaviour ("a blueprint named
``api`` at ``/api/v1``", "``create_app()`` returns a new app each call").
The test side never imports candidate code, so the inspector process
(:mod:`grader.appkit.inspector`) imports the app and reports these facts
through :mod:`grader.protocol`.

:func:`make_describer` binds every function and class it uses into a
closure when it is called, which the inspector does *before* it imports the
candidate's code, and it reads the app's and rules' attributes from their
instance dictionaries: an app that patches ``Map.iter_rules``,
``Flask.blueprints``, ``Rule``, ``url_for`` or this module's own names at
import time does not change what is described. SECURITY.md states what a
deliberate attack on the inspector can still do.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

from flask import Flask
from jinja2 import Environment, meta, nodes
from werkzeug.routing import BuildError, Map, MapAdapter

from .loader import LoadedApp

FACTORY_NAMES = ("create_app", "make_app")
IGNORED_METHODS = frozenset({"HEAD", "OPTIONS"})
#: The opening HTML tags in a template's own markup (its text outside Jinja tags).
HTML_TAG = re.compile(r"<([A-Za-z][A-Za-z0-9-]*)")
#: Templates described in ``template_tree``: bounds the facts whatever the folder holds.
MAX_TEMPLATES = 200
Describer = Callable[[LoadedApp], dict[str, Any]]


def make_describer() -> Describer:
    """A ``describe(loaded)`` whose every dependency is bound now, in its closure."""
    iter_rules, bind, build, build_error = Map.iter_rules, Map.bind, MapAdapter.build, BuildError
    isfunction, flask_class, ignored, factory_names = (
        inspect.isfunction,
        Flask,
        IGNORED_METHODS,
        FACTORY_NAMES,
    )
    sorted_, isinstance_, vars_, str_, getattr_, repr_ = sorted, isinstance, vars, str, getattr, repr
    exception = Exception
    parse, find_all, referenced = Environment.parse, nodes.Node.find_all, meta.find_referenced_templates
    extends_node, const_node, data_node = nodes.Extends, nodes.Const, nodes.TemplateData
    find_tags, max_templates, set_ = HTML_TAG.findall, MAX_TEMPLATES, set

    def template_tree(jinja: Environment, names: list[str]) -> dict[str, dict[str, Any]]:
        """Each template's parent, the templates it includes or imports, and the HTML tags it writes itself.

        "Every page extends base.html" cannot be seen in a page: a template that
        copies the layout renders the same HTML. Its syntax tree shows it.
        Templates that cannot be read or parsed (not Jinja, a loader that
        cannot give sources) are left out.
        """
        tree: dict[str, dict[str, Any]] = {}
        for name in names[:max_templates]:
            try:
                source = jinja.loader.get_source(jinja, name)[0]  # type: ignore[union-attr]
                parsed = parse(jinja, source, name)
                references = [str_(ref) for ref in referenced(parsed) if isinstance_(ref, str_)]
            except exception:  # noqa: BLE001 - a template that is not Jinja, or the candidate's own loader
                continue
            parent = None
            for node in find_all(parsed, extends_node):
                target = getattr_(node, "template", None)
                value = getattr_(target, "value", None)
                if isinstance_(target, const_node) and isinstance_(value, str_):
                    parent = str_(value)
                break
            tags = {tag.lower() for node in find_all(parsed, data_node) for tag in find_tags(str_(node.data))}
            tree[name] = {
                "extends": parent,
                "references": sorted_(set_(references) - {parent}),
                "tags": sorted_(tags),
            }
        return tree

    def factory_facts(loaded: LoadedApp) -> dict[str, Any] | None:
        """Whether the module offers a factory and whether it builds a fresh app per call."""
        for name in factory_names:
            factory = getattr_(loaded.module, name, None)
            if not isfunction(factory):
                continue
            try:
                first, second = factory(), factory()
            except exception as exc:  # noqa: BLE001 - candidate code; report, do not crash
                return {"name": name, "fresh_each_call": False, "error": repr_(exc)[:500]}
            fresh = (
                isinstance_(first, flask_class) and isinstance_(second, flask_class) and first is not second
            )
            return {"name": name, "fresh_each_call": fresh, "error": None}
        return None

    def describe(loaded: LoadedApp) -> dict[str, Any]:
        """A JSON-ready description of the app's routes, blueprints and factory.

        Raises whatever the candidate's code raises (factories run here); the
        inspector reports that as the submission's import error.
        """
        app = loaded.app
        if not isinstance_(app, flask_class):
            raise TypeError("the object found is not a Flask application")
        state = vars_(app)
        url_map = state["url_map"]
        adapter = bind(url_map, "localhost")
        rules = []
        url_for: dict[str, str] = {}
        for rule in iter_rules(url_map):
            fields = vars_(rule)
            endpoint = str_(fields["endpoint"])
            rules.append(
                {
                    "rule": str_(fields["rule"]),
                    "endpoint": endpoint,
                    "methods": sorted_({str_(m) for m in (fields["methods"] or ())} - ignored),
                    "blueprint": endpoint.rpartition(".")[0] or None,
                }
            )
            if not fields["arguments"] and endpoint not in url_for:
                try:
                    url_for[endpoint] = str_(build(adapter, endpoint))
                except build_error:
                    continue
        jinja = app.jinja_env
        try:
            templates = sorted_(str_(name) for name in jinja.list_templates())
        except exception:  # noqa: BLE001 - a loader that cannot list, or the candidate's own loader
            templates = []
        return {
            "import_name": str_(state["import_name"]),
            "source": loaded.source,
            "rules": rules,
            "blueprints": sorted_(str_(name) for name in state["blueprints"]),
            "url_for": url_for,
            "factory": factory_facts(loaded),
            "converters": sorted_(str_(name) for name in vars_(url_map)["converters"]),
            "jinja_filters": sorted_(str_(name) for name in jinja.filters),
            "templates": templates,
            "template_tree": template_tree(jinja, templates),
        }

    return describe
