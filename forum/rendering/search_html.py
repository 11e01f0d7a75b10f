"""The search page's hits in Python: the markup the results template printed for each hit,
built by string formatting (a hit through Jinja's macros and filters cost about 35 µs, the
page's whole list about a tenth of the page).

Nothing here is kept between requests: each page's hits are the viewer's own, already
checked by `visibility.readable_hits`. The audience badge is the `audience_badge` macro's
own output, asked once per kind of post on the page, so it has one source.
"""

from __future__ import annotations

from collections.abc import Iterable

from flask import current_app, url_for
from markupsafe import Markup, escape

from forum.rendering.dates import time_ago
from forum.web.links import Links

_INDENT = "          "  # the hit's lines, as the template indented them
_GATED = f'{_INDENT}<p class="muted">Accept this post\'s terms to read it.</p>\n'
_REMOVED = " · <strong>removed</strong>"


def hits_html(items: Iterable) -> Markup:
    """The `<article>` of each hit (`forum.search.service.Result`), in order."""
    links = Links()
    badges: dict[tuple[bool, str], str] = {}
    out: list[str] = []
    for item in items:
        post, comment = item.post, item.comment
        out.append(f'      <article class="search-hit" id="{item.kind}-{comment.id if comment else post.id}">\n')
        if item.kind == "listing":
            access = url_for("access.request_access", post_id=post.id)
            out.append(
                f'{_INDENT}<h2>{escape(post.title)} <span class="badge badge-restricted">restricted</span>'
                f' <a class="button small secondary" href="{access}">Request access</a></h2>\n'
                f'{_INDENT}<p class="meta">{links.user(post.author)} · listed restricted post: only its abstract'
                " is shown</p>\n"
            )
        elif item.kind == "post":
            kind = (post.is_draft, post.audience_kind)
            if kind not in badges:
                badges[kind] = _badge(post)
            out.append(
                f'{_INDENT}<h2><a href="{links.to("posts.view", post.id)}">{escape(post.title)}</a>'
                f" {badges[kind]}</h2>\n"
                f'{_INDENT}<p class="meta">{links.user(post.author)} · {_when(post.created_at)}'
                f"{_REMOVED if post.is_removed else ''}</p>\n"
            )
        else:
            out.append(
                f'{_INDENT}<h2 class="search-hit-comment">Comment on'
                f' <a href="{links.to("posts.comment_permalink", comment.id)}">{escape(post.title)}</a></h2>\n'
                f'{_INDENT}<p class="meta">{links.user(comment.author)} · {_when(comment.created_at)}'
                f"{_REMOVED if comment.is_removed or post.is_removed else ''}</p>\n"
            )
        if item.snippet is None:
            out.append(_GATED)
        else:
            out.append(f'{_INDENT}<p class="snippet">{escape(item.snippet)}</p>\n')
        out.append("      </article>\n")
    return Markup("".join(out))


def _when(moment) -> str:
    return f'<time datetime="{moment.isoformat()}Z">{time_ago(moment)}</time>'


def _badge(post) -> str:
    macro = current_app.jinja_env.get_template("macros.html").module.audience_badge  # type: ignore[attr-defined]
    return str(macro(post))
