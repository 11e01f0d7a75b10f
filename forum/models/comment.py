from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.moderated import Moderated
from forum.models.post import Post
from forum.models.user import User


class Comment(Moderated, Model):
    __tablename__ = "comments"
    __table_args__ = (
        Index("ix_comments_post_created", "post_id", "created_at"),
        Index("ix_comments_author_created", "author_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    edited_at: Mapped[datetime | None]
    # Votes: kept by the vote service in the vote's own transaction.
    score: Mapped[int] = mapped_column(default=0)
    vote_count: Mapped[int] = mapped_column(default=0)
    # The agree/disagree axis: a head count, separate from score and karma.
    agreement: Mapped[int] = mapped_column(default=0)
    agreement_count: Mapped[int] = mapped_column(default=0)
    # A draft's review comment keeps the draft's readers when the post is published, and a
    # reply inherits its parent's (models/snapshot.py); NULL: whoever reads the post.
    audience_snapshot_id: Mapped[int | None] = mapped_column(ForeignKey("audience_snapshots.id"))

    author: Mapped[User] = relationship(lazy="joined", innerjoin=True, foreign_keys=[author_id])
    post: Mapped[Post] = relationship()

    def __repr__(self) -> str:
        return f"<Comment {self.id} on post {self.post_id}>"
