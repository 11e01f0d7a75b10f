"""Blocking and unblocking a member. Only the blocker is ever told; unblocking restores
everything (notifications and conversations follow the rule again, nothing was deleted)."""

from __future__ import annotations

from forum.extensions import db
from forum.models import Block, User
from forum.queries import blocks
from forum.services.errors import ServiceError
from forum.services.unique import add_once


def block(blocker: User, blocked: User) -> None:
    if blocker.id == blocked.id:
        raise ServiceError("You cannot block yourself.", field="username")
    if blocks.blocks(blocker.id, blocked.id):
        return  # already blocked: a second click changes nothing
    add_once(Block(blocker_id=blocker.id, blocked_id=blocked.id), ServiceError("Already blocked.", status=409))


def unblock(blocker: User, blocked: User) -> None:
    found = db.session.get(Block, (blocker.id, blocked.id))
    if found is not None:
        db.session.delete(found)
    db.session.commit()
