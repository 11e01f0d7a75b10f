"""Who blocks whom. A block is known to its blocker only: nothing here is ever shown to
the blocked person, and what it changes for them looks like ordinary silence."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select

from forum.extensions import db
from forum.models import Block, User
from forum.models.user import is_signed_in


def blocks(blocker_id: int, blocked_id: int) -> bool:
    return db.session.get(Block, (blocker_id, blocked_id)) is not None


def either_blocks(first_id: int, second_id: int) -> bool:
    """A block either way stops a conversation (told to each side as a plain refusal)."""
    found = db.session.scalar(
        select(Block.blocker_id)
        .where(
            or_(
                (Block.blocker_id == first_id) & (Block.blocked_id == second_id),
                (Block.blocker_id == second_id) & (Block.blocked_id == first_id),
            )
        )
        .limit(1)
    )
    return found is not None


def blockers_of(actor_id: int, user_ids: Iterable[int]) -> set[int]:
    """Those of `user_ids` who block `actor_id`: they get no notification from them."""
    ids = list(user_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(select(Block.blocker_id).where(Block.blocked_id == actor_id, Block.blocker_id.in_(ids)))
    )


def blocked_by(viewer: User | None) -> set[int]:
    """The ids the viewer blocks: their comments are collapsed for the viewer."""
    if not is_signed_in(viewer):
        return set()
    return set(db.session.scalars(select(Block.blocked_id).where(Block.blocker_id == viewer.id)))


def blocked_users(viewer: User) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(Block, Block.blocked_id == User.id)
            .where(Block.blocker_id == viewer.id)
            .order_by(User.username)
        )
    )
