"""What the notification tests share: a viewer's stored and shown notifications, the
world of a post's audience, and the ways a reader loses access."""

from __future__ import annotations

from dataclasses import dataclass

from forum.extensions import db
from forum.models import Notification, User
from forum.queries import inbox


def kinds(user: User) -> list[str]:
    """What `user` is shown now, newest first (kinds only)."""
    return [item.kind for item in inbox.items(user)]


def unread(user: User) -> int:
    return inbox.unread_count(user)


def stored(user: User) -> int:
    """Rows kept for `user`, shown or not: proves a test's "nothing" is a filter at work."""
    return db.session.scalar(
        db.select(db.func.count()).select_from(Notification).where(Notification.user_id == user.id)
    )


@dataclass
class World:
    ada: User
    ben: User
    eli: User
    lab: object


REVOCATIONS = ("leave", "narrow", "remove", "delete", "new terms")


def revoke(world: World, post, how: str) -> None:
    """Take ben's right to read `post` (shared with ada's lab) away, one way or another."""
    from forum.services import groups as group_service
    from forum.services import moderation, terms
    from forum.services import posts as post_service
    from forum.services.audience import Audience
    from tests.moderation_helpers import make_moderator

    lab_only = Audience("restricted", frozenset(), frozenset({world.lab.id}))
    if how == "leave":
        group_service.leave(world.ben, world.lab)
    elif how == "narrow":
        post_service.update_post(
            post,
            world.ada,
            post.title,
            post.body_md,
            "",
            Audience("restricted", frozenset({world.eli.id}), frozenset()),
        )
    elif how == "remove":
        moderation.remove_post(make_moderator("mod"), post, "Off-topic.")
    elif how == "delete":
        post_service.delete_post(post)
    elif how == "new terms":
        post_service.update_post(
            post, world.ada, post.title, post.body_md, "", lab_only, terms=terms.TermsChoice(None, "New terms.")
        )
    else:
        raise ValueError(how)
