"""Reading sign-in sessions: the one a cookie names, and the ones a member sees on
/settings/sessions. A session is nobody's business but its owner's, so no visibility rule
applies; every helper here takes the owner or the secret key."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Row, Select, bindparam, select
from sqlalchemy.orm.attributes import set_committed_value

from forum.extensions import db
from forum.infra.loaded import as_loaded, column_keys
from forum.infra.rows import rows as plain_rows
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


# The columns of a signed-in request's session row before its user's (`sign_in_row`).
SESSION_COLUMNS = ("session_id", "user_id", "ended_at", "last_seen_at", "user_agent")


@cache
def _sign_in_statement() -> Select:
    """Built once (the hash a bound parameter): the session's columns its checks read, then
    every column of its user, so a request that needs the user object has it without asking
    again (`user_of`)."""
    return (
        select(
            UserSession.id.label("session_id"),
            UserSession.user_id,
            UserSession.ended_at,
            UserSession.last_seen_at,
            UserSession.user_agent,
            *(getattr(User, key) for key in column_keys(User)),
        )
        .join(User, User.id == UserSession.user_id)
        .where(UserSession.key_hash == bindparam("key_hash"))
    )


def sign_in_row(key_hash: str) -> Row | None:
    """The session whose key hashes to this and its user, as one plain row (forum/infra/rows.py):
    asked on every signed-in request, a page cache hit included, which needs no ORM object."""
    return plain_rows(_sign_in_statement(), {"key_hash": key_hash}).first()


def user_of(row: Row) -> User:
    """The user of a `sign_in_row` as the session's object, with no second query: the one the
    session already holds, else one made from the row's columns exactly as loading it would
    (forum/infra/loaded.py)."""
    return as_loaded(User, row[len(SESSION_COLUMNS) :])


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
