"""Building an email at the moment it is sent, from what its recipient may read then.

A queued row names a notification (or a digest window); the subject and body are made
here, through `inbox.items`, which asks `visibility` about every post, comment and group.
If nothing may be said any more, there is no message and the row is skipped. Account
mail (links, notes about the address) is composed in `account_mail`.
"""

from __future__ import annotations

from email.message import EmailMessage

from flask import current_app, url_for
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import ColumnElement

from forum.extensions import db
from forum.mail import account_mail
from forum.models import EMAIL_CATEGORIES, NOTIFICATION_KINDS, Notification, OutboxMessage, User
from forum.models.outbox import ACCOUNT_MAIL_KINDS
from forum.queries import inbox
from forum.services.notifications import email_modes

EXCERPT = 600
DIGEST_MAX = 100  # the rest waits on the notifications page
DIGEST = "digest"  # the unsubscribe "category" of a digest: every category mailed as one


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="unsubscribe")


def unsubscribe_token(user_id: int, category: str) -> str:
    return _serializer().dumps([user_id, category])


def read_unsubscribe_token(token: str) -> tuple[int, str] | None:
    """(user id, category), or None for anything not signed by us."""
    try:
        user_id, category = _serializer().loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    if not isinstance(user_id, int) or (category not in EMAIL_CATEGORIES and category != DIGEST):
        return None
    return user_id, category


def _excerpt(text: str | None) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= EXCERPT else text[:EXCERPT].rsplit(" ", 1)[0] + " …"


def _message(user: User, address: str, subject: str, lines: list[str], category: str) -> EmailMessage:
    unsubscribe = url_for("notifications.unsubscribe", token=unsubscribe_token(user.id, category), _external=True)
    settings = url_for("notifications.settings", _external=True)
    footer = ["", "--", f"Stop these emails: {unsubscribe}", f"Choose what you get: {settings}"]
    message = account_mail.message(address, subject, [*lines, *footer])
    message["List-Unsubscribe"] = f"<{unsubscribe}>"
    message["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return message


def compose(row: OutboxMessage) -> EmailMessage | None:
    """The message for a queued row as of now, or None when nothing may be sent."""
    if row.kind in ACCOUNT_MAIL_KINDS:
        return account_mail.compose(row)
    user = db.session.get(User, row.user_id)
    # Notification mail goes only to the account's verified address.
    if user is None or user.email is None or not user.is_verified:
        return None
    modes = email_modes(user.id)
    if row.kind == "immediate":
        item = inbox.one(user, row.notification_id) if row.notification_id else None
        if item is None or modes[item.category] != "immediate":
            return None
        lines = [inbox.message(item) + "."]
        if item.comment_md:
            lines += ["", _excerpt(item.comment_md)]
        lines += ["", inbox.target_url(item, _external=True)]
        return _message(user, user.email, inbox.message(item), lines, item.category)
    if row.kind == "thread":
        return _thread_batch(user, row, modes)
    wanted = [kind for kind, category in NOTIFICATION_KINDS.items() if modes[category] == "digest"]
    # What the reader already saw on the site is not news any more.
    window: list[ColumnElement[bool]] = [Notification.kind.in_(wanted), Notification.read_at.is_(None)]
    if row.since is not None:
        window.append(Notification.created_at > row.since)
    found = inbox.items(user, where=window, limit=DIGEST_MAX)
    if not found:
        return None
    lines = [f"What happened on the forum since your last digest ({len(found)}):", ""]
    for item in found:
        lines += [f"* {inbox.message(item)}", f"  {inbox.target_url(item, _external=True)}"]
    subject = f"{len(found)} new notification{'s' if len(found) != 1 else ''} on the forum"
    return _message(user, user.email, subject, lines, DIGEST)


def _thread_batch(user: User, row: OutboxMessage, modes: dict[str, str]) -> EmailMessage | None:
    """One email for a thread's comments gathered since the batch opened, as the reader may see them now;
    what they already read on the site is left out."""
    first = db.session.get(Notification, row.notification_id) if row.notification_id else None
    if first is None or first.post_id is None:
        return None
    wanted = [kind for kind, category in NOTIFICATION_KINDS.items() if modes[category] == "batched"]
    window = [
        Notification.post_id == first.post_id,
        Notification.id >= first.id,
        Notification.kind.in_(wanted),
        Notification.read_at.is_(None),
    ]
    found = list(reversed(inbox.items(user, where=window, limit=DIGEST_MAX)))  # oldest first, as in the thread
    if not found:
        return None
    if len(found) == 1:
        subject = inbox.message(found[0])
    else:
        subject = f"{len(found)} new comments on “{found[0].post_title}”"
    lines = [subject + ".", ""]
    for item in found:
        lines += [f"* {inbox.message(item)}:"]
        if item.comment_md:
            lines += [f"  {_excerpt(item.comment_md)}"]
        lines += [f"  {inbox.target_url(item, _external=True)}", ""]
    return _message(user, user.email or "", subject, lines, found[0].category)
