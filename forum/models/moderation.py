"""Reports, bans, warnings and the public moderation log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.comment import Comment
from forum.models.conversation import Message
from forum.models.group import Group
from forum.models.post import Post
from forum.models.user import User

REPORT_REASONS = {
    "spam": "Spam",
    "harassment": "Harassment",
    "off-topic": "Off-topic",
    "hazardous": "Hazardous information",
    "other": "Other",
}
REPORT_DECISIONS = ("dismiss", "remove", "warn", "ban")


class Report(Model):
    """A reader's report on a post, a comment on it, or a message in a conversation.

    The reported text is copied at report time, so a moderator outside a restricted
    post's audience, or outside the conversation, can judge the report without any
    access to the post or the conversation itself. A message's copy is that message
    alone: the rest of the conversation was not reported, and its authors never
    agreed to be read by anyone outside it.
    """

    __tablename__ = "reports"
    __table_args__ = (
        Index("ix_reports_status_created", "status", "created_at"),
        Index("ix_reports_reporter_post_comment", "reporter_id", "post_id", "comment_id"),
        CheckConstraint("(post_id IS NULL) <> (message_id IS NULL)", name="post_or_message"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    reporter_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"), index=True)
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    # Whose text was reported: the post's, the comment's or the message's author.
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    reason: Mapped[str] = mapped_column(String(16))
    details: Mapped[str] = mapped_column(Text, default="")
    # Audience kind of the post when reported, or "conversation" for a message; "restricted"
    # and "conversation" copies are all a moderator outside the audience ever sees.
    audience_kind: Mapped[str] = mapped_column(String(16))
    copy_title: Mapped[str] = mapped_column(String(200), default="")
    copy_html: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(16), default="open")  # open|resolved
    decision: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    resolved_at: Mapped[datetime | None]
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    reporter: Mapped[User] = relationship(foreign_keys=[reporter_id])
    author: Mapped[User] = relationship(foreign_keys=[author_id])
    post: Mapped[Post | None] = relationship()
    comment: Mapped[Comment | None] = relationship()
    message: Mapped[Message | None] = relationship()

    @property
    def kind(self) -> str:
        return "message" if self.message_id else "comment" if self.comment_id else "post"

    @property
    def is_open(self) -> bool:
        return self.status == "open"

    @property
    def reason_label(self) -> str:
        return REPORT_REASONS.get(self.reason, self.reason)


class Ban(Model):
    """A site ban. Active while not lifted and not expired; `expires_at` None is permanent."""

    __tablename__ = "bans"
    __table_args__ = (Index("ix_bans_user_lifted", "user_id", "lifted_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    lifted_at: Mapped[datetime | None]
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])

    def is_active(self, now: datetime) -> bool:
        return self.lifted_at is None and (self.expires_at is None or self.expires_at > now)


class ModeratorWarning(Model):
    """A moderator's warning, shown to its user until they acknowledge it."""

    __tablename__ = "warnings"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    acknowledged_at: Mapped[datetime | None]


class ModAction(Model):
    """One line of the public moderation log. Written once, never edited.

    `post_id` is set for actions on a post or on one of its comments, `message_id` for
    actions on a message (or its author, from its report), so the log can decide per
    viewer whether the entry may be told at all and whether it may name the content.
    """

    __tablename__ = "mod_actions"
    __table_args__ = (Index("ix_mod_actions_created", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # None: the site operator, from the command line.
    moderator_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    action: Mapped[str] = mapped_column(String(24))
    reason: Mapped[str] = mapped_column(Text, default="")
    target_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="SET NULL"))
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="SET NULL"))
    # Messages are never deleted (an account's deletion blanks them), so this stays set.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("messages.id", ondelete="SET NULL"))
    # Set when a group owner or admin acted as the group's moderator.
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="SET NULL"))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    moderator: Mapped[User | None] = relationship(foreign_keys=[moderator_id])
    target_user: Mapped[User | None] = relationship(foreign_keys=[target_user_id])
    post: Mapped[Post | None] = relationship()
    group: Mapped[Group | None] = relationship()
