"""Private conversations between members, and who blocks whom.

A conversation's audience is its participants: `ConversationParticipant` rows are read
against the viewer's `user:<id>` principal token (see visibility), never any other token,
so no group, role or moderator status opens a conversation.

A participant who leaves keeps a row with `left_at` set: they no longer read the
conversation (its addresses answer them 404, like a missing one). A participant who is
added later reads the whole history from the start: they were added by someone who
could read it, who chose to bring them into that context (asking for a vouch needs it).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.user import User

# A participant's state: "active" reads and writes; "request" was written to by a stranger
# and has not answered yet (reads, may accept or decline); "declined" said no (reads nothing).
PARTICIPANT_STATES = ("active", "request", "declined")


class Conversation(Model):
    __tablename__ = "conversations"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(String(200))
    started_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_message_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class ConversationParticipant(Model):
    __tablename__ = "conversation_participants"
    __table_args__ = (
        Index("ix_conversation_participants_user", "user_id", "left_at"),
        CheckConstraint("state IN ('active', 'request', 'declined')", name="state_known"),
    )

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    state: Mapped[str] = mapped_column(String(8), default="active")
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    left_at: Mapped[datetime | None]
    last_read_at: Mapped[datetime | None]
    # Muted: no notification and no email for new messages; still read, unread still counted.
    muted_at: Mapped[datetime | None]
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class Message(Model):
    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation_created", "conversation_id", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body_md: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # Set by its author's edit: the participants see "edited". The earlier text is not kept
    # here; a report keeps its own copy of what was reported.
    edited_at: Mapped[datetime | None]
    # A moderator's removal from a report: the participants see a placeholder, files too.
    removed_at: Mapped[datetime | None]
    removal_reason: Mapped[str] = mapped_column(Text, default="")

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    files: Mapped[list[MessageAttachment]] = relationship(order_by="MessageAttachment.id", lazy="selectin")

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class Block(Model):
    """`blocker` blocks `blocked`: never shown to the blocked person."""

    __tablename__ = "blocks"
    __table_args__ = (
        CheckConstraint("blocker_id <> blocked_id", name="not_self"),
        Index("ix_blocks_blocked", "blocked_id"),
    )

    blocker_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    blocked_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class MessageAttachment(Model):
    """A file sent with a message: readable exactly by the conversation's current
    participants (`visibility.get_message_attachment_or_404`); its URL names the conversation."""

    __tablename__ = "message_attachments"

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id", ondelete="CASCADE"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(64), unique=True)
    filename: Mapped[str] = mapped_column(String(120))
    content_type: Mapped[str] = mapped_column(String(40))
    size: Mapped[int]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")
