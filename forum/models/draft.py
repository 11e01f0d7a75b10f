"""Drafts, co-authors and what a draft will be published to.

While a post is a draft its `post_audience` rows are its draft readers only (authors and
the people it is shared with), so the one read rule in `visibility` needs no exception
for drafts; the audience the author chose waits in `post_planned_audience` until publishing.
"""

from __future__ import annotations

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model, db
from forum.models.user import User

DRAFT_ROLES = ("read", "comment", "edit")

post_coauthors = Table(
    "post_coauthors",
    db.metadata,
    Column("post_id", ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class DraftShare(Model):
    """A person the authors shared a draft with, and what they may do with it."""

    __tablename__ = "draft_shares"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True)
    role: Mapped[str] = mapped_column(String(8), default="read")

    user: Mapped[User] = relationship(lazy="joined", innerjoin=True)


class PlannedAudience(Model):
    """One token of the audience a draft will have once published."""

    __tablename__ = "post_planned_audience"

    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), primary_key=True)
    principal: Mapped[str] = mapped_column(String(40), primary_key=True)
