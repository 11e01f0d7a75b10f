"""Account mail: verification links, the note to an old address, reset links.

Composed when sent, like notification mail: each link is signed then, from the account's
state then, and a row whose reason has gone (the address was confirmed or changed, the
account was deleted) is skipped. None of these messages says anything about any post.
"""

from __future__ import annotations

from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from flask import current_app, url_for

from forum.extensions import db
from forum.models import OutboxMessage, User
from forum.services import email_verification, passwords


def message(address: str, subject: str, lines: list[str]) -> EmailMessage:
    """A plain-text message from the forum; notification mail adds its unsubscribe headers."""
    mail = EmailMessage()
    mail["From"] = current_app.config["MAIL_FROM"]
    mail["To"] = address
    mail["Subject"] = subject
    mail["Date"] = formatdate(localtime=False)
    mail["Message-ID"] = make_msgid(domain="forum.invalid")
    mail["Auto-Submitted"] = "auto-generated"
    mail.set_content("\n".join(lines) + "\n")
    return mail


def _hours(seconds: int) -> str:
    hours = max(1, round(seconds / 3600))
    return f"{hours} hour{'s' if hours != 1 else ''}"


def _verify(user: User, address: str) -> EmailMessage | None:
    if email_verification.awaiting(user) != address:
        return None  # confirmed or changed since it was queued
    link = url_for("account.verify", token=email_verification.link_token(user, address), _external=True)
    hours = _hours(current_app.config["VERIFY_LINK_SECONDS"])
    return message(
        address,
        "Confirm your email address",
        [
            f"Someone (we hope you) gave this address to the forum account {user.username}.",
            "To confirm it, open this link and press Confirm:",
            "",
            link,
            "",
            f"The link works once, for {hours}. If this was not you, ignore this message:",
            "the address stays unconfirmed and gets no other mail from us.",
        ],
    )


def _address_changed(user: User, address: str) -> EmailMessage:
    return message(
        address,
        "Your forum account's email address is changing",
        [
            f"Someone signed in as {user.username} asked to move the account's email to another address.",
            "This address keeps the account's mail until the new one is confirmed from its own inbox.",
            "",
            "If this was not you, change your password now, or reset it here:",
            url_for("account.forgot", _external=True),
        ],
    )


def _reset(user: User | None, address: str) -> EmailMessage | None:
    if user is None:
        return message(
            address,
            "Password reset: no account has this address",
            [
                "Someone (perhaps you) asked to reset a forum password for this address,",
                "but no account has it as its verified address, so there is nothing to reset.",
                "",
                "If you have an account, try the address you registered with. If this was not you,",
                "ignore this message.",
            ],
        )
    if user.email != address or not user.is_verified:
        return None
    link = url_for("account.reset", token=passwords.reset_token(user), _external=True)
    return message(
        address,
        "Reset your forum password",
        [
            f"Someone (we hope you) asked to reset the password of the forum account {user.username}.",
            "To choose a new one, open this link:",
            "",
            link,
            "",
            f"The link works once, for {_hours(current_app.config['RESET_LINK_SECONDS'])}, and signs out every",
            "session of the account. If this was not you, ignore this message: nothing changes.",
        ],
    )


def compose(row: OutboxMessage) -> EmailMessage | None:
    """The message for an account-mail row as of now, or None when it has no reason left."""
    user = db.session.get(User, row.user_id) if row.user_id is not None else None
    address = row.address or ""
    if row.kind == "reset":
        return _reset(user, address) if row.user_id is None or user is not None else None
    if user is None:
        return None
    if row.kind == "verify":
        return _verify(user, address)
    return _address_changed(user, address)
