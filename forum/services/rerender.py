"""Render stored Markdown again after the renderer changed (`flask forum rerender`).

HTML is rendered once at save time, so a new Markdown feature (math, footnotes,
highlighting) reaches old posts and comments only through this. It writes only the
rows whose HTML differs, so running it twice changes nothing the second time, and it
sends the changed posts and comments to the search index (its text comes from the HTML).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import cast

from sqlalchemy import select

from forum.extensions import db
from forum.models import Comment, Group, Message, Post, PostRevision, PostTerms, SiteTerms, User
from forum.rendering.marks import render_source
from forum.rendering.markup import render_markdown
from forum.search import indexing
from forum.services.excerpts import excerpt_for
from forum.services.notifications import linkable_mentions

BATCH = 500


@dataclass
class RerenderReport:
    changed: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.changed.values())


def _post_html(text: str) -> str:
    return render_source(text, linkable_mentions(text))


def _with_mentions(text: str) -> str:
    return render_markdown(text, linkable_mentions(text))


# (model, Markdown column, HTML column, renderer); posts and their versions get anchors and a TOC.
# Posts, versions, comments and messages link @mentions, as when they are saved (a name that
# was deleted since stops linking).
_Rendered = Post | PostRevision | Comment | Message | User | Group | PostTerms | SiteTerms
_TARGETS: list[tuple[type[_Rendered], str, str, Callable[[str], str]]] = [
    (Post, "body_md", "body_html", _post_html),
    (PostRevision, "body_md", "body_html", _post_html),
    (Comment, "body_md", "body_html", _with_mentions),
    (Message, "body_md", "body_html", _with_mentions),
    (User, "bio", "bio_html", render_markdown),
    (Group, "description", "description_html", render_markdown),
    (PostTerms, "body_md", "body_html", render_markdown),
    (SiteTerms, "body_md", "body_html", render_markdown),
]


def rerender_all() -> RerenderReport:
    report = RerenderReport()
    post_ids: set[int] = set()
    comment_ids: set[int] = set()
    excerpts = 0
    for model, source, target, render in _TARGETS:
        changed = 0
        last_id = 0
        while True:
            batch = select(model).where(model.id > last_id).order_by(model.id).limit(BATCH)
            # mypy solves select() over a union of models as their common base, which has no columns.
            rows = cast(Sequence[_Rendered], db.session.scalars(batch).all())
            if not rows:
                break
            for row in rows:
                fresh = render(getattr(row, source) or "")
                if fresh != getattr(row, target):
                    setattr(row, target, fresh)
                    changed += 1
                    if model is Post:
                        post_ids.add(row.id)
                    elif model is Comment:
                        comment_ids.add(row.id)
                if isinstance(row, Post) and row.excerpt != excerpt_for(row):
                    # Posts saved before excerpts existed, or under an older cut, get theirs here.
                    row.excerpt = excerpt_for(row)
                    excerpts += 1
            last_id = rows[-1].id
            db.session.commit()
        report.changed[model.__tablename__] = changed
    report.changed["post excerpts"] = excerpts
    if post_ids or comment_ids:
        indexing.apply(indexing.Changes(post_ids, comment_ids))
    return report
