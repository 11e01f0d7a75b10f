from __future__ import annotations

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
