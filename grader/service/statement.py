"""A challenge's statement as HTML for the dashboard: Markdown rendered, raw HTML escaped.

Statements are Markdown (headings, lists, code, tables). The dashboard shows
them rendered, not as source. The renderer is markdown-it-py's CommonMark
with raw HTML turned off: a ``<script>`` or ``<img onerror=...>`` in a
statement is shown as text, never parsed as markup, and links with a
``javascript:``, ``vbscript:``, ``file:`` or ``data:`` address are left as
text by markdown-it's link check. So a statement cannot put script into the
page, whatever the Content-Security-Policy says.
"""

from __future__ import annotations

from functools import lru_cache

from markdown_it import MarkdownIt
from markupsafe import Markup

# CommonMark plus GitHub's tables and strikethrough (some statements use tables); no raw HTML,
# no autolinking of bare addresses, no typographic replacements (a statement's quotes stay literal).
_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False}).enable(
    ["table", "strikethrough"]
)


@lru_cache(maxsize=64)
def render_statement(text: str) -> Markup:
    """``text`` (Markdown) as safe HTML; cached because every challenge page view renders it."""
    return Markup(_MARKDOWN.render(text))  # safe: html=False escapes every raw tag
