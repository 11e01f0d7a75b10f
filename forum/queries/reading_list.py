"""The reading list, read through visibility every time: a saved post is shown while it is
listed for the viewer (`visible_posts`), a saved comment while it is in `visible_comments`.
Nothing else (no count, no title) is ever said about a saved item the viewer cannot read."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from forum import visibility
from forum.extensions import db
from forum.models import Comment, Post, SavedItem, User
from forum.models.user import is_signed_in

LIMIT = 200


@dataclass(frozen=True)
class Saved:
    post: Post
    comment: Comment | None
    saved_at: datetime


def saved(viewer: User) -> list[Saved]:
    """The viewer's readable saved posts and comments, most recently saved first."""
    posts = db.session.execute(
        visibility.visible_posts(viewer)
        .add_columns(SavedItem.created_at)
        .join(SavedItem, SavedItem.post_id == Post.id)
        .where(SavedItem.user_id == viewer.id, SavedItem.comment_id.is_(None))
        .limit(LIMIT)
    ).all()
    comments = db.session.execute(
        visibility.visible_comments(viewer)
        .add_columns(SavedItem.created_at)
        .join(SavedItem, SavedItem.comment_id == Comment.id)
        .where(SavedItem.user_id == viewer.id)
        .limit(LIMIT)
    ).all()
    found = [Saved(post, None, at) for post, at in posts] + [Saved(c.post, c, at) for c, at in comments]
    return sorted(found, key=lambda s: s.saved_at, reverse=True)


def is_saved(viewer: User | None, post_id: int, comment_id: int | None = None) -> bool:
    """For the Save buttons of a page already fetched through visibility."""
    if not is_signed_in(viewer):
        return False
    where = SavedItem.comment_id == comment_id if comment_id is not None else SavedItem.comment_id.is_(None)
    found = db.session.scalar(
        select(SavedItem.id).where(SavedItem.user_id == viewer.id, SavedItem.post_id == post_id, where)
    )
    return found is not None
