"""Text edits on Python source, located by AST nodes.

Mutants are made by replacing a few bytes of the original file, never by
re-printing a whole tree (``ast.unparse`` would drop comments and reformat
every line, so the diff shown for a survivor would be the whole file). The
AST only says *where*: its ``col_offset`` values count UTF-8 bytes, so all
offsets here are byte offsets into the encoded source.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Edit:
    """Replace ``source[start:end]`` (bytes) with ``text``."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Mutation:
    """One proposed change: which operator, where, the edits and a short label."""

    operator: str
    line: int
    edits: tuple[Edit, ...]
    change: str


#: Operator tokens that may sit between two operands (longest first).
_OP_TOKEN = re.compile(rb"not\s+in|is\s+not|<=|>=|==|!=|//|\*\*|<|>|\+|-|\*|/|%|\bin\b|\bis\b")


class Source:
    """One module's bytes with line offsets, to turn AST positions into spans."""

    def __init__(self, text: str) -> None:
        self.data = text.encode("utf-8")
        self.line_starts = [0]
        for index, byte in enumerate(self.data):
            if byte == 0x0A:
                self.line_starts.append(index + 1)

    def offset(self, lineno: int, col: int) -> int:
        return self.line_starts[lineno - 1] + col

    def span(self, node: ast.AST) -> tuple[int, int]:
        """The node's byte span (expressions, statements, keywords, arguments)."""
        start = self.offset(node.lineno, node.col_offset)  # type: ignore[attr-defined]
        end = self.offset(node.end_lineno, node.end_col_offset)  # type: ignore[attr-defined]
        return start, end

    def text(self, node: ast.AST) -> str:
        start, end = self.span(node)
        return self.data[start:end].decode("utf-8")

    def replace(self, node: ast.AST, text: str) -> Edit:
        start, end = self.span(node)
        return Edit(start, end, text)

    def operator_between(self, left: ast.AST, right: ast.AST) -> tuple[int, int, str] | None:
        """The operator token between two operands: (start, end, token), or None."""
        gap_start = self.span(left)[1]
        gap_end = self.span(right)[0]
        found = _OP_TOKEN.search(self.data, gap_start, gap_end)
        if found is None:
            return None
        return found.start(), found.end(), found.group().decode()

    def whole_lines(self, node: ast.AST) -> Edit:
        """Delete the lines a node occupies (a decorator), newline included."""
        start = self.line_starts[node.lineno - 1]  # type: ignore[attr-defined]
        last = node.end_lineno  # type: ignore[attr-defined]
        end = self.line_starts[last] if last < len(self.line_starts) else len(self.data)
        return Edit(start, end, "")

    def drop_keyword(self, call: ast.Call, keyword: ast.keyword) -> Edit:
        """Remove ``keyword`` from ``call``'s arguments, with its separating comma."""
        parts = sorted([*call.args, *call.keywords], key=lambda n: self.span(n)[0])
        index = parts.index(keyword)
        start, end = self.span(keyword)
        if index > 0:
            start = self.span(parts[index - 1])[1]
        elif len(parts) > 1:
            end = self.span(parts[1])[0]
        return Edit(start, end, "")


def apply(data: bytes, edits: tuple[Edit, ...]) -> str:
    """The source with every edit applied (edits never overlap)."""
    out = data
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[: edit.start] + edit.text.encode("utf-8") + out[edit.end :]
    return out.decode("utf-8")


def call_name(node: ast.AST) -> str:
    """The called name: ``escape`` for ``escape(x)`` and ``markupsafe.escape(x)``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""
