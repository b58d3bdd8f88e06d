"""Every mutation operator, and what each kind of mutant models.

The operators model mistakes candidates make in Flask apps (a wrong status
code, a route accepting the wrong method, a dropped ``escape()``, a removed
validation branch, a renamed JSON key...) rather than every arithmetic flip a
general mutation tool makes (see ``docs/mutation.md`` for why).
:data:`KINDS` says, for each kind of mutant, what it changes and why a
survivor matters; the report quotes it.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterator

from . import flask_ops, logic_ops, value_ops
from .edits import Mutation, Source

Finder = Callable[[ast.Module, Source], Iterator[Mutation]]

FINDERS: tuple[Finder, ...] = (
    flask_ops.status_code,
    flask_ops.http_method,
    flask_ops.converter,
    flask_ops.sanitizer_dropped,
    flask_ops.json_key,
    flask_ops.not_json,
    flask_ops.registration_removed,
    flask_ops.streaming,
    flask_ops.session_flags,
    flask_ops.cookie_settings,
    logic_ops.guard_removed,
    logic_ops.abort_removed,
    logic_ops.clause_dropped,
    logic_ops.comparison,
    logic_ops.arithmetic,
    logic_ops.boolean,
    logic_ops.exception_narrowed,
    logic_ops.case_fold_dropped,
    value_ops.env_constant,
    value_ops.json_escaped,
    value_ops.limit_moved,
    value_ops.time_exact,
    value_ops.time_frozen,
)

#: kind -> (what the mutant changes, why a surviving one matters)
KINDS: dict[str, tuple[str, str]] = {
    "status-code": (
        "a status code swapped (404 <-> 400, 201 -> 200, 403 -> 401...)",
        "clients branch on the status code and no test pins this one",
    ),
    "method-swapped": ("@x.get <-> @x.post", "the route answers the wrong method and no test notices"),
    "method-added": (
        "a route also accepting POST (or GET)",
        "the route accepts a method the statement may rule out",
    ),
    "methods-dropped": (
        "methods=[...] removed (GET only)",
        "a required method is refused and no test notices",
    ),
    "converter": (
        "<int:id> read as a string, <name> matching slashes",
        "the route matches URLs the statement may call other paths",
    ),
    "sanitizer-dropped": (
        "escape()/secure_filename() dropped",
        "user input reaches HTML or the file system unchecked",
    ),
    "unsafe-send-file": (
        "send_from_directory(d, f) -> send_file(os.path.join(d, f))",
        "files are served without the folder check",
    ),
    "json-key": (
        "a key of a JSON response renamed",
        "clients read the documented key and no test reads this one",
    ),
    "not-json": (
        "jsonify(...) or a returned dict turned into str(...)",
        "the response is no longer JSON and no test notices",
    ),
    "registration-removed": (
        "an error handler or blueprint registration removed",
        "error pages or routes silently change shape",
    ),
    "url-prefix-dropped": (
        "a blueprint's url_prefix removed",
        "the routes move to other URLs and no test notices",
    ),
    "streaming": (
        "stream_with_context dropped, or a generator made a list",
        "the response loses its request context or is built in memory",
    ),
    "cookie-flag": (
        "a cookie flag (httponly, secure, samesite...) removed, or SESSION_COOKIE_* left insecure",
        "a security property of the cookie is lost silently",
    ),
    "setting-removed": (
        "an app.config or session assignment removed",
        "a limit or setting is lost and no test notices",
    ),
    "guard-removed": (
        "a validation branch or early return deleted",
        "invalid input is accepted and no test notices",
    ),
    "abort-removed": ("an abort(...) call deleted", "the error path falls through to normal processing"),
    "clause-dropped": (
        "one side of an and/or condition dropped",
        "half of a check is enough to pass the suite",
    ),
    "comparison": (
        "a comparison flipped (< <-> <=, == <-> !=, in <-> not in, is <-> is not)",
        "an off-by-one or inverted check goes unnoticed",
    ),
    "arithmetic": ("+ <-> -, * <-> / (also += and -=)", "a computed value is wrong and no test notices"),
    "off-by-one": (
        "a constant in a sum decreased by one",
        "ids, counts or sizes are off by one and no test notices",
    ),
    "boolean": ("True <-> False", "a flag or a returned boolean is inverted"),
    "exception-narrowed": (
        "an except clause catching one type less",
        "an error the app should handle becomes a 500",
    ),
    "case-fold-dropped": (".lower()/.upper() dropped", "a check becomes case-sensitive and no test notices"),
    "env-constant": (
        "a value read from the environment replaced by a constant string",
        "a setting the statement says comes from the environment is hard-coded and no test notices",
    ),
    "json-escaped": (
        "a string value of a JSON response HTML-escaped",
        "clients get &lt; where the statement promises the value verbatim",
    ),
    "limit-moved": (
        "a numeric limit or range bound moved by one, either way",
        "a stated limit is off by one at one end and no test probes that end",
    ),
    "time-exact": (
        "a date/time range check (<, <=, >, >=) made exact (==)",
        "only the boundary instant passes the check and no test uses another date",
    ),
    "time-frozen": (
        "a clock read (datetime.now(), time.time()...) frozen at its first value",
        "time stops for the app and no test lets time pass",
    ),
    "template-extends-inlined": (
        "{% extends %} replaced by the parent's markup copied in",
        "the page no longer inherits the base template and no test notices",
    ),
    "template-safe-added": ("{{ x }} -> {{ x|safe }}", "user input reaches the page unescaped"),
    "template-autoescape-off": (
        "a template (or each block of it) wrapped in {% autoescape false %}",
        "every value of the page is unescaped and no test notices",
    ),
    "template-block-dropped": (
        "a {% block %} removed with its content",
        "part of the page (or a child's override) disappears and no test notices",
    ),
}


def why(kind: str) -> str:
    """Why a surviving mutant of this kind matters, in one line."""
    return KINDS[kind][1]


def find_mutations(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """Every mutation every operator proposes for one module."""
    for finder in FINDERS:
        yield from finder(tree, src)
