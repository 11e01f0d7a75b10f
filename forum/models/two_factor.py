"""Second factors of an account: an authenticator app (TOTP), its recovery codes, and
security keys (WebAuthn). An account "has two-factor sign-in" when it has a confirmed
authenticator or at least one security key (forum/services/two_factor.py decides)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, ForeignKey, LargeBinary, String, exists, or_
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models._time import utcnow


class TotpSecret(Model):
    """One authenticator per account. Until `confirmed_at` it is only being set up: a code
    from the app confirms it, and only then does it guard sign-in."""

    __tablename__ = "totp_secrets"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    confirmed_at: Mapped[datetime | None]
    # The time step (unix time // 30) of the last accepted code: a code is accepted once,
    # so one seen over a shoulder or replayed from a proxy log within its window is refused.
    last_step: Mapped[int | None]


class RecoveryCode(Model):
    """Single-use codes for a lost phone or key. Only a SHA-256 is kept: each code holds
    80 random bits, so a fast hash leaves nothing to brute-force."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    used_at: Mapped[datetime | None]


class SecurityKey(Model):
    """A WebAuthn credential (a security key or a passkey) registered by its owner."""

    __tablename__ = "security_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(80))
    credential_id: Mapped[bytes] = mapped_column(LargeBinary(1024), unique=True)
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    sign_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_used_at: Mapped[datetime | None]


def has_two_factor(user_id) -> ColumnElement[bool]:
    """SQL: the account has two-factor sign-in (a confirmed authenticator or a security key).
    The one definition, used by sign-in and by groups that require it to read."""
    return or_(
        exists().where(TotpSecret.user_id == user_id, TotpSecret.confirmed_at.is_not(None)),
        exists().where(SecurityKey.user_id == user_id),
    )
