"""Changing a password, and the forgotten-password reset by emailed link.

A reset link signs (account id, fingerprint) with Flask's key under its own salt, where
the fingerprint digests the account's current password hash and verified address: the
link is void once any password is set with it (single use), once the password changes
any other way, or once the address changes; it expires after RESET_LINK_SECONDS. The
hash itself never appears in the link (signed, not encrypted), only a digest of it.

Asking for a link answers the same for every address and runs the same statements for a
known and an unknown one (one lookup, one outbox row), so neither the page nor its timing
tells whether an account has that address; the worker sends the link, or to an address no
account has verified a short note saying so (forum/mail/account_mail.py).
"""

from __future__ import annotations

import hashlib
import hmac

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select

from forum.extensions import db
from forum.models import User
from forum.services import accounts, email_verification, sessions
from forum.services.email_verification import EXPIRED, VOID, LinkError
from forum.services.errors import ServiceError


def change(user: User, current: str | None, new: str | None, repeat: str | None) -> int:
    """Change the password (the current one is asked) and end every other session;
    returns how many ended."""
    if (new or "") != (repeat or ""):
        raise ServiceError("The new passwords differ.", field="repeat")
    accounts.change_password(user, current or "", new or "")
    return sessions.end_other_sessions(user)


# --- reset by emailed link ---------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="password-reset")


def _fingerprint(user: User) -> str:
    state = f"{user.password_hash}\n{user.email}".encode()
    return hashlib.sha256(state).hexdigest()[:32]


def reset_token(user: User) -> str:
    return _serializer().dumps([user.id, _fingerprint(user)])


def request_reset(raw_address: str | None) -> str:
    """Queue a reset link for an account whose verified address this is, or a note for
    an address no account has verified. Returns the normalized address (to show back)."""
    address = email_verification.normalize_address(raw_address)
    email_verification.check_format(address)  # the same for every address: it tells nothing
    user = db.session.scalar(select(User).where(User.email == address))
    known = user is not None and user.is_verified
    # The same INSERT either way; only its values differ.
    email_verification.queue("reset", user.id if known and user else None, address)
    db.session.commit()
    return address


def read_reset_link(token: str) -> User:
    """The account a reset link is for, or LinkError. Changes nothing."""
    try:
        user_id, fingerprint = _serializer().loads(token, max_age=current_app.config["RESET_LINK_SECONDS"])
    except SignatureExpired:
        raise LinkError(EXPIRED) from None
    except (BadSignature, ValueError, TypeError):
        raise LinkError(VOID) from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not user.is_verified or not isinstance(fingerprint, str):
        raise LinkError(VOID)
    if not hmac.compare_digest(fingerprint, _fingerprint(user)):
        raise LinkError(VOID)
    return user


def reset(token: str, new: str | None, repeat: str | None) -> User:
    """Set a new password through a reset link, then end every session of the account."""
    user = read_reset_link(token)
    if (new or "") != (repeat or ""):
        raise ServiceError("The passwords differ.", field="repeat")
    accounts.set_password(user, new)
    db.session.commit()
    sessions.end_all_sessions(user)
    return user
