"""Finding a user by the username someone typed or put in a URL.

Profiles are public, so this is no visibility question; it is one place so that every
caller normalizes the name the same way (trimmed, lower-case: usernames are stored so).
"""

from __future__ import annotations

from flask import abort
from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from forum.models.user import normalize_username


def user_named(username: str) -> User | None:
    """The live account with this name; a deleted account is found by no name."""
    return db.session.scalar(
        select(User).where(User.username == normalize_username(username), User.deleted_at.is_(None))
    )


def username_taken(username: str) -> bool:
    """Whether the name is held, by a live account or reserved by a deleted one (docs/accounts.md)."""
    return db.session.scalar(select(User.id).where(User.username == normalize_username(username))) is not None


def user_named_or_404(username: str) -> User:
    user = user_named(username)
    if user is None:
        abort(404)
    return user
