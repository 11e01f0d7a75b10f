"""The account's email address: checking it, the signed link that verifies it, changing it.

A verification link signs (account id, address) with Flask's key under its own salt and
expires after VERIFY_LINK_SECONDS. It needs no stored token to be single-use: it works only
while that address is waiting to be verified (the account's unverified `email`, or its
`pending_email`), so it dies once followed, once the address changes, or once another link
has confirmed it. The link itself is signed when the worker sends the mail
(forum/mail/account_mail.py), so a queued message never carries a stale one.
"""

from __future__ import annotations

import re

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import func, insert, select
from sqlalchemy.exc import IntegrityError
from werkzeug.security import check_password_hash

from forum.extensions import db
from forum.models import OutboxMessage, User
from forum.models._time import utcnow
from forum.services import votes
from forum.services.errors import ServiceError

ADDRESS_MAX = 254
_ADDRESS = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class LinkError(ServiceError):
    """A verification or reset link that cannot be used: expired, used, replaced or altered."""

    def __init__(self, message: str):
        super().__init__(message, status=400)


EXPIRED = "This link has expired."
VOID = "This link is not valid any more: it was already used, a newer one replaced it, or it was altered."


def normalize_address(raw: str | None) -> str:
    """Addresses are stored and compared trimmed and lower-cased."""
    return (raw or "").strip().lower()


def check_format(address: str) -> None:
    if not address:
        raise ServiceError(
            "Enter your email address: links to verify the account and reset its password go there.", field="email"
        )
    if len(address) > ADDRESS_MAX or not _ADDRESS.fullmatch(address):
        raise ServiceError("That does not look like an email address.", field="email")


def check_address(address: str, user: User | None = None) -> None:
    """A plausible address that no other account holds (`user` may hold it)."""
    check_format(address)
    holder = db.session.scalar(select(User.id).where(User.email == address))
    if holder is not None and (user is None or holder != user.id):
        raise ServiceError("That address belongs to another account.", field="email")


# --- links ---------------------------------------------------------------------------------


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="email-verification")


def awaiting(user: User) -> str | None:
    """The address a verification link of `user` may confirm now, if any."""
    if user.pending_email:
        return user.pending_email
    return user.email if user.email and not user.is_verified else None


def link_token(user: User, address: str) -> str:
    return _serializer().dumps([user.id, address])


def read_link(token: str) -> tuple[User, str]:
    """The account and address a link confirms, or LinkError. Changes nothing."""
    try:
        user_id, address = _serializer().loads(token, max_age=current_app.config["VERIFY_LINK_SECONDS"])
    except SignatureExpired:
        raise LinkError(EXPIRED) from None
    except (BadSignature, ValueError, TypeError):
        raise LinkError(VOID) from None
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None or not isinstance(address, str) or address != awaiting(user):
        raise LinkError(VOID)
    return user, address


def confirm(token: str) -> User:
    """Follow a verification link: the address becomes the account's verified one."""
    user, address = read_link(token)
    if user.pending_email == address:
        user.email, user.pending_email = address, None
    user.email_verified_at = utcnow()
    try:
        db.session.commit()
    except IntegrityError:  # another account confirmed this address first
        db.session.rollback()
        raise LinkError("Another account has verified this address since the link was sent.") from None
    # Votes kept while unverified (where UNVERIFIED_MAY lets such accounts vote) count now,
    # if the account is old enough (docs/karma.md), rather than at the worker's next tick.
    votes.count_pending_votes([user.id])
    return user


# --- queueing the mail -------------------------------------------------------------------


def queue(kind: str, user_id: int | None, address: str) -> None:
    """Add account mail to the outbox (sent by the worker); the caller commits."""
    db.session.execute(insert(OutboxMessage).values(user_id=user_id, kind=kind, address=address))


def resend(user: User) -> str:
    """Send the verification link again; returns the address it goes to."""
    address = awaiting(user)
    if address is None:
        raise ServiceError("Your address is verified already." if user.email else "Add an address first.", status=409)
    # A pending link not sent yet does the same job: no second message.
    waiting = db.session.scalar(
        select(func.count(OutboxMessage.id)).where(
            OutboxMessage.user_id == user.id,
            OutboxMessage.kind == "verify",
            OutboxMessage.address == address,
            OutboxMessage.status == "pending",
        )
    )
    if not waiting:
        queue("verify", user.id, address)
        db.session.commit()
    return address


def change_address(user: User, raw: str | None, password: str | None) -> str:
    """Ask for a new address (with the current password: a borrowed session must not be
    enough to take the account's resets). A verified account keeps its address, and its
    mail, until the new one is confirmed, and the old address is told at once; an
    unverified one simply replaces its address (it never proved to be the account's)."""
    address = normalize_address(raw)
    check_address(address, user)
    if not check_password_hash(user.password_hash, password or ""):
        raise ServiceError("That is not your current password.", field="password")
    if address == user.email:
        if user.pending_email is None:
            raise ServiceError("That is already your account's address.", field="email")
        user.pending_email = None  # changed their mind: the pending link dies with it
        db.session.commit()
        return address
    if user.is_verified:
        user.pending_email = address
        queue("address_changed", user.id, user.email or "")
    else:
        user.email, user.pending_email = address, None
    queue("verify", user.id, address)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise ServiceError("That address belongs to another account.", field="email") from None
    return address
