from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column


class ModeratedRow:
    """`is_deleted` and `is_removed`, from `deleted_at` and `removed_at`: for the models
    (`Moderated`) and the plain rows a page prints (columns read by a statement, not a
    model: `threads.ThreadComment`, `visibility.HitPost`). The columns are declared by each
    (a mapped column, a dataclass field), so they are named here for the type checker only:
    the ORM maps every annotation a mixin carries."""

    __slots__ = ()
    if TYPE_CHECKING:
        deleted_at: datetime | None
        removed_at: datetime | None

    @property
    def is_deleted(self) -> bool:
        return self.deleted_at is not None

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Moderated(ModeratedRow):
    """What posts and comments share: the author's soft delete and a moderator's removal.

    A deleted item keeps its row so links still answer; a removed one stays visible to
    its author, with the reason, and to those who may moderate it.
    """

    deleted_at: Mapped[datetime | None]
    removed_at: Mapped[datetime | None]
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    removal_reason: Mapped[str] = mapped_column(Text, default="")


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
