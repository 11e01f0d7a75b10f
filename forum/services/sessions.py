"""Signed-in sessions: each one a row in the database, so ending it ends it everywhere.

Signing in starts a row and gives the browser its random key (Flask-Login keeps it in the
session cookie and, with "Remember me", in the remember cookie: `User.get_session_key` is
its `id_attribute`). Every request that carries the key asks the database (`open_by_key`),
so signing out, "sign out everywhere else", a password change or a reset ends the session
for every worker and every host at once, with nothing to share but the database.

A key is bound to the browser that signed in: a request whose user agent has another shape
(`models.session.fits_browser`) gets nobody. Not to the address: a phone changes address
between networks all day, and a binding that signs people out on every train ride would
be switched off by the people it protects.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Row, update

from forum.extensions import db
from forum.infra.memo import forget, request_memo
from forum.models import User, UserSession
from forum.models._time import utcnow
from forum.models.session import ADDRESS_MAX, fits_browser, is_live, trim_user_agent
from forum.queries.sessions import idle_limit, sign_in_row, user_of
from forum.services.errors import ServiceError

# last_seen_at is written at most this often per session (see `touch`).
TOUCH_INTERVAL = timedelta(minutes=5)
KEY_MAX = 200  # a real key is 43 characters; anything far longer is not one of ours

_MEMO = "sign_in"
_CHECKED = "sign_in_checked"  # key -> SignIn | None, for this request


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
    request_memo(_MEMO)["current"] = SignIn(record.id, user.id, now)
    return key


@dataclass
class SignIn:
    """A live session as this request found it: what the request needs of its row."""

    id: int
    user_id: int
    last_seen_at: datetime
    row: Row | None = None  # the checked row, its user's columns with it (`user`)

    def user(self) -> User | None:
        return user_of(self.row) if self.row is not None else None


def open_sign_in(key: str | None, *, user_agent: str | None, address: str | None) -> SignIn | None:
    """The live session this key names, when the request comes from the browser that signed
    in and its user is not deleted; None for an unknown, ended, idle or foreign-browser key
    alike. One plain row (no ORM object), checked once a request: a page cache hit needs no
    more than its user's id, and the user loader builds the user from the same row
    (`open_by_key`). The session becomes the request's `current()` one."""
    if not key or len(key) > KEY_MAX:
        return None
    checked = request_memo(_CHECKED)
    if key not in checked:
        checked[key] = _check(key, user_agent, address)
    found = checked[key]
    if found is not None:
        request_memo(_MEMO)["current"] = found
    return found


def _check(key: str, user_agent: str | None, address: str | None) -> SignIn | None:
    row = sign_in_row(hash_key(key))
    now = utcnow()
    if row is None or not is_live(row.ended_at, row.last_seen_at, now, idle_limit()):
        return None
    if not fits_browser(row.user_agent, user_agent):
        return None
    if row.deleted_at is not None:  # its sessions end with it; this holds even if one was missed
        return None
    found = SignIn(row.session_id, row.user_id, row.last_seen_at, row)
    touch(found, address, now)
    return found


def open_by_key(key: str | None, *, user_agent: str | None, address: str | None) -> User | None:
    """The user of `open_sign_in`'s session, for Flask-Login (forum/api/auth.py)."""
    found = open_sign_in(key, user_agent=user_agent, address=address)
    user = found.user() if found is not None else None
    if user is not None:
        user.session_key = key
    return user


def current() -> SignIn | None:
    """The session this request was signed in by (or signed in to), if any."""
    return request_memo(_MEMO).get("current")


def touch(record: SignIn, address: str | None, now: datetime | None = None) -> None:
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
        record.last_seen_at = now


def _end(*conditions) -> int:
    result = db.session.execute(
        update(UserSession)
        .where(UserSession.ended_at.is_(None), *conditions)
        .values(ended_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    forget(_CHECKED)  # a key checked earlier in this request may name a session just ended
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
