"""Operators for logic mistakes: removed validation, flipped comparisons, narrowed excepts.

These are the classic mutation operators, limited to the places where a
candidate's Flask app goes wrong: the checks that guard a view, boundaries,
computed values, exception handling.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .edits import Edit, Mutation, Source, call_name

COMPARE_SWAPS = {
    "<": "<=", "<=": "<", ">": ">=", ">=": ">", "==": "!=", "!=": "==",
    "in": "not in", "not in": "in", "is": "is not", "is not": "is",
}  # fmt: skip
ARITHMETIC_SWAPS = {"+": "-", "-": "+", "*": "/", "/": "*"}
CASE_FOLDS = {"lower", "upper", "casefold"}


def _pass(src: Source, stmt: ast.stmt, operator: str, change: str) -> Mutation:
    return Mutation(operator, stmt.lineno, (src.replace(stmt, "pass"),), change)


def _is_exit(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Return | ast.Raise | ast.Continue | ast.Break):
        return True
    return isinstance(stmt, ast.Expr) and call_name(stmt.value) == "abort"


def guard_removed(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """A validation branch (``if ...: return/abort/raise`` without else) deleted."""
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and not node.orelse and _is_exit(node.body[-1]):
            first = src.text(node).splitlines()[0]
            yield _pass(src, node, "guard-removed", f"`{first}` branch removed")


def abort_removed(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """A bare ``abort(...)`` statement deleted (the view falls through)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and call_name(node.value) == "abort":
            yield _pass(src, node, "abort-removed", f"`{src.text(node)}` removed")


def clause_dropped(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """One operand of ``a or b`` / ``a and b`` dropped (half a validation)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BoolOp):
            word = "or" if isinstance(node.op, ast.Or) else "and"
            for index, value in enumerate(node.values):
                rest = [src.text(v) for i, v in enumerate(node.values) if i != index]
                new = f" {word} ".join(rest)
                if len(rest) > 1:
                    new = f"({new})"
                yield Mutation(
                    "clause-dropped", value.lineno, (src.replace(node, new),), f"`{src.text(value)}` dropped"
                )


def comparison(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``<`` <-> ``<=``, ``>`` <-> ``>=``, ``==`` <-> ``!=``, ``in`` <-> ``not in``, ``is`` <-> ``is not``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            for left, right in zip(operands, operands[1:], strict=False):
                found = src.operator_between(left, right)
                if found is None:
                    continue
                start, end, token = found
                token = " ".join(token.split())
                if token in COMPARE_SWAPS:
                    wrong = COMPARE_SWAPS[token]
                    yield Mutation(
                        "comparison", left.lineno, (Edit(start, end, wrong),), f"{token} -> {wrong}"
                    )


def arithmetic(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``+`` <-> ``-``, ``*`` <-> ``/`` (also ``+=``), and ``n`` -> ``n - 1`` in sums (off by one)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.BinOp):
            found = src.operator_between(node.left, node.right)
            if found is not None and found[2] in ARITHMETIC_SWAPS:
                start, end, token = found
                wrong = ARITHMETIC_SWAPS[token]
                yield Mutation("arithmetic", node.lineno, (Edit(start, end, wrong),), f"{token} -> {wrong}")
            if isinstance(node.op, ast.Add | ast.Sub):
                for operand in (node.left, node.right):
                    if isinstance(operand, ast.Constant) and type(operand.value) is int and operand.value > 0:
                        less = operand.value - 1
                        yield Mutation(
                            "off-by-one",
                            operand.lineno,
                            (src.replace(operand, str(less)),),
                            f"{operand.value} -> {less}",
                        )
        elif isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add | ast.Sub):
            found = src.operator_between(node.target, node.value)
            if found is not None:
                start, end, token = found
                wrong = ARITHMETIC_SWAPS[token]
                yield Mutation("arithmetic", node.lineno, (Edit(start, end, wrong),), f"{token}= -> {wrong}=")


def boolean(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``True`` <-> ``False``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, bool):
            wrong = str(not node.value)
            yield Mutation("boolean", node.lineno, (src.replace(node, wrong),), f"{node.value} -> {wrong}")


def exception_narrowed(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``except (A, B)`` loses one type; ``except A`` catches nothing (``except ()``)."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler) and node.type is not None:
            kinds = node.type.elts if isinstance(node.type, ast.Tuple) else [node.type]
            for index, kind in enumerate(kinds):
                rest = [src.text(k) for i, k in enumerate(kinds) if i != index]
                new = f"({', '.join(rest)}{',' if len(rest) == 1 else ''})"
                yield Mutation(
                    "exception-narrowed",
                    kind.lineno,
                    (src.replace(node.type, new),),
                    f"{src.text(kind)} no longer caught",
                )


def case_fold_dropped(tree: ast.Module, src: Source) -> Iterator[Mutation]:
    """``x.lower()`` -> ``x`` (a case-sensitive check)."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in CASE_FOLDS
            and not node.args
        ):
            new = src.text(node.func.value)
            yield Mutation(
                "case-fold-dropped", node.lineno, (src.replace(node, new),), f".{node.func.attr}() removed"
            )
