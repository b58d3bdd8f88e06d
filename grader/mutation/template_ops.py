"""Mutants of a solution's Jinja templates: the mistakes a statement about templates rules out.

A template is scanned for its tags (``{% ... %}``), outputs (``{{ ... }}``)
and comments by a small tokenizer, never re-printed: like the Python
operators, each mutant replaces a few characters of the original text, so a
survivor's diff is a few lines. Every mutant is checked to still parse with
Jinja (an invalid one would be an operator bug, never the author's).
Operators:

* ``template-extends-inlined``: ``{% extends "base.html" %}`` replaced by the
  parent's markup with the child's blocks filled in (the same page, without
  the inheritance a statement may require);
* ``template-safe-added``: ``{{ x }}`` -> ``{{ x|safe }}`` (no escaping);
* ``template-autoescape-off``: the body (or each block of a child) wrapped in
  ``{% autoescape false %}``;
* ``template-block-dropped``: a ``{% block %}...{% endblock %}`` removed.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

#: One Jinja token: a comment, a tag (group 1: its name) or an output (group 2: the expression).
_TOKEN = re.compile(r"\{#.*?#\}|\{%[-+]?\s*(\w+)(?:.*?)[-+]?%\}|\{\{[-+]?(.*?)[-+]?\}\}", re.S)
_EXTENDS = re.compile(r"""\{%[-+]?\s*extends\s+(["'])([^"']+)\1\s*[-+]?%\}""")
_BLOCK_NAME = re.compile(r"\{%[-+]?\s*block\s+(\w+)")
_SUPER = re.compile(r"\{\{[-+]?\s*super\(\)\s*[-+]?\}\}")
#: Outputs |safe would not change: already raw, JSON, numbers, URLs built by Flask, a parent block.
_NOT_ESCAPABLE = re.compile(
    r"\|\s*(safe|tojson|length|count|int|float|urlencode)\b|super\(\)|url_for\(|csrf_token|isoformat\(\)"
)
_SIMPLE = re.compile(r"[\w.]+")
#: Top-level tags of a child that still run when it extends a parent.
_KEPT_TAGS = {"set", "import", "from"}


@dataclass(frozen=True)
class TemplateMutation:
    """One proposed change to a template: operator, line, start offset, label, the new text."""

    operator: str
    line: int
    start: int
    change: str
    text: str


@dataclass(frozen=True)
class _Block:
    name: str
    open_start: int
    open_end: int
    close_start: int
    close_end: int
    depth: int


@dataclass(frozen=True)
class _Scan:
    tags: list[tuple[str, int, int]]  # (tag name, start, end)
    outputs: list[tuple[str, int, int, int]]  # (expression, start, end, expression end)
    blocks: list[_Block]


def _scan(text: str) -> _Scan:
    """Every tag, output and block of a template (``{% raw %}`` sections skipped)."""
    tags: list[tuple[str, int, int]] = []
    outputs: list[tuple[str, int, int, int]] = []
    blocks: list[_Block] = []
    stack: list[tuple[str, int, int]] = []
    raw = False
    for match in _TOKEN.finditer(text):
        name, expression = match.group(1), match.group(2)
        if raw:
            raw = name != "endraw"
            continue
        if name == "raw":
            raw = True
        elif name:
            tags.append((name, match.start(), match.end()))
            if name == "block":
                found = _BLOCK_NAME.match(match.group(0))
                stack.append((found.group(1) if found else "?", match.start(), match.end()))
            elif name == "endblock" and stack:
                block, start, end = stack.pop()
                blocks.append(_Block(block, start, end, match.start(), match.end(), len(stack)))
        elif expression is not None:
            outputs.append((expression.strip(), match.start(), match.end(), match.end(2)))
    return _Scan(tags, outputs, sorted(blocks, key=lambda b: b.open_start))


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _fill(parent: str, child_blocks: dict[str, str]) -> str:
    """The parent's text with each block's content replaced by the child's (``super()`` resolved)."""
    out: list[str] = []
    position = 0
    for block in (b for b in _scan(parent).blocks if b.depth == 0):
        inner = parent[block.open_end : block.close_start]
        if block.name in child_blocks:
            inner = _SUPER.sub(inner.replace("\\", "\\\\"), child_blocks[block.name])
        else:
            inner = _fill(inner, child_blocks)
        out += [parent[position : block.open_end], inner]
        position = block.close_start
    out.append(parent[position:])
    return "".join(out)


def extends_inlined(text: str, load: Callable[[str], str | None]) -> Iterator[TemplateMutation]:
    """``{% extends "p" %}`` -> p's markup, the child's blocks filled in, its top-level set/imports kept."""
    found = _EXTENDS.search(text)
    parent = load(found.group(2)) if found else None
    if found is None or parent is None:
        return
    scan = _scan(text)
    child_blocks = {b.name: text[b.open_end : b.close_start] for b in scan.blocks if b.depth == 0}
    inside = [(b.open_start, b.close_end) for b in scan.blocks if b.depth == 0]
    kept = [
        text[start:end]
        for name, start, end in scan.tags
        if name in _KEPT_TAGS and not any(s <= start < e for s, e in inside)
    ]
    head = "".join(kept)
    yield TemplateMutation(
        "template-extends-inlined",
        _line(text, found.start()),
        found.start(),
        f'{{% extends "{found.group(2)}" %}} -> its markup copied in',
        head + _fill(parent, child_blocks),
    )


def safe_added(text: str) -> Iterator[TemplateMutation]:
    """``{{ x }}`` -> ``{{ x|safe }}`` for every output that escaping could change."""
    for expression, start, _end, _expression_end in _scan(text).outputs:
        if not expression or _NOT_ESCAPABLE.search(expression) or expression[:1] in {"'", '"'}:
            continue
        raw = expression if _SIMPLE.fullmatch(expression) else f"({expression})"
        inner_start = text.index(expression, start)
        new = text[:inner_start] + f"{raw}|safe" + text[inner_start + len(expression) :]
        yield TemplateMutation(
            "template-safe-added", _line(text, start), start, f"{{{{ {expression} }}}} -> |safe", new
        )


def autoescape_off(text: str) -> Iterator[TemplateMutation]:
    """The template's body and the content of each block wrapped in ``{% autoescape false %}``.

    Jinja compiles each block as its own function, outside the scope of an
    ``autoescape`` tag around it, so every block is wrapped on its own (in a
    child, whose text outside blocks is never rendered, only the blocks).
    """
    scan = _scan(text)
    if not scan.outputs:
        return
    on, off = "{% autoescape false %}", "{% endautoescape %}"
    inserts = [(b.open_end, on) for b in scan.blocks] + [(b.close_start, off) for b in scan.blocks]
    new, position = [], 0
    for offset, tag in sorted(inserts, key=lambda item: item[0]):
        new += [text[position:offset], tag]
        position = offset
    new.append(text[position:])
    body = "".join(new)
    if _EXTENDS.search(text):
        first = min((b.open_start for b in scan.blocks), default=0)
        change = "each block wrapped in autoescape false"
    else:
        first, body, change = 0, on + body + off, "body and blocks wrapped in autoescape false"
    yield TemplateMutation("template-autoescape-off", _line(text, first), first, change, body)


def block_dropped(text: str) -> Iterator[TemplateMutation]:
    """A ``{% block name %}...{% endblock %}`` removed with its content."""
    for block in _scan(text).blocks:
        yield TemplateMutation(
            "template-block-dropped",
            _line(text, block.open_start),
            block.open_start,
            f"{{% block {block.name} %}} removed",
            text[: block.open_start] + text[block.close_end :],
        )


def find_template_mutations(text: str, load: Callable[[str], str | None]) -> Iterator[TemplateMutation]:
    """Every mutation every template operator proposes for one template."""
    yield from extends_inlined(text, load)
    yield from safe_added(text)
    yield from autoescape_off(text)
    yield from block_dropped(text)
