"""One user's vote on one post or comment, on one axis."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models._time import utcnow

# karma: up/down, normal or strong, moves scores and karma.
# agreement: agree/disagree on comments, a separate tally that never touches karma.
VOTE_AXES = ("karma", "agreement")


class Vote(Model):
    __tablename__ = "votes"
    __table_args__ = (
        # The one-vote rule lives in the database, so concurrent requests cannot both insert.
        # Comment votes have post_id NULL (and post votes comment_id NULL); NULLs never
        # collide, so each constraint only bites on its own kind of item.
        UniqueConstraint("user_id", "post_id", "axis", name="uq_votes_user_post_axis"),
        UniqueConstraint("user_id", "comment_id", "axis", name="uq_votes_user_comment_axis"),
        CheckConstraint("(post_id IS NULL) <> (comment_id IS NULL)", name="one_target"),
        CheckConstraint("direction IN (-1, 1)", name="direction"),
        Index("ix_votes_post", "post_id"),
        Index("ix_votes_comment", "comment_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    axis: Mapped[str] = mapped_column(String(10), default="karma")
    direction: Mapped[int] = mapped_column(SmallInteger)
    strong: Mapped[bool] = mapped_column(default=False)
    # The signed weight applied when the vote was cast; taking the vote back subtracts
    # exactly this, however the voter's karma has moved since.
    weight: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # False while the voter's account is unverified or too young (VOTE_WEIGHT_AFTER_DAYS):
    # the vote is kept and shown to its voter, but moves no score, count or karma until
    # `votes.count_pending_votes` counts it (docs/karma.md).
    counted: Mapped[bool] = mapped_column(default=True, index=True)

    @property
    def choice(self) -> str:
        """The button this vote corresponds to: up, down, strong-up, strong-down, agree, disagree."""
        if self.axis == "agreement":
            return "agree" if self.direction > 0 else "disagree"
        name = "up" if self.direction > 0 else "down"
        return f"strong-{name}" if self.strong else name

    def __repr__(self) -> str:
        target = f"post {self.post_id}" if self.post_id else f"comment {self.comment_id}"
        return f"<Vote {self.choice} {self.weight:+d} by {self.user_id} on {target}>"
