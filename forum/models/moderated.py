from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column


class Moderated:
    """What posts and comments share: the author's soft delete and a moderator's removal.

    A deleted item keeps its row so links still answer; a removed one stays visible to
    its author, with the reason, and to those who may moderate it.
    """

    deleted_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removal_reason: Mapped[str] = mapped_column(Text, default="")

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class ModeratedRow:
    """`is_deleted` and `is_removed` for the plain rows a page prints (columns read by a
    statement, not a model: `threads.ThreadComment`, `visibility.HitPost`): the same two
    tests as `Moderated`, on the same two columns."""

    __slots__ = ()
    deleted_at: datetime | None
    removed_at: datetime | None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


@dataclass(frozen=True, slots=True)
class AuthorRow:
    """What a byline prints of an author read as columns: the name and the profile link."""

    id: int
    username: str
    display_name: str
    deleted_at: datetime | None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None
