"""Checks every write service runs first: bans, an unverified address, and the hourly limits on new accounts."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from sqlalchemy import select

from forum import permissions
from forum.extensions import db
from forum.models import Comment, Post, User
from forum.models._time import utcnow
from forum.services.errors import NotVerified, ServiceError


def ban_message(user: User) -> str | None:
    ban = permissions.active_ban(user)
    if ban is None:
        return None
    until = "permanently" if ban.expires_at is None else f"until {ban.expires_at:%Y-%m-%d %H:%M} UTC"
    return f"You are banned {until}: {ban.reason} You can still read, but not post, comment, vote or report."


def write_refusal(user: User) -> str | None:
    """Why a signed-in member may not write, or None: a ban, or an approval still awaited."""
    if getattr(user, "awaiting_approval", False):
        return (
            "Your account awaits an admin's approval. You can read meanwhile; "
            "posting, commenting and voting open once approved."
        )
    return ban_message(user)


def unverified_message(user: User, *, refused: bool = True) -> str:
    """What an unverified account is told: on a refused form (its text is kept), or in the banner."""
    kept = " What you typed is kept." if refused else ""
    if user.email is None:
        return f"Add an email address in Settings → Email and confirm it first.{kept}"
    return f"Confirm your email address first: follow the link we sent to {user.email}, or have it sent again.{kept}"


def ensure_verified(user: User, action: str) -> None:
    """The unverified-account policy (config.UNVERIFIED_MAY), refused with a message naming the address."""
    if not permissions.verified_enough(user, action):
        raise NotVerified(unverified_message(user))


def ensure_can_write(user: User, action: str) -> None:
    """`action` is one of permissions.UNVERIFIED_ACTIONS: what the write is, for the unverified policy."""
    if not permissions.can_write(user):
        raise ServiceError(write_refusal(user) or "Please sign in.", status=403)
    ensure_verified(user, action)


def is_new_account(user: User) -> bool:
    config = current_app.config
    if permissions.is_moderator(user):
        return False
    young = user.created_at > utcnow() - timedelta(hours=config["NEW_ACCOUNT_AGE_HOURS"])
    return young or user.karma < config["NEW_ACCOUNT_KARMA"]


_LIMITED: dict[str, tuple[type[Post] | type[Comment], str, str]] = {
    "post": (Post, "NEW_ACCOUNT_POSTS_PER_HOUR", "posts"),
    "comment": (Comment, "NEW_ACCOUNT_COMMENTS_PER_HOUR", "comments"),
}


def ensure_within_rate(user: User, kind: str) -> None:
    """New accounts publish at most N posts (or comments) in any hour.

    Counted in the database, deleted ones included, so deleting does not buy more.
    """
    config = current_app.config
    if not config["NEW_ACCOUNT_LIMITS_ENABLED"] or not is_new_account(user):
        return
    model, key, noun = _LIMITED[kind]
    limit = config[key]
    since = utcnow() - timedelta(hours=1)
    recent = db.session.scalars(
        select(model.created_at)
        .where(model.author_id == user.id, model.created_at > since)
        .order_by(model.created_at)
        .limit(limit)
    ).all()
    if len(recent) >= limit:
        wait = max(1, int((recent[0] + timedelta(hours=1) - utcnow()).total_seconds() // 60) + 1)
        raise ServiceError(
            f"New accounts can publish {limit} {noun} an hour. You can publish again in about "
            f"{wait} minute{'s' if wait != 1 else ''}; your text is kept below.",
            field="body",
            status=429,
        )
