"""A post's numbered versions and the difference between any two.

The live text is on the post; each `PostRevision` holds the text an edit replaced, so
the oldest revision is v1 and the post itself is the newest version. Callers fetch
the post through `visibility.get_post_body_or_404`; of its earlier versions a reader sees
those written for them (`visibility.revisions_of`: a draft's versions stay with its
readers, and so do those of a narrower audience), and nobody else learns they exist.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from forum import visibility
from forum.extensions import db
from forum.models import Post, PostRevision, User
from forum.queries.marked_copies import html_for, markdown_for


@dataclass(frozen=True)
class Version:
    number: int
    title: str
    body_md: str
    body_html: str
    saved_at: datetime
    saved_by: User | None  # None: the edit that made this version replaced one the viewer may not read
    current: bool


@dataclass(frozen=True)
class DiffLine:
    kind: str  # "same", "added" or "removed"
    text: str


def versions_of(viewer: User | None, post: Post) -> list[Version]:
    """The versions the viewer may read, oldest first, numbered as they see them (v1 is
    the oldest they may read), so a version kept from them leaves no gap, count or name."""
    revisions = db.session.scalars(
        visibility.revisions_of(viewer, post).options(selectinload(PostRevision.editor))
    ).all()
    # Each version was saved by whoever made the edit that replaced the one before it; named
    # only when the viewer may read that earlier version too (else it is their first).
    shown = {r.id: r for r in revisions}
    chain = db.session.execute(
        select(PostRevision.id, PostRevision.editor_id).where(PostRevision.post_id == post.id).order_by(PostRevision.id)
    ).all()
    saver_of: dict[int | None, User | None] = {}
    previous: int | None = None
    for revision_id, _editor_id in [*chain, (None, None)]:  # None: the current version
        saver_of[revision_id] = shown[previous].editor if previous in shown else None
        previous = revision_id
    texts = [(r.title, r.body_md, r.body_html, r.created_at, saver_of[r.id]) for r in revisions]
    texts.append((post.title, post.body_md, post.body_html, post.edited_at or post.created_at, saver_of[None]))
    # A marked post's reader sees, and compares, their own copy of each version.
    return [
        Version(
            number,
            title,
            markdown_for(viewer, post, body_md),
            html_for(viewer, post, body_md, body_html),
            saved_at,
            saver,
            number == len(texts),
        )
        for number, (title, body_md, body_html, saved_at, saver) in enumerate(texts, start=1)
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
