"""A small HTML reader for template suites: find elements, their text and attributes.

``response.html()`` (or ``parse_html(text)``) gives the document's root
:class:`Element`; ``find``/``find_all`` match a tag name and attribute
values (``class_`` matches one class among several), so suites assert on
structure instead of regular expressions. Parsing uses the standard
library's lenient :class:`html.parser.HTMLParser`: unclosed and misnested
tags are tolerated as browsers tolerate them, and entities are decoded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = frozenset(
    ("area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track")
    + ("wbr",)
)


@dataclass
class Element:
    """One element: its tag, attributes, children and text."""

    tag: str
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Element | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        """All the text inside, whitespace collapsed (as a person reads it)."""
        parts: list[str] = []
        for child in self.children:
            parts.append(child if isinstance(child, str) else f" {child.text} ")
        return " ".join("".join(parts).split())

    def get(self, name: str, default: str | None = None) -> str | None:
        return self.attrs.get(name, default)

    def iter(self) -> Iterator[Element]:
        """This element and every element inside it, in document order."""
        yield self
        for child in self.children:
            if isinstance(child, Element):
                yield from child.iter()

    def find_all(self, tag: str | None = None, class_: str | None = None, **attrs: str) -> list[Element]:
        """Elements inside (or this one) with that tag, class and attribute values."""
        found = []
        for element in self.iter():
            if tag is not None and element.tag != tag.lower():
                continue
            if class_ is not None and class_ not in element.attrs.get("class", "").split():
                continue
            if all(
                element.attrs.get(key.rstrip("_").replace("_", "-")) == value for key, value in attrs.items()
            ):
                found.append(element)
        return found

    def find(self, tag: str | None = None, class_: str | None = None, **attrs: str) -> Element | None:
        """The first match of :meth:`find_all`, or None."""
        matches = self.find_all(tag, class_, **attrs)
        return matches[0] if matches else None


class _Builder(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Element("#document")
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        element = Element(tag, {name: value or "" for name, value in attrs})
        self.stack[-1].children.append(element)
        if tag not in VOID:
            self.stack.append(element)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Element(tag, {name: value or "" for name, value in attrs}))

    def handle_endtag(self, tag: str) -> None:
        for depth in range(len(self.stack) - 1, 0, -1):
            if self.stack[depth].tag == tag:
                del self.stack[depth:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_html(text: str) -> Element:
    """The document's root element (tag ``#document``)."""
    builder = _Builder()
    builder.feed(text)
    builder.close()
    return builder.root
