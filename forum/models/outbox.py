"""The email queue: one row per message to send, polled by `flask forum worker`.

A row names what to send (one notification, or a digest of a user's notifications
since `since`), never the text: subject and body are built when it is sent, from what
the recipient may read then. Account mail (a verification or reset link, a note to an
old address) names its `address`; its link is signed when sent, from the account's state
then, so a change in between voids it (forum/mail/account_mail.py).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models._time import utcnow

OUTBOX_STATUSES = ("pending", "sent", "skipped")
# verify: the link that confirms `address`; address_changed: a note to the old address;
# reset: a password reset link, or (no user) a note that no account has this address.
ACCOUNT_MAIL_KINDS = ("verify", "address_changed", "reset")


class OutboxMessage(Model):
    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_next", "status", "next_attempt_at"),
        Index("ix_outbox_user_kind_status", "user_id", "kind", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # None only for a reset asked for an address no account has verified.
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # immediate|thread|digest|ACCOUNT_MAIL_KINDS; a "thread" row names the first notification of its batch.
    kind: Mapped[str] = mapped_column(String(16))
    address: Mapped[str | None] = mapped_column(String(254))
    notification_id: Mapped[int | None] = mapped_column(ForeignKey("notifications.id", ondelete="CASCADE"))
    # A digest covers notifications created after this moment.
    since: Mapped[datetime | None]
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_error: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None]
