"""Heading anchors and the table of contents of a long post."""

from __future__ import annotations

import html
import re
import unicodedata

from markdown_it import MarkdownIt
from markdown_it.rules_core import StateCore
from markdown_it.token import Token

TOC_MIN_HEADINGS = 3  # shorter posts read fine without one
TOC_LEVELS = (1, 2, 3)


def slugify(title: str) -> str:
    """GitHub-style slugs; the sanitizer prefixes every id with `user-content-`."""
    text = unicodedata.normalize("NFKC", title).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return re.sub(r"\s", "-", text) or "section"


def _add_heading_ids(state: StateCore) -> None:
    """Give each heading a unique slug id: "results", "results-1", ... Counted per slug,
    not searched from 1 each time as mdit-py-plugins' anchors do, which is quadratic in
    the number of equal headings (25,000 "# h" lines took minutes)."""
    used: set[str] = set()
    next_suffix: dict[str, int] = {}
    for index, token in enumerate(state.tokens):
        if token.type != "heading_open":
            continue
        base = slugify(_heading_text(state.tokens[index + 1]))
        slug = base
        while slug in used:
            next_suffix[base] = next_suffix.get(base, 0) + 1
            slug = f"{base}-{next_suffix[base]}"
        used.add(slug)
        token.attrSet("id", slug)


def anchors_plugin(md: MarkdownIt) -> None:
    md.core.ruler.push("heading_ids", _add_heading_ids)


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
