"""Starting a conversation, writing in it, answering a request, adding people, leaving.

The consent rule is `queries.conversations.may_write`: a member with a tie to you is
written to directly; a member with no tie who is open to contact gets a request to accept
or decline. Every refusal says the same words, so a block is never told apart from a setting.
"""

from __future__ import annotations

from collections.abc import Sequence

from flask import current_app
from sqlalchemy import select

from forum.extensions import db
from forum.models import Conversation, ConversationParticipant, Message, MessageAttachment, User
from forum.models._time import utcnow
from forum.queries import conversations as queries
from forum.rendering.markup import render_markdown
from forum.services import attachments, notifications
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write, is_new_account

SUBJECT_MAX = 200
BODY_MAX = 20_000
PARTICIPANTS_MAX = 20


def refused(user: User) -> str:
    return f"{user.display_name} does not accept messages from you. Nothing was sent; what you typed is kept."


def contact_refusal(sender: User, recipient: User) -> str | None:
    """Why `sender` may not write to `recipient`, or None (the rule: queries.conversations.may_write)."""
    return None if queries.may_write(sender, recipient) else refused(recipient)


def needs_request(sender: User, recipient: User) -> bool:
    """No tie: the first message is a request the recipient accepts or declines."""
    return not queries.has_tie(sender.id, recipient.id)


def _body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise ServiceError("Write a message.", field="body")
    if len(body) > BODY_MAX:
        raise ServiceError(f"A message holds at most {BODY_MAX} characters.", field="body")
    return body


def _ensure_daily_limit(user: User) -> None:
    config = current_app.config
    if not config["NEW_ACCOUNT_LIMITS_ENABLED"] or not is_new_account(user):
        return
    limit = config["NEW_ACCOUNT_CONVERSATIONS_PER_DAY"]
    if queries.started_today(user) >= limit:
        raise ServiceError(
            f"New accounts start at most {limit} conversations a day. Try again tomorrow; what you typed is kept.",
            status=429,
        )


def _add_message(conversation: Conversation, author: User, body: str, now=None) -> Message:
    now = now or utcnow()
    message = Message(
        conversation_id=conversation.id,
        author_id=author.id,
        body_md=body,
        body_html=render_markdown(body, notifications.linkable_mentions(body)),
        created_at=now,
    )
    db.session.add(message)
    conversation.last_message_at = now
    return message


def start(sender: User, recipients: Sequence[User], subject: str | None, body: str | None) -> Conversation:
    ensure_can_write(sender, "message")
    subject = " ".join((subject or "").split())
    if not subject:
        raise ServiceError("Give the conversation a subject.", field="subject")
    if len(subject) > SUBJECT_MAX:
        raise ServiceError(f"A subject holds at most {SUBJECT_MAX} characters.", field="subject")
    body = _body(body)
    others = list({u.id: u for u in recipients if u.id != sender.id}.values())
    if not others:
        raise ServiceError("Name someone to write to.", field="to")
    if len(others) >= PARTICIPANTS_MAX:
        raise ServiceError(f"A conversation holds at most {PARTICIPANTS_MAX} people.", field="to")
    for other in others:
        if (why := contact_refusal(sender, other)) is not None:
            raise ServiceError(why, field="to", status=403)
    _ensure_daily_limit(sender)
    now = utcnow()
    conversation = Conversation(subject=subject, started_by_id=sender.id, created_at=now, last_message_at=now)
    db.session.add(conversation)
    db.session.flush()
    db.session.add(
        ConversationParticipant(conversation_id=conversation.id, user_id=sender.id, last_read_at=now, joined_at=now)
    )
    kinds = {}
    for other in others:
        state = "request" if needs_request(sender, other) else "active"
        db.session.add(
            ConversationParticipant(
                conversation_id=conversation.id, user_id=other.id, state=state, joined_at=now, added_by_id=sender.id
            )
        )
        kinds[other.id] = "message_request" if state == "request" else "message"
    db.session.flush()
    _add_message(conversation, sender, body, now)  # at `now`: the sender has read their own message
    notifications.conversation_message(conversation.id, sender, kinds)
    db.session.commit()
    return conversation


def write(
    author: User,
    conversation: Conversation,
    me: ConversationParticipant,
    body: str | None,
    file: tuple[str, bytes] | None = None,
) -> Message:
    """A new message, with an optional file (name, bytes) that only the participants read;
    writing in a conversation you were asked into accepts the request."""
    ensure_can_write(author, "message")
    body = _body(body)
    prepared = None
    if file is not None:
        attachments.ensure_upload_allowed(author)  # one allowance per account, shared with posts and comments
        prepared = attachments.prepare(*file)  # refused before anything is kept
    if me.state == "request":
        me.state = "active"
    message = _add_message(conversation, author, body)
    me.last_read_at = message.created_at
    if prepared is not None:
        db.session.flush()
        attachments.save_bytes(prepared)
        db.session.add(
            MessageAttachment(
                message_id=message.id,
                conversation_id=conversation.id,
                key=prepared.key,
                filename=prepared.filename,
                content_type=prepared.content_type,
                size=len(prepared.data),
            )
        )
    others = [
        p
        for p in conversation_participants(conversation)
        if p.user_id != author.id and p.left_at is None and p.state != "declined"
    ]
    # Someone blocked by (or blocking) the author in a group conversation stays in it; the
    # notification is what a block silences (notifications._notify).
    notifications.conversation_message(
        conversation.id, author, {p.user_id: "message_request" if p.state == "request" else "message" for p in others}
    )
    db.session.commit()
    return message


def conversation_participants(conversation: Conversation) -> list[ConversationParticipant]:
    return list(
        db.session.scalars(
            select(ConversationParticipant).where(ConversationParticipant.conversation_id == conversation.id)
        )
    )


def place_of(conversation: Conversation, user: User) -> ConversationParticipant:
    """A participant's row, for callers outside a request (the demo, scripts); pages and the
    API get it from `visibility.get_conversation_or_404`."""
    found = db.session.get(ConversationParticipant, (conversation.id, user.id))
    if found is None:
        raise ServiceError("Not in this conversation.", status=404)
    return found


def accept(me: ConversationParticipant) -> None:
    if me.state != "request":
        raise ServiceError("There is no request to answer here.", status=409)
    me.state = "active"
    db.session.commit()


def decline(me: ConversationParticipant) -> None:
    """The sender sees only "not accepted" beside the name: no reason, no time."""
    if me.state != "request":
        raise ServiceError("There is no request to answer here.", status=409)
    me.state = "declined"
    me.left_at = utcnow()
    db.session.commit()


def add_participant(actor: User, conversation: Conversation, me: ConversationParticipant, user: User) -> None:
    """Someone added reads the whole history (see models/conversation.py for why)."""
    ensure_can_write(actor, "message")
    if me.state != "active" or me.left_at is not None:
        raise ServiceError("You are no longer in this conversation; nothing was changed.", field="username", status=403)
    current = {p.user_id: p for p in conversation_participants(conversation)}
    already = current.get(user.id)
    if already is not None and already.left_at is None and already.state != "declined":
        raise ServiceError(f"{user.display_name} is already in this conversation.", field="username", status=409)
    if len([p for p in current.values() if p.left_at is None]) >= PARTICIPANTS_MAX:
        raise ServiceError(f"A conversation holds at most {PARTICIPANTS_MAX} people.", field="username")
    if user.id == actor.id or contact_refusal(actor, user) is not None:
        raise ServiceError(refused(user), field="username", status=403)
    state = "request" if needs_request(actor, user) else "active"
    now = utcnow()
    if already is None:
        db.session.add(
            ConversationParticipant(
                conversation_id=conversation.id, user_id=user.id, state=state, joined_at=now, added_by_id=actor.id
            )
        )
    else:
        already.state, already.left_at, already.joined_at, already.added_by_id = state, None, now, actor.id
    db.session.flush()
    notifications.conversation_message(
        conversation.id, actor, {user.id: "message_request" if state == "request" else "message"}
    )
    db.session.commit()


def leave(me: ConversationParticipant) -> None:
    """From the next request on, the conversation answers this member 404."""
    if me.left_at is None:
        me.left_at = utcnow()
    db.session.commit()


def edit(author: User, message: Message, body: str | None) -> None:
    """Its author replaces a message's text; the participants see "edited". The earlier
    text is not kept: a report made before keeps its own copy of what was reported."""
    ensure_can_write(author, "message")
    if message.author_id != author.id:
        raise ServiceError("Only its author edits a message.", status=403)
    if message.is_removed:
        raise ServiceError("A moderator removed this message; it cannot be edited.", status=409)
    body = _body(body)
    if body != message.body_md:
        message.body_md, message.body_html, message.edited_at = (
            body,
            render_markdown(body, notifications.linkable_mentions(body)),
            utcnow(),
        )
    db.session.commit()


def mute(me: ConversationParticipant, muted: bool = True) -> None:
    """No notification and no email for new messages here (notifications.conversation_message);
    the conversation stays readable and its unread state is still kept."""
    me.muted_at = (me.muted_at or utcnow()) if muted else None
    db.session.commit()


def answer(me: ConversationParticipant, what: str) -> None:
    """What a participant's buttons do (accept, decline, leave, mute, unmute), for the pages
    and the API alike."""
    if what == "unmute":
        mute(me, muted=False)
    else:
        {"accept": accept, "decline": decline, "leave": leave, "mute": mute}[what](me)


def mark_read(me: ConversationParticipant) -> None:
    """Opening a conversation is a GET that writes; issue 23 allows a GET to write only the
    read state. Callers write it only when it changes (unread to read: `has_news`), so a
    page view of a conversation already read writes nothing and costs no disk sync."""
    me.last_read_at = utcnow()
    db.session.commit()


def has_news(conversation: Conversation, me: ConversationParticipant) -> bool:
    return me.last_read_at is None or me.last_read_at < conversation.last_message_at
