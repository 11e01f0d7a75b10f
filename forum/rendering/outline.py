"""Heading anchors and the table of contents of a long post."""
from __future__ import annotations

import html
import re
import unicodedata

from markdown_it.token import Token

TOC_MIN_HEADINGS = 3   # shorter posts read fine without one
TOC_LEVELS = (1, 2, 3)


def slugify(title: str) -> str:
    """GitHub-style slugs; the sanitizer prefixes every id with `user-content-`."""
    text = unicodedata.normalize("NFKC", title).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return re.sub(r"\s", "-", text) or "section"


def _heading_text(inline: Token) -> str:
    """The words of a heading, math shown as its source."""
    parts = []
    for child in inline.children or []:
        if child.type in ("text", "code_inline", "math_inline"):
            parts.append(child.content)
    return "".join(parts).strip()


def table_of_contents(tokens: list[Token]) -> str:
    """A nested list of links to the headings, or "" below TOC_MIN_HEADINGS."""
    headings = []
    for index, token in enumerate(tokens):
        if token.type == "heading_open" and int(token.tag[1]) in TOC_LEVELS and token.attrGet("id"):
            headings.append((int(token.tag[1]), str(token.attrGet("id")), _heading_text(tokens[index + 1])))
    if len(headings) < TOC_MIN_HEADINGS:
        return ""
    out = ['<nav class="toc" aria-label="Contents"><p class="toc-title">Contents</p>']
    open_levels: list[int] = []  # the level of each <ol> still open
    for level, anchor, text in headings:
        if not open_levels or level > open_levels[-1]:
            out.append("<ol>")  # nested inside the item still open
            open_levels.append(level)
        else:
            out.append("</li>")
            while len(open_levels) > 1 and level < open_levels[-1]:
                out.append("</ol></li>")
                open_levels.pop()
        out.append(f'<li><a href="#{html.escape(anchor)}">{html.escape(text)}</a>')
    out.append("</li></ol>" * len(open_levels))
    out.append("</nav>\n")
    return "".join(out)
