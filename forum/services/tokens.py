"""Personal access tokens: creating, listing, revoking, and recognising them on a request.

A token is `fpat_` followed by 43 URL-safe characters (256 random bits). The prefix makes
leaked tokens easy to find with grep or a secret scanner. Only its SHA-256 is stored, so
the plain token is shown once, when it is created, and never again.

Private feed addresses are tokens of the same table with the `feed` scope and their own
prefix (forum/services/feed_tokens.py); everything here deals in API scopes only, so a
feed address never opens the API and is not listed or revoked as an API token.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm.attributes import set_committed_value

from forum.extensions import db
from forum.models import TOKEN_SCOPES, ApiToken, User
from forum.models._time import utcnow
from forum.services.errors import ServiceError

PREFIX = "fpat_"
NAME_MAX = 80
EXPIRY_DAYS_MAX = 3_650
# last_used_at is written at most this often per token (see `touch`).
TOUCH_INTERVAL = timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def new_secret(prefix: str) -> tuple[str, str, str]:
    """(plain token, its hash to store, its hint to show): 256 random bits after `prefix`."""
    raw = prefix + secrets.token_urlsafe(32)
    return raw, hash_token(raw), raw[: len(prefix) + 4]


def create_token(
    user: User, name: str | None, scope: str = "read", expires_in_days: int | None = None
) -> tuple[ApiToken, str]:
    """A new token for `user`. Returns the row and the plain token, which is never stored."""
    name = " ".join((name or "").split())
    if not 1 <= len(name) <= NAME_MAX:
        raise ServiceError(f"Name your token (1 to {NAME_MAX} characters), e.g. the script that uses it.", field="name")
    if scope not in TOKEN_SCOPES:
        raise ServiceError("Choose read or read-write.", field="scope")
    if expires_in_days is not None and not 1 <= expires_in_days <= EXPIRY_DAYS_MAX:
        raise ServiceError(f"Expiry is 1 to {EXPIRY_DAYS_MAX:,} days, or never.", field="expires_in_days")
    raw, token_hash, hint = new_secret(PREFIX)
    now = utcnow()
    token = ApiToken(
        user_id=user.id,
        name=name,
        scope=scope,
        token_hash=token_hash,
        hint=hint,
        created_at=now,
        expires_at=now + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.session.add(token)
    db.session.commit()
    return token, raw


def tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, live ones first, newest first."""
    return list(
        db.session.scalars(
            select(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.scope.in_(TOKEN_SCOPES))
            .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc(), ApiToken.id.desc())
        )
    )


def revoke_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens; someone else's is 'not found', like a missing one."""
    token = db.session.scalar(
        select(ApiToken).where(
            ApiToken.id == token_id,
            ApiToken.user_id == user.id,
            ApiToken.scope.in_(TOKEN_SCOPES),
        )
    )
    if token is None:
        raise ServiceError("No such token.", status=404)
    if token.revoked_at is None:
        token.revoked_at = utcnow()
        db.session.commit()
    return token


def find_active(
    raw: str | None,
    now: datetime | None = None,
    *,
    prefix: str = PREFIX,
    scopes: tuple[str, ...] = TOKEN_SCOPES,
) -> ApiToken | None:
    """The live token of one of `scopes` this string is, or None (unknown, revoked,
    expired or of another kind alike)."""
    if not raw or not raw.startswith(prefix) or len(raw) > 200:
        return None
    token = db.session.scalar(select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or token.scope not in scopes or not token.is_active(now or utcnow()):
        return None
    return token


def touch(token: ApiToken, now: datetime | None = None) -> None:
    """Record that the token was used.

    The one write this codebase allows on a GET: a token's owner needs "last used" to
    spot a forgotten or leaked token. It is a single conditional UPDATE, done at most
    once a minute per token, so a busy script does not write on every request.
    """
    now = now or utcnow()
    if token.last_used_at is not None and token.last_used_at > now - TOUCH_INTERVAL:
        return
    result = db.session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token.id, or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= now - TOUCH_INTERVAL)
        )
        .values(last_used_at=now)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:  # type: ignore[attr-defined]  # DML returns a CursorResult
        # Known to the session as already stored, so no later commit writes it again.
        set_committed_value(token, "last_used_at", now)
