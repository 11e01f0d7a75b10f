"""Events that limits count in the database: sign-in failures and registrations per address.

Kept in the database, not in a worker's memory, so every worker and machine counts the
same events (forum/services/limits.py reads them; rows older than the longest window go).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models._time import utcnow

SIGN_IN_FAILURE = "sign-in-failure"
REGISTRATION = "registration"
LIMIT_EVENT_KINDS = (SIGN_IN_FAILURE, REGISTRATION)


class LimitEvent(Model):
    __tablename__ = "limit_events"
    __table_args__ = (
        Index("ix_limit_events_address", "kind", "address", "created_at"),
        Index("ix_limit_events_subject", "kind", "subject", "address"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(24))
    # The client address (request.remote_addr, after ProxyFix when proxies are trusted).
    address: Mapped[str] = mapped_column(String(64))
    # What the event is about: the normalized username typed at sign-in; "" for a registration.
    subject: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)
