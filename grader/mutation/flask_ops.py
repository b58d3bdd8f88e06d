"""Operators for Flask-specific mistakes: status codes, methods, routes, JSON, registrations.

Each finder takes one module's AST and its :class:`Source` and yields the
mutations it proposes; :mod:`.operators` lists them all.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .edits import Edit, Mutation, Source, call_name

#: The wrong code a careless implementation answers instead of each right one.
STATUS_SWAPS = {
    200: 201, 201: 200, 204: 200, 400: 404, 401: 403, 403: 401, 404: 400,
    405: 404, 409: 400, 413: 400, 415: 400, 422: 400, 500: 400,
}  # fmt: skip
ROUTE_SHORTCUTS = {"get": "post", "post": "get", "put": "post", "patch": "put", "delete": "get"}
SANITIZERS = {"escape", "secure_filename"}
COOKIE_FLAGS = {"httponly", "secure", "samesite", "max_age", "expires"}
#: Session cookie settings and the insecure value a careless configuration leaves them at.
COOKIE_SETTINGS = {
    "SESSION_COOKIE_HTTPONLY": "False",
    "SESSION_COOKIE_SECURE": "False",
    "SESSION_COOKIE_SAMESITE": "None",
    "REMEMBER_COOKIE_HTTPONLY": "False",
    "REMEMBER_COOKIE_SECURE": "False",
}
#: Methods of a ``Headers`` object that set a header by name.
REGISTRATIONS = {"register_error_handler", "register_blueprint", "add_url_rule", "init_app"}


def _pass(src: Source, stmt: ast.stmt, operator: str, change: str) -> Mutation:
    return Mutation(operator, stmt.lineno, (src.replace(stmt, "pass"),), change)


def _route_calls(tree: ast.Module) -> Iterator[ast.Call]:
    """Decorator calls that register a view: ``@x.route(...)``, ``@x.get(...)``..."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                func = decorator.func if isinstance(decorator, ast.Call) else None
                if isinstance(func, ast.Attribute) and func.attr in {"route", *ROUTE_SHORTCUTS}:
                    yield decorator  # type: ignore[misc]


def _views(tree: ast.Module) -> Iterator[ast.FunctionDef | ast.AsyncFunctionDef]:
    routes = set(map(id, _route_calls(tree)))
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        if any(id(d) in routes for d in node.decorator_list):
            yield node


def status_code(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """A status code in a returned tuple or a call argument (``abort(404)``, ``error(.., 400)``)."""
    spots: list[ast.expr] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            spots.extend(node.value.elts[1:])
        elif isinstance(node, ast.Call):
            spots.extend(node.args)
            spots.extend(k.value for k in node.keywords if k.arg in {"status", "code"})
    for spot in spots:
        if isinstance(spot, ast.Constant) and type(spot.value) is int and spot.value in STATUS_SWAPS:
            wrong = STATUS_SWAPS[spot.value]
            yield Mutation(
                "status-code", spot.lineno, (src.replace(spot, str(wrong)),), f"{spot.value} -> {wrong}"
            )


def http_method(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``@app.get`` <-> ``@app.post``, an extra accepted method, ``methods=`` dropped."""
    for call in _route_calls(tree):
        func = call.func
        assert isinstance(func, ast.Attribute)
        end = src.span(func)[1]
        name_span = (end - len(func.attr.encode()), end)
        if func.attr in ROUTE_SHORTCUTS:
            other = ROUTE_SHORTCUTS[func.attr]
            yield Mutation(
                "method-swapped", call.lineno, (Edit(*name_span, other),), f".{func.attr}( -> .{other}("
            )
            extra = "POST" if func.attr == "get" else "GET"
            methods = f'["{func.attr.upper()}", "{extra}"]'
            if call.args or call.keywords:
                last = max([*call.args, *call.keywords], key=lambda n: src.span(n)[1])
                tail = Edit(src.span(last)[1], src.span(last)[1], f", methods={methods}")
                yield Mutation(
                    "method-added",
                    call.lineno,
                    (Edit(*name_span, "route"), tail),
                    f".{func.attr}(...) -> .route(..., methods={methods})",
                )
        for keyword in call.keywords:
            if keyword.arg == "methods":
                yield Mutation(
                    "methods-dropped", call.lineno, (src.drop_keyword(call, keyword),), "methods=... removed"
                )


def converter(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``<int:id>`` -> ``<id>`` (a string), ``<name>`` -> ``<path:name>`` (slashes too)."""
    for call in _route_calls(tree):
        if not call.args or not isinstance(call.args[0], ast.Constant):
            continue
        rule = call.args[0]
        if not isinstance(rule.value, str) or src.text(rule)[:1] not in {'"', "'"}:
            continue
        text = src.text(rule)
        for part in sorted(set(_rule_variables(rule.value))):
            if part.startswith("int:"):
                wrong = part[len("int:") :]
            elif ":" not in part:
                wrong = f"path:{part}"
            else:
                continue
            new = text.replace(f"<{part}>", f"<{wrong}>")
            yield Mutation("converter", rule.lineno, (src.replace(rule, new),), f"<{part}> -> <{wrong}>")


def _rule_variables(rule: str) -> Iterator[str]:
    """The ``<...>`` parts of a URL rule, without the brackets."""
    start = rule.find("<")
    while start != -1:
        end = rule.find(">", start)
        if end == -1:
            return
        yield rule[start + 1 : end]
        start = rule.find("<", end)


def sanitizer_dropped(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``escape(x)`` / ``secure_filename(x)`` -> ``x``; ``send_from_directory`` -> ``send_file``."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = call_name(node)
        if name in SANITIZERS and len(node.args) == 1 and not node.keywords:
            yield Mutation(
                "sanitizer-dropped",
                node.lineno,
                (src.replace(node, src.text(node.args[0])),),
                f"{name}(x) -> x",
            )
        elif name == "send_from_directory" and len(node.args) == 2:
            folder, filename = (src.text(a) for a in node.args)
            unsafe = f'__import__("flask").send_file(__import__("os").path.join({folder}, {filename}))'
            yield Mutation(
                "unsafe-send-file",
                node.lineno,
                (src.replace(node, unsafe),),
                "send_from_directory(d, f) -> send_file(os.path.join(d, f))",
            )


def json_key(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """A key of a dict literal or of ``jsonify(key=...)`` renamed."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            for key in node.keys:
                if isinstance(key, ast.Constant) and isinstance(key.value, str) and key.value:
                    wrong = _renamed(key.value)
                    quote = src.text(key)[:1]
                    literal = f"{quote}{wrong}{quote}" if quote in {'"', "'"} else repr(wrong)
                    yield Mutation(
                        "json-key",
                        key.lineno,
                        (src.replace(key, literal),),
                        f"{key.value!r} -> {wrong!r}",
                    )
        elif isinstance(node, ast.Call) and call_name(node) == "jsonify":
            for keyword in node.keywords:
                if keyword.arg:
                    wrong = _renamed(keyword.arg)
                    start = src.span(keyword)[0]
                    edit = Edit(start, start + len(keyword.arg.encode()), wrong)
                    yield Mutation("json-key", keyword.lineno, (edit,), f"{keyword.arg}= -> {wrong}=")


def _renamed(key: str) -> str:
    upper = key.upper()
    return upper if upper != key else f"{key}_"


def not_json(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``jsonify(x)`` -> ``str(x)``; a view's returned dict/list/object -> ``str(...)``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "jsonify":
            rest = src.text(node)[len(src.text(node.func)) :]
            new = f"str(dict{rest})" if node.keywords else f"str{rest}"
            yield Mutation("not-json", node.lineno, (src.replace(node, new),), "jsonify(...) -> str(...)")
    view_bodies = {id(n) for view in _views(tree) for n in ast.walk(view)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Return) and node.value is not None:
            body = node.value.elts[0] if isinstance(node.value, ast.Tuple) else node.value
            literal = isinstance(body, ast.Dict | ast.List)
            opaque = isinstance(body, ast.Name | ast.Subscript | ast.Call) and id(node) in view_bodies
            if (literal or opaque) and call_name(body) not in {"jsonify", "str", "render_template"}:
                new = f"str({src.text(body)})"
                yield Mutation(
                    "not-json", body.lineno, (src.replace(body, new),), "returned value -> str(...)"
                )


def registration_removed(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``@app.errorhandler`` removed, ``register_blueprint``/``register_error_handler`` call removed."""
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for decorator in node.decorator_list:
                if call_name(decorator) == "errorhandler":
                    yield Mutation(
                        "registration-removed",
                        decorator.lineno,
                        (src.whole_lines(decorator),),
                        f"`@{src.text(decorator)}` removed",
                    )
        elif isinstance(node, ast.Expr) and call_name(node.value) in REGISTRATIONS:
            yield _pass(src, node, "registration-removed", f"`{src.text(node)}` removed")
        if isinstance(node, ast.Call) and call_name(node) == "register_blueprint":
            for keyword in node.keywords:
                if keyword.arg == "url_prefix":
                    edit = src.drop_keyword(node, keyword)
                    yield Mutation("url-prefix-dropped", node.lineno, (edit,), "url_prefix=... removed")


def streaming(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``stream_with_context(g)`` -> ``g``; a generator passed on -> ``list(generator)``."""
    generators = {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and any(isinstance(n, ast.Yield | ast.YieldFrom) for n in ast.walk(node))
    }
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        if call_name(node) == "stream_with_context" and len(node.args) == 1:
            yield Mutation(
                "streaming",
                node.lineno,
                (src.replace(node, src.text(node.args[0])),),
                "stream_with_context(g) -> g",
            )
        for arg in node.args:
            if isinstance(arg, ast.Call) and call_name(arg) in generators:
                new = f"list({src.text(arg)})"
                yield Mutation(
                    "streaming", arg.lineno, (src.replace(arg, new),), "generator -> list(generator)"
                )


def session_flags(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """A cookie flag (``httponly=``, ``secure=``...) dropped; a config or session assignment removed."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "set_cookie":
            for keyword in node.keywords:
                if keyword.arg in COOKIE_FLAGS:
                    yield Mutation(
                        "cookie-flag",
                        node.lineno,
                        (src.drop_keyword(node, keyword),),
                        f"{keyword.arg}=... removed",
                    )
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            holder = target.value if isinstance(target, ast.Subscript | ast.Attribute) else None
            if holder is not None and call_name(holder) in {"config", "session"}:
                yield _pass(src, node, "setting-removed", f"`{src.text(target)} = ...` removed")


def cookie_settings(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """A session cookie flag set in the config (``SESSION_COOKIE_HTTPONLY`` ...) left insecure."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            key = target.slice if isinstance(target, ast.Subscript) else None
            if isinstance(key, ast.Constant) and key.value in COOKIE_SETTINGS:
                insecure = COOKIE_SETTINGS[key.value]
                if src.text(node.value) != insecure:
                    yield Mutation(
                        "cookie-flag",
                        node.lineno,
                        (src.replace(node.value, insecure),),
                        f"{key.value} = {insecure}",
                    )
        elif isinstance(node, ast.Call) and call_name(node) in {"update", "from_mapping", "Flask"}:
            for keyword in node.keywords:
                if keyword.arg in COOKIE_SETTINGS:
                    yield Mutation(
                        "cookie-flag",
                        node.lineno,
                        (src.drop_keyword(node, keyword),),
                        f"{keyword.arg}=... removed",
                    )
        if isinstance(node, ast.Dict):
            for key_node, value in zip(node.keys, node.values, strict=True):
                if isinstance(key_node, ast.Constant) and key_node.value in COOKIE_SETTINGS:
                    insecure = COOKIE_SETTINGS[key_node.value]
                    if src.text(value) != insecure:
                        yield Mutation(
                            "cookie-flag",
                            value.lineno,
                            (src.replace(value, insecure),),
                            f"{key_node.value!r}: {insecure}",
                        )
