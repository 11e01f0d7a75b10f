"""A post's numbered versions and the difference between any two.

The live text is on the post; each `PostRevision` holds the text an edit replaced, so
the oldest revision is v1 and the post itself is the newest version. Callers fetch
the post through `visibility.get_post_body_or_404`: whoever may read the body may read
every version of it, and nobody else learns that versions exist.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum.extensions import db
from forum.models import Post, PostRevision, User


@dataclass(frozen=True)
class Version:
    number: int
    title: str
    body_md: str
    body_html: str
    saved_at: datetime
    saved_by: User
    current: bool


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str


def versions_of(post: Post) -> list[Version]:
    """Every version, oldest (v1) first: two queries whatever their number."""
    revisions = db.session.scalars(
        select(PostRevision)
        .where(PostRevision.post_id == post.id)
        .order_by(PostRevision.id)
        .options(selectinload(PostRevision.editor))
    ).all()
    texts = [(r.title, r.body_md, r.body_html, r.created_at) for r in revisions]
    texts.append((post.title, post.body_md, post.body_html, post.edited_at or post.created_at))
    # Version n+1 was saved by whoever made the edit that replaced version n.
    savers = [post.author, *(r.editor for r in revisions)]
    return [
        Version(number, title, body_md, body_html, saved_at, saver, number == len(texts))
        for number, ((title, body_md, body_html, saved_at), saver) in enumerate(zip(texts, savers), start=1)
    ]


def diff(old: str, new: str) -> list[DiffLine]:
    """Line-by-line difference of two Markdown sources (escaped by the template)."""
    old_lines, new_lines = old.splitlines(), new.splitlines()
    lines: list[DiffLine] = []
    matcher = difflib.SequenceMatcher(a=old_lines, b=new_lines, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            lines.extend(DiffLine("same", text) for text in old_lines[i1:i2])
            continue
        lines.extend(DiffLine("removed", text) for text in old_lines[i1:i2])
        lines.extend(DiffLine("added", text) for text in new_lines[j1:j2])
    return lines
