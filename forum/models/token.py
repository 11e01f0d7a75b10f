"""Personal access tokens for the JSON API.

Only a SHA-256 of each token is stored: the tokens are 256-bit random strings, so a
fast hash is enough (nothing to brute-force), and lookups stay one indexed query.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forum.extensions import Model
from forum.models._time import utcnow
from forum.models.user import User

TOKEN_SCOPES = ("read", "read-write")
# A private feed address (forum/services/feed_tokens.py): reads its owner's Atom feed and
# nothing else; the API refuses it, and the API tokens page does not list it.
FEED_SCOPE = "feed"


class ApiToken(Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    scope: Mapped[str] = mapped_column(String(16), default="read")
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    # The first characters of the token, shown on the settings page to tell tokens apart.
    hint: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime | None]
    last_used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]

    user: Mapped[User] = relationship()

    @property
    def can_write(self) -> bool:
        return self.scope == "read-write"

    def is_active(self, now: datetime) -> bool:
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.hint}… of user {self.user_id}>"
