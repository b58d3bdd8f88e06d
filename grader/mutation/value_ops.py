"""Operators for values a statement pins: settings read from the environment, JSON strings,
numeric limits, dates and clocks.

Each models a mistake outside measurement found in a suite that scored 100%:
a setting hard-coded instead of read from the environment, a JSON string
HTML-escaped where the statement wants it verbatim, a limit off by one at
either end, a date check made exact, a clock read once instead of per
request.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from typing import TypeGuard

from .edits import Edit, Mutation, Source, call_name

#: What a hard-coded setting reads as (a plausible value no test environment sets).
ENV_CONSTANT = '"grader-constant"'
#: Wraps a value so strings are HTML-escaped and anything else passes unchanged (no double evaluation).
ESCAPED = '(lambda v: __import__("html").escape(v) if isinstance(v, str) else v)({})'
#: Calls whose result is a number or a bool, never a string a client could send: not worth escaping.
NOT_TEXT_CALLS = {"len", "int", "float", "bool", "sum", "round", "abs", "min", "max", "count", "isoformat"}
#: Calls whose result is a container or a size: the escaping helper leaves anything but a str alone.
CONTAINER_CALLS = {"list", "dict", "tuple", "set", "sorted", "range", "getsize"}
#: Annotations of values that are never a str (a parameter ``item_id: int``, ``cart: list[...]``).
NOT_TEXT_TYPES = {"int", "float", "bool", "list", "dict", "tuple", "set", "List", "Dict", "Tuple", "Set"}
LIMIT_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE, ast.Eq, ast.NotEq)
ORDER_OPS = (ast.Lt, ast.LtE, ast.Gt, ast.GtE)
#: Calls that read a clock.
CLOCKS = {"now", "utcnow", "today", "time", "monotonic", "time_ns", "monotonic_ns", "perf_counter"}
#: Names that hold a date, a time or a timestamp in the solutions (a heuristic, reviewed by survivors).
TIMEISH = re.compile(r"time|date|now|expir|deadline|until|since|stamp|_at\b|^at$|ttl|when", re.I)


def _is_environ(node: ast.AST) -> bool:
    """``os.environ`` or ``environ``."""
    return (isinstance(node, ast.Attribute) and node.attr == "environ") or (
        isinstance(node, ast.Name) and node.id == "environ"
    )


def env_constant(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``os.environ["X"]`` / ``os.getenv("X")`` -> a constant string; ``.get("X", d)`` -> ``d``.

    With a default, the hard-coded value is the default: the app then works
    unless a test sets the variable to something else, which is the mistake.
    """
    for node in ast.walk(tree):
        if not isinstance(node, ast.Subscript | ast.Call):
            continue
        read = False
        if isinstance(node, ast.Subscript) and _is_environ(node.value) and isinstance(node.ctx, ast.Load):
            read = True
        elif isinstance(node, ast.Call):
            func = node.func
            read = (isinstance(func, ast.Attribute) and func.attr == "get" and _is_environ(func.value)) or (
                call_name(node) == "getenv"
            )
        if read:
            default = node.args[1] if isinstance(node, ast.Call) and len(node.args) > 1 else None
            constant = src.text(default) if default is not None else ENV_CONSTANT
            if default is not None and not isinstance(default, ast.Constant):
                constant = ENV_CONSTANT
            yield Mutation(
                "env-constant",
                node.lineno,
                (src.replace(node, constant),),
                f"`{src.text(node)}` -> {constant}",
            )


def _json_dicts(tree: ast.Module) -> Iterator[ast.Dict]:
    """Dict literals that become JSON: passed to ``jsonify`` or returned (first of a tuple), nested too."""
    roots: list[ast.AST] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "jsonify":
            roots.extend(node.args)
        elif isinstance(node, ast.Return) and node.value is not None:
            roots.append(node.value.elts[0] if isinstance(node.value, ast.Tuple) else node.value)
    seen: set[int] = set()
    for root in roots:
        for node in ast.walk(root):
            if isinstance(node, ast.Dict) and id(node) not in seen:
                seen.add(id(node))
                yield node


def _is_number(value: ast.expr, numbers: set[str]) -> bool:
    """An expression that always gives a number: a numeric literal, arithmetic, ``len()``, a number name."""
    if isinstance(value, ast.Constant):
        return type(value.value) in {int, float}
    if isinstance(value, ast.BinOp):
        return _is_number(value.left, numbers) and _is_number(value.right, numbers)
    if isinstance(value, ast.Call):
        return call_name(value) in NOT_TEXT_CALLS | CONTAINER_CALLS or call_name(value) in numbers
    return isinstance(value, ast.Name) and value.id in numbers


def _not_text_type(annotation: ast.expr | None) -> bool:
    """``int``, ``list[dict[str, Any]]``...: an annotation that rules out a str."""
    if isinstance(annotation, ast.Subscript):
        annotation = annotation.value
    return isinstance(annotation, ast.Name) and annotation.id in NOT_TEXT_TYPES


def _not_text_helpers(tree: ast.Module) -> set[str]:
    """The module's functions annotated to return something that is not a str (``int_arg() -> int``)."""
    return {
        n.name
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and _not_text_type(n.returns)
    }


def _app_text_params(tree: ast.Module) -> dict[str, set[str]]:
    """Function -> parameters that every call of it gives a string the app wrote (a literal or f-string).

    ``error("n must be an integer")``: the message is the app's own text, so
    escaping it inside ``error`` changes nothing a client could send.
    """
    functions = {n.name: n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)}
    given: dict[str, dict[str, list[ast.expr]]] = {name: {} for name in functions}
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in functions:
            params = [a.arg for a in functions[node.func.id].args.args]
            arguments = given[node.func.id]
            for name, value in zip(params, node.args, strict=False):
                arguments.setdefault(name, []).append(value)
            for keyword in node.keywords:
                if keyword.arg:
                    arguments.setdefault(keyword.arg, []).append(keyword.value)
    return {
        function: {
            name
            for name, values in arguments.items()
            if all(
                isinstance(v, ast.JoinedStr) or (isinstance(v, ast.Constant) and isinstance(v.value, str))
                for v in values
            )
        }
        for function, arguments in given.items()
    }


def _number_names(tree: ast.Module, typed_helpers: frozenset[str] | set[str] = frozenset()) -> set[str]:
    """Names only ever bound to numbers (a counter, a total): escaping them changes nothing."""
    bound: dict[str, list[ast.expr | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bound.setdefault(target.id, []).append(node.value)
                elif isinstance(target, ast.Tuple | ast.List):  # unpacking: unknown values
                    for element in target.elts:
                        if isinstance(element, ast.Name):
                            bound.setdefault(element.id, []).append(None)
        elif isinstance(node, ast.AugAssign | ast.AnnAssign) and isinstance(node.target, ast.Name):
            bound.setdefault(node.target.id, []).append(node.value)
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension | ast.withitem | ast.NamedExpr):
            holder: ast.AST | None = getattr(node, "target", None) or getattr(node, "optional_vars", None)
            for bound_name in ast.walk(holder) if holder is not None else ():
                if isinstance(bound_name, ast.Name):
                    bound.setdefault(bound_name.id, []).append(None)
        elif isinstance(node, ast.arg):
            typed = _not_text_type(node.annotation)
            bound.setdefault(node.arg, []).append(ast.Constant(0) if typed else None)
    numbers: set[str] = set(typed_helpers)  # calls of these give numbers (or containers)
    changed = True
    while changed:  # a name bound to another number name is a number too
        changed = False
        for name, values in bound.items():
            if name not in numbers and all(v is not None and _is_number(v, numbers) for v in values):
                numbers.add(name)
                changed = True
    return numbers


def _may_be_text(value: ast.expr, helpers: set[str]) -> bool:
    """A value that can carry a client's string (not a literal, container, number or comparison).

    Calls of the module's own functions are left out: in the solutions they
    build nested objects or numbers, where escaping a top-level string
    changes nothing (an equivalent mutant, not a mistake).
    """
    if isinstance(value, ast.Call):
        return call_name(value) not in NOT_TEXT_CALLS | helpers
    return isinstance(value, ast.Name | ast.Attribute | ast.Subscript | ast.JoinedStr)


def json_escaped(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """A value of a JSON response (dict literal or ``jsonify(key=...)``) HTML-escaped."""
    helpers = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    numbers = _number_names(tree, _not_text_helpers(tree))
    app_text = _app_text_params(tree)
    enclosing: dict[int, str] = {}
    for function in ast.walk(tree):
        if isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            enclosing.update((id(node), function.name) for node in ast.walk(function))
    values: list[ast.expr] = [v for d in _json_dicts(tree) for v in d.values if not _is_number(v, numbers)]
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and call_name(node) == "jsonify":
            values.extend(k.value for k in node.keywords if k.arg and not _is_number(k.value, numbers))
    for value in values:
        if isinstance(value, ast.Name) and value.id in app_text.get(enclosing.get(id(value), ""), set()):
            continue
        if _may_be_text(value, helpers):
            new = ESCAPED.format(src.text(value))
            yield Mutation(
                "json-escaped", value.lineno, (src.replace(value, new),), f"`{src.text(value)}` HTML-escaped"
            )


def _int_literal(node: ast.AST) -> int | None:
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    if (
        isinstance(node, ast.UnaryOp)
        and isinstance(node.op, ast.USub)
        and isinstance(node.operand, ast.Constant)
        and type(node.operand.value) is int
    ):
        return -node.operand.value
    return None


def _moved(src: Source, node: ast.expr, what: str) -> Iterator[Mutation]:
    """The bound one lower and one higher (a literal is rewritten, an expression gets ``+ 1``/``- 1``)."""
    value = _int_literal(node)
    for step in (-1, 1):
        if value is not None:
            new, label = str(value + step), f"{value} -> {value + step}"
        else:
            new = f"({src.text(node)}) {'+' if step > 0 else '-'} 1"
            label = f"{src.text(node)} -> {new}"
        yield Mutation("limit-moved", node.lineno, (src.replace(node, new),), f"{what}: {label}")


def limit_moved(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """A limit moved by one at each end: an int literal compared against, a ``range`` bound."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for index, op in enumerate(node.ops):
                if not isinstance(op, LIMIT_OPS):
                    continue
                for side in (operands[index], operands[index + 1]):
                    if _int_literal(side) is not None:
                        yield from _moved(src, side, "limit")
        elif isinstance(node, ast.Call) and call_name(node) == "range" and isinstance(node.func, ast.Name):
            for bound in node.args[:2]:
                yield from _moved(src, bound, "range bound")


def _is_clock(node: ast.AST) -> TypeGuard[ast.Call]:
    """``datetime.now()``, ``datetime.utcnow()``, ``date.today()``, ``time.time()``, ``monotonic()``..."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in CLOCKS


def _timeish(src: Source, node: ast.expr) -> bool:
    if any(_is_clock(n) for n in ast.walk(node)):
        return True
    names = [n.id for n in ast.walk(node) if isinstance(n, ast.Name)]
    names += [n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)]
    return any(TIMEISH.search(name) for name in names)


def time_exact(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``<``/``<=``/``>``/``>=`` between dates or timestamps -> ``==`` (a range check made exact)."""
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        for index, op in enumerate(node.ops):
            left, right = operands[index], operands[index + 1]
            if not isinstance(op, ORDER_OPS) or not (_timeish(src, left) or _timeish(src, right)):
                continue
            found = src.operator_between(left, right)
            if found is not None:
                start, end, token = found
                yield Mutation(
                    "time-exact",
                    left.lineno,
                    (Edit(start, end, "=="),),
                    f"{token} -> == (a date compared exactly)",
                )


def time_frozen(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """A clock read (``datetime.now()``, ``time.time()``...) frozen at its first value for the process."""
    for node in ast.walk(tree):
        if _is_clock(node):
            key = f"_frozen_{node.lineno}_{node.col_offset}"
            new = f'globals().setdefault("{key}", {src.text(node)})'
            yield Mutation(
                "time-frozen",
                node.lineno,
                (src.replace(node, new),),
                f"`{src.text(node)}` read once, then frozen",
            )
