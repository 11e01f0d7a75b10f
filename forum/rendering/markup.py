"""Markdown to safe HTML, done once when content is saved.

markdown-it-py renders CommonMark plus tables, strikethrough, autolinks, footnotes,
task lists, TeX math (as MathML, `forum.rendering.math`) and highlighted code
(`forum.rendering.code`), with raw HTML off. Posts also get heading anchors and, when
long, a table of contents. nh3 then keeps only an allow-list of tags, attributes,
classes and URL schemes, so `javascript:` and `data:` links, event handlers, styles
and iframes cannot get through even if a renderer let something slip. Every id, and
every `#fragment` link, is prefixed with `user-content-` so a post cannot clobber
the page's own elements (`document.getElementById`, named properties of `window`).
"""

from __future__ import annotations

import hashlib
import html
import re

import nh3
from markdown_it import MarkdownIt
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin

from forum.rendering import code, math, outline
from forum.rendering.brackets import brackets_plugin
from forum.rendering.mentions import mentions_plugin
from forum.rendering.tasks import tasks_plugin

ID_PREFIX = "user-content-"

_DISPLAY_MATH = {"math_block": True, "math_inline_double": True, "math_inline": False}


def _render_math(_self, tokens, idx, _options, env) -> str:
    token = tokens[idx]
    display = _DISPLAY_MATH[token.type]
    rendered = math.render_tex(token.content, display, env)
    return rendered + "\n" if token.block else rendered


def _render_fence(_self, tokens, idx, _options, _env) -> str:
    token = tokens[idx]
    language = token.info.strip().split(maxsplit=1)[0] if token.info.strip() else ""
    return code.fence(token.content, language)


def _build(*, anchors: bool) -> MarkdownIt:
    md = (
        MarkdownIt("commonmark", {"html": False, "linkify": True, "typographer": False})
        .enable(["table", "strikethrough", "linkify"])
        .use(footnote_plugin)
        .use(tasks_plugin)
        .use(brackets_plugin)  # \( \) and \[ \]
        .use(mentions_plugin)  # @name, for the names the caller says are people
        # $ and $$. No digits or spaces next to the dollars, so "$5 or $10" stays text.
        .use(dollarmath_plugin, allow_labels=False, allow_space=False, allow_digits=False, double_inline=True)
    )
    if anchors:
        md.use(outline.anchors_plugin)
    for token_type in _DISPLAY_MATH:
        md.add_render_rule(token_type, _render_math)
    md.add_render_rule("fence", _render_fence)
    return md


_md = _build(anchors=False)
_md_post = _build(anchors=True)

_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "del",
    "div",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "input",
    "li",
    "nav",
    "ol",
    "p",
    "pre",
    "s",
    "section",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
} | math.MATHML_TAGS
_ATTRIBUTES = {
    **{tag: set(names) for tag, names in math.MATHML_ATTRIBUTES.items()},
    "a": {"href", "title", "id", "class"},
    "img": {"src", "alt", "title"},
    "ol": {"start", "class"},
    **{tag: {"id"} for tag in ("h1", "h2", "h3", "h4", "h5", "h6")},
    "li": {"id", "class"},
    **{tag: {"class"} for tag in ("code", "pre", "sup", "hr", "section", "ul", "p")},
    "span": {"class", "title"},
    "div": {"class", "title"},
    "nav": {"class", "aria-label"},
    "input": {"class", "checked"},
}
# Task-list checkboxes only show state: whatever arrives, an input is a disabled checkbox.
# A code block scrolls sideways when its lines are long: tabindex lets a keyboard scroll it too.
_FORCED = {"input": {"type": "checkbox", "disabled": ""}, "pre": {"tabindex": "0"}}
_CLASSES = {
    "pre": {"highlight"},
    "span": {"math-error"},
    "div": {"math-error"},
    "sup": {"footnote-ref"},
    "a": {"footnote-backref", "mention"},
    "hr": {"footnotes-sep"},
    "section": {"footnotes"},
    "ol": {"footnotes-list", "contains-task-list"},
    "ul": {"contains-task-list"},
    "li": {"footnote-item", "task-list-item"},
    "input": {"task-list-item-checkbox"},
    "nav": {"toc"},
    "p": {"toc-title"},
}
_LANGUAGE_CLASS = re.compile(r"^language-[A-Za-z0-9_+#.-]{1,32}$")


def _allowed_class(tag: str, name: str) -> bool:
    if name in _CLASSES.get(tag, ()):
        return True
    if tag == "code":
        return bool(_LANGUAGE_CLASS.match(name))
    return tag == "span" and bool(code.TOKEN_CLASS.match(name))


def _prefixed(value: str) -> str:
    return value if value.startswith(ID_PREFIX) else ID_PREFIX + value


def _filter_attribute(tag: str, attr: str, value: str) -> str | None:
    # Table alignment arrives as inline `style`, which the Content-Security-Policy would
    # refuse anyway, so it is not in the allow-list; classes are only the ones our CSS knows.
    if attr == "class":
        kept = [name for name in value.split() if _allowed_class(tag, name)]
        return " ".join(kept) or None
    if attr == "id":
        return _prefixed(value) if value else None
    if attr == "href" and value.startswith("#") and len(value) > 1:
        return "#" + _prefixed(value[1:])
    return value


def _clean(rendered: str) -> str:
    return nh3.clean(
        rendered,
        tags=_TAGS,
        attributes=_ATTRIBUTES,
        set_tag_attribute_values=_FORCED,
        url_schemes={"http", "https", "mailto"},
        link_rel="nofollow noopener noreferrer ugc",
        attribute_filter=_filter_attribute,
        strip_comments=True,
    )


def render_markdown(text: str, mentions: frozenset[str] = frozenset()) -> str:
    """Comments, bios, group descriptions, terms: everything but heading anchors and a
    table of contents. Footnote ids carry a digest of the text, so two comments on one
    page do not share them. `mentions`: the lower-cased names an @mention links
    (`notifications.linkable_mentions`)."""
    text = text or ""
    env: dict = {"docId": hashlib.sha256(text.encode()).hexdigest()[:8]} if "[^" in text else {}
    env["mentions"] = mentions
    return _clean(_md.render(text, env))


def render_post_body(text: str, mentions: frozenset[str] = frozenset()) -> str:
    """A post: also heading anchors and, with enough headings, a table of contents."""
    env: dict = {"mentions": mentions}
    tokens = _md_post.parse(text or "", env)
    body = _md_post.renderer.render(tokens, _md_post.options, env)
    return _clean(outline.table_of_contents(tokens) + body)


# A formula's text is its TeX source, kept in the annotation beside the presentation.
_MATH = re.compile(r"<math\b[^>]*>.*?<annotation\b[^>]*>(.*?)</annotation>.*?</math>", re.DOTALL)


def plain_text(safe_html: str) -> str:
    """The words of rendered content without markup: what search indexes and excerpts,
    so a snippet reads "Preliminary." rather than "**Preliminary.**". Formulas count as
    their TeX source; the table of contents is left out (it repeats the headings)."""
    words = _MATH.sub(lambda m: m.group(1), safe_html or "")
    return html.unescape(nh3.clean(words, tags=set(), clean_content_tags={"nav"}))
