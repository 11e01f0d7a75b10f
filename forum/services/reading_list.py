"""Saving a post or a comment to read later, and removing it. The callers fetched the item
through visibility first (a hidden one answers 404 before it reaches here)."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.models import Comment, Post, SavedItem, User


def save(user: User, post: Post, comment: Comment | None = None) -> None:
    db.session.add(SavedItem(user_id=user.id, post_id=post.id, comment_id=comment.id if comment else None))
    try:
        db.session.commit()
    except IntegrityError:  # saved already (a double click): nothing to change
        db.session.rollback()


def unsave(user: User, post: Post, comment: Comment | None = None) -> None:
    which = SavedItem.comment_id == comment.id if comment else SavedItem.comment_id.is_(None)
    db.session.execute(delete(SavedItem).where(SavedItem.user_id == user.id, SavedItem.post_id == post.id, which))
    db.session.commit()
