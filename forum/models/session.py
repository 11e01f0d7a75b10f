"""Signed-in sessions: one row per sign-in, so ending one ends it for every worker and host.

The browser holds a random key (in Flask's session cookie and, with "Remember me", in the
remember cookie); the database holds only its SHA-256. A cookie is worth exactly what its
row is: a row that ended, or that no request has used for a while, opens nothing.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.user import User

USER_AGENT_MAX = 255
ADDRESS_MAX = 64

_NUMBERS = re.compile(r"\d+")


def trim_user_agent(user_agent: str | None) -> str:
    return (user_agent or "").strip()[:USER_AGENT_MAX]


def browser_shape(user_agent: str | None) -> str:
    """The user agent without its version numbers: the same browser on the same system
    keeps its shape through updates, while another browser, system or device has another."""
    return _NUMBERS.sub("0", trim_user_agent(user_agent))


# The rule for a session row, as plain functions: a signed-in request checks the plain row
# of its session (queries/sessions.py `sign_in_row`), not a UserSession object.
def is_live(ended_at: datetime | None, last_seen_at: datetime, now: datetime, idle: timedelta) -> bool:
    """A session opens something: not ended, and used within `idle`."""
    return ended_at is None and last_seen_at > now - idle


def fits_browser(signed_in_with: str | None, user_agent: str | None) -> bool:
    """Whether a request's user agent could be the browser that signed in (with `signed_in_with`)."""
    return browser_shape(signed_in_with) == browser_shape(user_agent)


class UserSession(Model):
    __tablename__ = "user_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(USER_AGENT_MAX), default="")
    # The client's address at sign-in and at the last recorded use (request.remote_addr).
    address: Mapped[str] = mapped_column(String(ADDRESS_MAX), default="")
    remember: Mapped[bool] = mapped_column(default=False)
    ended_at: Mapped[datetime | None] = mapped_column(default=None)

    user: Mapped[User] = relationship()

    def __repr__(self) -> str:
        return f"<UserSession {self.id} of user {self.user_id}>"
