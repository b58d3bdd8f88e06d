"""Python source to a normalised token stream that survives the usual disguises.

Two files that are one program under a disguise should give the same stream:

* comments, blank lines and line breaks inside brackets are dropped (comments
  changed, code reformatted);
* a statement made of a string alone (a docstring) is dropped, every other
  string, f-strings included, becomes ``S`` (docstrings and literals changed);
* a trailing comma before a closing bracket is dropped (what formatters add);
* every name the file binds itself (functions, classes, parameters, variables,
  ``import ... as`` aliases) becomes ``V`` (identifiers renamed), while names
  it does not bind (``Flask``, ``jsonify``, ``request.args``, builtins,
  keywords) keep their text: they cannot be renamed without breaking the
  program, so they keep two independent solutions apart.

Each token keeps the lines it came from, so a match points back at the code.
"""

from __future__ import annotations

import ast
import io
import keyword
import re
import token as tok
import tokenize
from dataclasses import dataclass

#: Operators after which a name is being bound (fallback for files ast cannot parse).
_BINDING_KEYWORDS = {"def", "class", "as", "for", "global", "nonlocal", "lambda"}
_ASSIGNMENTS = {"=", ":=", "+=", "-=", "*=", "/=", "//=", "%=", "|=", "&=", "^=", ">>=", "<<=", "**=", "@="}
_CLOSING = {")", "]", "}"}
_SKIPPED = {tok.COMMENT, tok.NL, tok.ENCODING, tok.ENDMARKER}
_FSTRING_START = getattr(tok, "FSTRING_START", -1)
_FSTRING_END = getattr(tok, "FSTRING_END", -1)


@dataclass(frozen=True)
class Token:
    """One normalised token and the lines (1-based, inclusive) it spans."""

    text: str
    first_line: int
    last_line: int


def source_lines(source: str) -> list[str]:
    """The lines as Python numbers them (``str.splitlines`` also splits on form feeds and others)."""
    lines = source.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return lines[:-1] if lines and not lines[-1] else lines


#: How many broken lines :func:`repaired` replaces before it gives up on parsing a file.
MAX_REPAIRS = 20


_DEFINITION = re.compile(r"(\s*)(?:async\s+)?(def|class)\s+([A-Za-z_]\w*)")
_BLOCK = re.compile(r"\s*(?:async\s+)?(?:def|class|if|elif|else|for|while|with|try|except|finally)\b")


def _fixes(line: str) -> list[str]:
    """Replacements for a line the parser refused, the least destructive first.

    A bracket left open is closed and a dropped colon is put back (the line
    keeps its names); a broken ``def``/``class`` line keeps its name; any
    other line becomes ``if True:`` (its block stays a block) or ``pass``.
    """
    body = line.rstrip()
    indent = body[: len(body) - len(body.lstrip())]
    closed = body + _closers(body)
    found = [closed] if closed != body else []
    if _BLOCK.match(body) and not closed.endswith(":"):
        found.append(closed + ":")
    definition = _DEFINITION.match(body)
    if definition:
        kind, name = definition[2], definition[3]
        found.append(f"{indent}class {name}:" if kind == "class" else f"{indent}def {name}(*_a, **_k):")
    found.append(indent + ("if True:" if body.endswith(":") else "pass"))
    return found


def _parse(lines: list[str]) -> tuple[ast.Module | None, int | None]:
    """The tree, or None and the line the parser stopped at (None if it says none)."""
    try:
        return ast.parse("\n".join(lines) + "\n"), None
    except (SyntaxError, ValueError) as exc:
        number = getattr(exc, "lineno", None)
        return None, number if isinstance(number, int) and 1 <= number <= len(lines) else None


def repaired(source: str) -> tuple[ast.Module, str, list[int]] | None:
    """The file's tree, its repaired text and the lines replaced (1-based); None if that does not help.

    A copy with one character changed (``def create(:``) must still look like
    its source: without a tree, every use of a renamed variable would keep its
    text and the copy would score as an independent solution. Each line the
    parser stops at is replaced by the first of :func:`_fixes` that gets the
    parser past it; line numbers do not move, so positions still match the
    tokens. An unclosed bracket would swallow the rest of the file into one
    logical line for ``tokenize`` too: :func:`normalise` then reads the
    repaired text.
    """
    lines = source_lines(source)
    replaced: list[int] = []
    for _ in range(MAX_REPAIRS + 1):
        tree, number = _parse(lines)
        if tree is not None:
            return tree, "\n".join(lines) + "\n", replaced
        if number is None or number in replaced:
            return None
        original = lines[number - 1]
        for candidate in _fixes(original):
            lines[number - 1] = candidate
            tree, after = _parse(lines)
            if tree is not None or (after is not None and after > number):
                break
        replaced.append(number)
    return None


def bound_names(source: str) -> tuple[set[str], set[tuple[int, int]], bool] | None:
    """Every name the module binds itself, and where keyword arguments are named; None if it cannot parse.

    A keyword argument (``jsonify(name=...)``) names the callee's parameter,
    not one of the file's own: it keeps its text even if the file also has a
    variable of that name. A file with syntax errors is parsed without its
    broken lines (:func:`repaired`); the third value says whether it had to be.
    """
    parsed = repaired(source)
    if parsed is None:
        return None
    tree, _, replaced = parsed
    lines = source_lines(source)
    names: set[str] = set()
    keywords: set[tuple[int, int]] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.keyword) and node.arg is not None:
            # ast counts UTF-8 bytes, tokenize counts characters
            line = lines[node.lineno - 1].encode()
            keywords.add((node.lineno, len(line[: node.col_offset].decode(errors="replace"))))
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            names.add(node.id)
        elif isinstance(node, ast.alias) and node.asname:
            names.add(node.asname)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
        elif isinstance(node, ast.MatchAs | ast.MatchStar) and node.name:
            names.add(node.name)
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.ctx, ast.Store)
            and isinstance(node.value, ast.Name)
            and node.value.id == "self"
        ):
            names.add(node.attr)
    return names, keywords, bool(replaced)


def _raw_tokens(source: str) -> list[tokenize.TokenInfo]:
    """The tokens of ``source``; a file that stops tokenizing keeps what came before.

    If it stops (an unclosed bracket, a stray indent), the tokens of its
    :func:`repaired` text are used instead when that tokenizes to the end.
    """
    found, complete = _tokenize(source)
    if complete:
        return found
    parsed = repaired(source)
    if parsed is None:
        return found
    lines = source_lines(source)
    for number in parsed[2]:  # first the broken lines as written, their brackets closed
        lines[number - 1] += _closers(lines[number - 1])
    for text in ("\n".join(lines) + "\n", parsed[1]):
        again, complete = _tokenize(text)
        if complete:
            return again
    return found


def _closers(line: str) -> str:
    """The brackets that close what ``line`` opens (strings and comments skipped, roughly)."""
    pairs = {"(": ")", "[": "]", "{": "}"}
    stack: list[str] = []
    quote = ""
    for char in line:
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#":
            break
        elif char in pairs:
            stack.append(pairs[char])
        elif stack and char == stack[-1]:
            stack.pop()
    return "".join(reversed(stack))


def _tokenize(source: str) -> tuple[list[tokenize.TokenInfo], bool]:
    found: list[tokenize.TokenInfo] = []
    try:
        for info in tokenize.generate_tokens(io.StringIO(source).readline):
            found.append(info)
    except (tokenize.TokenError, SyntaxError):
        return found, False
    return found, True


def _drop_string_statements(raw: list[tokenize.TokenInfo]) -> list[tokenize.TokenInfo]:
    """Remove statements that are nothing but a string (docstrings), with their NEWLINE."""
    significant = [t for t in raw if t.type not in _SKIPPED]
    kept: list[tokenize.TokenInfo] = []
    index = 0
    while index < len(significant):
        current = significant[index]
        at_start = not kept or kept[-1].type in (tok.NEWLINE, tok.INDENT, tok.DEDENT)
        if at_start and current.type in (tok.STRING, _FSTRING_START):
            end = _string_run_end(significant, index)
            if end >= len(significant) or significant[end].type in (tok.NEWLINE, tok.DEDENT):
                index = end + 1 if end < len(significant) and significant[end].type == tok.NEWLINE else end
                continue
        kept.append(current)
        index += 1
    return kept


def _string_run_end(tokens: list[tokenize.TokenInfo], index: int) -> int:
    """Index just after the run of adjacent string literals starting at ``index``."""
    depth = 0
    while index < len(tokens):
        kind = tokens[index].type
        if kind == _FSTRING_START:
            depth += 1
        elif kind == _FSTRING_END:
            depth -= 1
        elif depth == 0 and kind != tok.STRING:
            return index
        index += 1
    return index


def _is_bound(
    tokens: list[tokenize.TokenInfo], index: int, bound: tuple[set[str], set[tuple[int, int]]] | None
) -> bool:
    """Whether the name at ``index`` is the file's own: from ``bound``, or (None) from its neighbours."""
    name = tokens[index].string
    if bound is not None:
        names, keywords = bound
        return name in names and tokens[index].start not in keywords
    previous = tokens[index - 1].string if index else ""
    following = tokens[index + 1].string if index + 1 < len(tokens) else ""
    return previous in _BINDING_KEYWORDS or following in _ASSIGNMENTS


def _guessed_bindings(tokens: list[tokenize.TokenInfo]) -> set[str]:
    """Names the tokens show being bound (after ``def``, before ``=``...): the broken lines' share."""
    return {
        t.string
        for index, t in enumerate(tokens)
        if t.type == tok.NAME and not keyword.iskeyword(t.string) and _is_bound(tokens, index, None)
    }


def normalise(source: str) -> list[Token]:
    """The normalised token stream of one Python file (see the module docstring)."""
    tokens = _drop_string_statements(_raw_tokens(source))
    found = bound_names(source)
    bound: tuple[set[str], set[tuple[int, int]]]
    if found is None:  # beyond repair: every name the tokens show being bound, wherever it appears
        bound = (_guessed_bindings(tokens), set())
    else:
        names, keywords, was_repaired = found
        # the broken lines' own bindings (``def create(:``) by the simpler rule
        bound = (names | _guessed_bindings(tokens) if was_repaired else names, keywords)
    out: list[Token] = []
    index = 0
    while index < len(tokens):
        info = tokens[index]
        first, last = info.start[0], info.end[0]
        if info.type in (tok.STRING, _FSTRING_START):
            end = _string_run_end(tokens, index)
            out.append(Token("S", first, tokens[end - 1].end[0]))
            index = end
            continue
        if info.type == tok.NAME:
            keep = keyword.iskeyword(info.string) or not _is_bound(tokens, index, bound)
            text = info.string if keep else "V"
        elif info.type == tok.NEWLINE:
            text = ";"
        elif info.type == tok.INDENT:
            text = "{"
        elif info.type == tok.DEDENT:
            text = "}"
            # tokenize puts a DEDENT on the next statement's line; it closes the block before it
            first = last = out[-1].last_line if out else first
        else:
            text = info.string
        if text in _CLOSING and out and out[-1].text == ",":
            out.pop()
        out.append(Token(text, first, last))
        index += 1
    return out
