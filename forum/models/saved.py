"""A member's reading list: posts and comments saved to read later. Rows hold references
only; what the list shows is decided through visibility each time (queries/reading_list.py),
so an item that becomes unreadable leaves the list at once and comes back if readable again."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models._time import utcnow

_POST_ONLY = text("comment_id IS NULL")
_COMMENT = text("comment_id IS NOT NULL")


class SavedItem(Model):
    __tablename__ = "saved_items"
    __table_args__ = (
        # One row per saved thing, in the database, so a double click cannot save twice.
        Index(
            "uq_saved_items_post",
            "user_id",
            "post_id",
            unique=True,
            sqlite_where=_POST_ONLY,
            postgresql_where=_POST_ONLY,
        ),
        Index(
            "uq_saved_items_comment",
            "user_id",
            "comment_id",
            unique=True,
            sqlite_where=_COMMENT,
            postgresql_where=_COMMENT,
        ),
        CheckConstraint("post_id IS NOT NULL", name="has_post"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
