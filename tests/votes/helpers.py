"""What the vote tests share: karma, placing a post in time, counting vote rows, a fresh reload."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, User, Vote
from forum.models._time import utcnow


def set_karma(user: User, karma: int) -> User:
    """Give a voter karma without votes (the audit would flag it; tests that audit don't use it)."""
    user.karma = karma
    db.session.commit()
    return user


def place(post: Post, *, score: int = 0, age: timedelta = timedelta(0)) -> Post:
    """Put a post at a score and an age; its hot value follows (models/post.py)."""
    post.score = score
    post.created_at = utcnow() - age
    db.session.commit()
    return post


def vote_rows(**where) -> int:
    return db.session.scalar(select(func.count()).select_from(Vote).filter_by(**where))


def fresh(obj):
    db.session.expire_all()
    return db.session.get(type(obj), obj.id)


JSON = {"Accept": "application/json"}
