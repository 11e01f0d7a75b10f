"""Markdown to safe HTML, done once when content is saved.

markdown-it-py renders CommonMark plus tables, strikethrough and autolinks with raw
HTML off; nh3 then keeps only an allow-list of tags, attributes and URL schemes, so
`javascript:` and `data:` links, event handlers and iframes cannot get through even
if the renderer let something slip.
"""
from __future__ import annotations

import html

import nh3
from markdown_it import MarkdownIt

_md = (
    MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
    .enable(["table", "strikethrough", "linkify"])
)

_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "del", "em", "h1", "h2", "h3", "h4",
    "h5", "h6", "hr", "i", "img", "li", "ol", "p", "pre", "s", "strong", "sub", "sup",
    "table", "tbody", "td", "th", "thead", "tr", "ul",
}
_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "code": {"class"},  # language-xyz from fenced blocks
    "ol": {"start"},
}


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    # Table alignment arrives as inline `style`, which the Content-Security-Policy would
    # refuse anyway, so it is not in the allow-list; classes only name code languages.
    if attr == "class":
        return value if value.startswith("language-") and value[9:].isalnum() else None
    return value


def render_markdown(text: str) -> str:
    html = _md.render(text or "")
    return nh3.clean(
        html,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )


def plain_text(safe_html: str) -> str:
    """The words of rendered content without markup: what search indexes and excerpts,
    so a snippet reads "Preliminary." rather than "**Preliminary.**"."""
    return html.unescape(nh3.clean(safe_html or "", tags=set()))
