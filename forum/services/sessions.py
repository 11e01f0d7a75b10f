"""Signed-in sessions: each one a row in the database, so ending it ends it everywhere.

Signing in starts a row and gives the browser its random key (Flask-Login keeps it in the
session cookie and, with "Remember me", in the remember cookie: `User.get_session_key` is
its `id_attribute`). Every request that carries the key asks the database (`open_by_key`),
so signing out, "sign out everywhere else", a password change or a reset ends the session
for every worker and every host at once, with nothing to share but the database.

A key is bound to the browser that signed in: a request whose user agent has another shape
(`UserSession.fits_browser`) gets nobody. Not to the address: a phone changes address
between networks all day, and a binding that signs people out on every train ride would
be switched off by the people it protects.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from forum.extensions import db
from forum.infra.memo import request_memo
from forum.models import User, UserSession
from forum.models._time import utcnow
from forum.models.session import ADDRESS_MAX, trim_user_agent
from forum.queries.sessions import idle_limit, session_with_hash
from forum.services.errors import ServiceError

# last_seen_at is written at most this often per session (see `touch`).
TOUCH_INTERVAL = timedelta(minutes=5)
KEY_MAX = 200  # a real key is 43 characters; anything far longer is not one of ours

_MEMO = "sign_in"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def start(user: User, *, remember: bool, user_agent: str | None, address: str | None) -> str:
    """A new session for `user`; returns its key (never stored) and sets it on `user` for
    Flask-Login's `login_user`, which the caller runs next."""
    key = secrets.token_urlsafe(32)
    now = utcnow()
    record = UserSession(
        user_id=user.id,
        key_hash=hash_key(key),
        created_at=now,
        last_seen_at=now,
        user_agent=trim_user_agent(user_agent),
        address=(address or "")[:ADDRESS_MAX],
        remember=remember,
    )
    db.session.add(record)
    db.session.commit()
    user.session_key = key
    request_memo(_MEMO)["current"] = record
    return key


def open_by_key(key: str | None, *, user_agent: str | None, address: str | None) -> User | None:
    """The user of the live session this key names, when the request comes from the browser
    that signed in; None for an unknown, ended, idle or foreign-browser key alike. The
    session becomes the request's `current()` one."""
    if not key or len(key) > KEY_MAX:
        return None
    record = session_with_hash(hash_key(key))
    now = utcnow()
    if record is None or not record.is_live(now, idle_limit()) or not record.fits_browser(user_agent):
        return None
    if record.user.is_deleted:  # its sessions end with it; this holds even if one was missed
        return None
    touch(record, address, now)
    request_memo(_MEMO)["current"] = record
    record.user.session_key = key
    return record.user


def current() -> UserSession | None:
    """The session this request was signed in by (or signed in to), if any."""
    return request_memo(_MEMO).get("current")


def touch(record: UserSession, address: str | None, now: datetime | None = None) -> None:
    """Record that the session was used, for "last seen" and for ending idle sessions.

    Like an API token's last use (services/tokens.py), a write a GET may make: a single
    conditional UPDATE at most every TOUCH_INTERVAL per session, so a member reading page
    after page writes once in five minutes. Without it no session could end for being
    idle, and the sessions page could not tell an old sign-in from the one in use."""
    now = now or utcnow()
    if record.last_seen_at > now - TOUCH_INTERVAL:
        return
    address = (address or "")[:ADDRESS_MAX]
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.id == record.id, UserSession.last_seen_at <= now - TOUCH_INTERVAL)
        .values(last_seen_at=now, address=address)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    if result.rowcount:  # type: ignore[attr-defined]  # DML returns a CursorResult
        set_committed_value(record, "last_seen_at", now)
        set_committed_value(record, "address", address)


def _end(*conditions) -> int:
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.ended_at.is_(None), *conditions)
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    return result.rowcount  # type: ignore[attr-defined]  # DML returns a CursorResult


def end_current() -> bool:
    """End the request's own session (signing out). False when it had none."""
    record = current()
    if record is None:
        return False
    request_memo(_MEMO).pop("current", None)
    return bool(_end(UserSession.id == record.id))


def end_session(user: User, session_id: int) -> None:
    """End one of the user's own sessions; someone else's is "not found", like a missing one."""
    if not _end(UserSession.id == session_id, UserSession.user_id == user.id):
        raise ServiceError("No such session.", status=404)


def end_other_sessions(user: User) -> int:
    """End every session of `user` except the current request's (every one, when the
    request is not signed in as `user`, or outside a request); returns how many ended.

    Called after a password change, and by "sign out everywhere else"."""
    record = current()
    if record is None or record.user_id != user.id:
        return end_all_sessions(user)
    return _end(UserSession.user_id == user.id, UserSession.id != record.id)


def end_all_sessions(user: User) -> int:
    """End every session of `user`, this request's too (a password reset, account deletion)."""
    return _end(UserSession.user_id == user.id)
