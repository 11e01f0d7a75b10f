"""Who opened which post, and when: read receipts for authors' audits and the
"new since your last visit" markers."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.user import User


class PostRead(Model):
    """One reader's visits to one post whose body they could read. Written by a single
    upsert per visit (services/reads.py), the one write a GET makes."""

    __tablename__ = "post_reads"
    __table_args__ = (Index("ix_post_reads_post_last", "post_id", "last_read_at"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    first_read_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_read_at: Mapped[datetime] = mapped_column(default=utcnow)
    # The visit before the last one: comments newer than it are "new" on the page that
    # the last visit rendered. None on a first visit, when nothing is marked.
    previous_read_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()
