"""Helpers for the voting tests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from forum.extensions import db
from forum.models import Post, User, Vote
from forum.models._time import utcnow
from tests.factories import make_post, make_user


@pytest.fixture
def author(app):
    """The author of `post`; most vote tests vote on someone else's result."""
    return make_user("author")


@pytest.fixture
def post(author):
    return make_post(author, "A result")


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


@pytest.fixture
def voter_client(app):
    """A second, independent client."""
    return app.test_client()
