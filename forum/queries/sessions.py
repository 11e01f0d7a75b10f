"""Reading sign-in sessions: the one a cookie names, and the ones a member sees on
/settings/sessions. A session is nobody's business but its owner's, so no visibility rule
applies; every helper here takes the owner or the secret key."""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import bindparam, select
from sqlalchemy.orm.attributes import set_committed_value

from forum.extensions import db
from forum.models import User, UserSession


def idle_limit() -> timedelta:
    """A session no request has used for this long has ended."""
    return timedelta(days=current_app.config["SESSION_IDLE_DAYS"])


# Asked on every signed-in request: built once, the hash a bound parameter. The two rows
# as two entities of one row, not through `joinedload`, whose eager loader the ORM sets up
# afresh for every result (about a tenth of this lookup).
_WITH_HASH = (
    select(UserSession, User)
    .join(User, User.id == UserSession.user_id)
    .where(UserSession.key_hash == bindparam("key_hash"))
)


def session_with_hash(key_hash: str) -> UserSession | None:
    """The session whose key hashes to this, with its user in the same query."""
    row = db.session.execute(_WITH_HASH, {"key_hash": key_hash}).first()
    if row is None:
        return None
    record, user = row
    set_committed_value(record, "user", user)  # loaded, as joinedload would have set it
    return record


def live_sessions(user_id: int, now: datetime) -> list[UserSession]:
    """The user's sessions that still open something, most recently used first."""
    return list(
        db.session.scalars(
            select(UserSession)
            .where(
                UserSession.user_id == user_id,
                UserSession.ended_at.is_(None),
                UserSession.last_seen_at > now - idle_limit(),
            )
            .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc())
        )
    )
