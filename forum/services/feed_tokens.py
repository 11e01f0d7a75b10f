"""Private feed addresses: `/feeds/private/<token>.atom`, one live address per user.

The secret is a personal access token with the `feed` scope (the same table, hashing
and revocation as the API tokens in `tokens.py`), prefixed `ffeed_` so a leaked one is
recognisable and never mistaken for an API token. Only its hash is stored: the address
is shown once, when it is made. Making a new one revokes the old one at once.

The token says whose feed it is, nothing more: what the feed shows is decided by
visibility for that user on every fetch.
"""

from __future__ import annotations

from sqlalchemy import select, update

from forum.extensions import db
from forum.models import FEED_SCOPE, ApiToken, User
from forum.models._time import utcnow
from forum.services.tokens import find_active, new_secret

PREFIX = "ffeed_"
NAME = "Private feed"


def live_token(user: User) -> ApiToken | None:
    """The user's current feed address, if they have one (its hint and age, for settings)."""
    return db.session.scalar(
        select(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.scope == FEED_SCOPE, ApiToken.revoked_at.is_(None))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
        .limit(1)
    )


def _revoke_all(user: User) -> int:
    result = db.session.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user.id, ApiToken.scope == FEED_SCOPE, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]  # DML returns a CursorResult


def rotate(user: User) -> tuple[ApiToken, str]:
    """A new feed address for `user` (the first, or one replacing the old, which stops
    working in the same transaction). Returns the row and the plain token, never stored."""
    _revoke_all(user)
    raw, token_hash, hint = new_secret(PREFIX)
    token = ApiToken(
        user_id=user.id, name=NAME, scope=FEED_SCOPE, token_hash=token_hash, hint=hint, created_at=utcnow()
    )
    db.session.add(token)
    db.session.commit()
    return token, raw


def revoke(user: User) -> bool:
    """Turn the user's feed address off. False when there was none."""
    revoked = _revoke_all(user)
    db.session.commit()
    return bool(revoked)


def owner_of(raw: str | None) -> User | None:
    """Whose live feed address this is; None for an unknown or revoked one alike.

    Nothing is written (not even "last used", unlike API tokens): feed readers poll
    often, and fetching a feed must not be a write."""
    token = find_active(raw, prefix=PREFIX, scopes=(FEED_SCOPE,))
    return None if token is None else token.user
