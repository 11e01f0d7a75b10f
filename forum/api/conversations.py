"""Conversations, their messages, blocks and the reading list: the same `visibility` fetchers and services as
the pages, so anyone but a current participant gets the 404 of a missing conversation."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from forum import visibility
from forum.api import bp, serialize
from forum.api.auth import require_user
from forum.api.errors import ApiError
from forum.api.inputs import integer, json_body, page_list, strings, text
from forum.api.openapi import PAGE_PARAMS, operation
from forum.api.schemas import COMPONENTS, INT, NEW_REPORT, STRING, TEXT, TIME, nullable, obj, page_of, ref
from forum.extensions import db
from forum.models import PARTICIPANT_STATES, Conversation, Message, User
from forum.queries import blocks as block_queries
from forum.queries import conversations as queries
from forum.queries import reading_list as reading_list_queries
from forum.queries.users import user_named
from forum.services import blocks, conversations, moderation, reading_list

STATE = {"type": "string", "enum": list(PARTICIPANT_STATES)}
COMPONENTS["Participant"] = obj({"user": ref("UserRef"), "state": STATE, "left": {"type": "boolean"}})
COMPONENTS["Conversation"] = obj(
    {
        "id": INT,
        "subject": STRING,
        "my_state": STATE,
        "muted": {"type": "boolean", "description": "No notifications or email for it; unread is still kept."},
        "participants": {"type": "array", "items": ref("Participant")},
        "created_at": TIME,
        "last_message_at": TIME,
        "url": STRING,
    }
)
COMPONENTS["MessageFile"] = obj({"filename": STRING, "content_type": STRING, "size": INT, "url": STRING})
COMPONENTS["Message"] = obj(
    {
        "id": INT,
        "author": nullable(ref("UserRef")),
        "body_md": STRING,
        "body_html": STRING,
        "files": {"type": "array", "items": ref("MessageFile"), "description": "Open to participants only."},
        "created_at": TIME,
        "edited_at": nullable(TIME),
        "removed": {"type": "boolean", "description": "Removed by a moderator: no text, no files."},
    }
)
NEW_CONVERSATION = obj(
    {"to": {"type": "array", "items": STRING}, "subject": STRING, "body": TEXT}, required=("to", "subject", "body")
)
MESSAGE_BODY = obj({"body": TEXT}, required=("body",))
USERNAME = obj({"username": STRING}, required=("username",))


def _conversation(conversation: Conversation, my_state: str, muted: bool) -> dict:
    return {
        "id": conversation.id,
        "subject": conversation.subject,
        "my_state": my_state,
        "muted": muted,
        "participants": [
            {"user": serialize.user_ref(p.user), "state": p.state, "left": p.left_at is not None}
            for p in queries.participants(current_user, conversation)
        ],
        "created_at": serialize.when(conversation.created_at),
        "last_message_at": serialize.when(conversation.last_message_at),
        "url": url_for("api.conversation", conversation_id=conversation.id),
    }


def _message(message: Message) -> dict:
    removed = message.is_removed
    return {
        "id": message.id,
        "author": serialize.user_ref(message.author) if message.author else None,
        "body_md": "" if removed else message.body_md,
        "body_html": "" if removed else message.body_html,
        "removed": removed,
        "edited_at": serialize.when(message.edited_at) if message.edited_at else None,
        "files": []
        if removed
        else [
            {
                "filename": f.filename,
                "content_type": f.content_type,
                "size": f.size,
                "url": url_for("conversations.message_file", conversation_id=message.conversation_id, key=f.key),
            }
            for f in message.files
        ],
        "created_at": serialize.when(message.created_at),
    }


def _member(username: str | None) -> User:
    user = user_named(username or "")
    if user is None:
        raise ApiError(400, f"There is no member named {username}.", "username")
    return user


@bp.get("/conversations")
@operation(
    "The caller's conversations, latest activity first",
    tag="conversations",
    response=page_of(ref("Conversation")),
    params=PAGE_PARAMS,
)
def conversation_list():
    user = require_user()
    rows = queries.inbox(user)
    return page_list(rows, lambda items: [_conversation(r.conversation, r.state, r.muted) for r in items])


@bp.post("/conversations")
@operation(
    "Start a conversation (members you have no tie with receive it as a request)",
    tag="conversations",
    body=NEW_CONVERSATION,
    response=ref("Conversation"),
    status=201,
)
def conversation_start():
    user = require_user()
    data = json_body()
    recipients = [_member(name) for name in strings(data, "to", default=[]) or []]
    made = conversations.start(
        user, recipients, text(data, "subject", required=True), text(data, "body", required=True)
    )
    return _conversation(made, "active", False), 201


@bp.get("/conversations/<int:conversation_id>")
@operation("One conversation of the caller's", tag="conversations", response=ref("Conversation"))
def conversation(conversation_id: int):
    require_user()
    found, me = visibility.get_conversation_or_404(conversation_id, current_user)
    return _conversation(found, me.state, me.muted_at is not None)


@bp.get("/conversations/<int:conversation_id>/messages")
@operation(
    "A conversation's messages, oldest first", tag="conversations", response=page_of(ref("Message")), params=PAGE_PARAMS
)
def conversation_messages(conversation_id: int):
    require_user()
    found, _me = visibility.get_conversation_or_404(conversation_id, current_user)
    messages = db.session.scalars(visibility.messages_of(current_user, found)).all()
    return page_list(list(messages), lambda items: [_message(m) for m in items])


@bp.post("/conversations/<int:conversation_id>/messages")
@operation("Write in a conversation", tag="conversations", body=MESSAGE_BODY, response=ref("Message"), status=201)
def conversation_write(conversation_id: int):
    user = require_user()
    found, me = visibility.get_conversation_or_404(conversation_id, current_user)
    return _message(conversations.write(user, found, me, text(json_body(), "body", required=True))), 201


@bp.patch("/conversations/<int:conversation_id>/messages/<int:message_id>")
@operation(
    "Edit your own message (the others see it marked edited; a report keeps its own copy)",
    tag="conversations",
    body=MESSAGE_BODY,
    response=ref("Message"),
    errors=(403, 409),
)
def conversation_edit(conversation_id: int, message_id: int):
    user = require_user()
    found, _me = visibility.get_conversation_or_404(conversation_id, current_user)
    message = visibility.get_message_or_404(current_user, found, message_id)
    conversations.edit(user, message, text(json_body(), "body", required=True))
    return _message(message)


@bp.post("/conversations/<int:conversation_id>/messages/<int:message_id>/reports")
@operation(
    "Report a message to the moderators: they see a copy of it alone, never the conversation",
    tag="conversations",
    body=NEW_REPORT,
    response=ref("Report"),
    status=201,
    errors=(409,),
)
def conversation_report(conversation_id: int, message_id: int):
    user = require_user()
    found, _me = visibility.get_conversation_or_404(conversation_id, current_user)
    message = visibility.get_message_or_404(current_user, found, message_id)
    data = json_body()
    made = moderation.report_message(
        user, message, text(data, "reason", required=True), text(data, "details", default="")
    )
    return serialize.report(made), 201


@bp.post("/conversations/<int:conversation_id>/participants")
@operation(
    "Add someone (they read the whole history)",
    tag="conversations",
    body=USERNAME,
    response=None,
    status=204,
    errors=(409,),
)
def conversation_add(conversation_id: int):
    user = require_user()
    found, me = visibility.get_conversation_or_404(conversation_id, current_user)
    conversations.add_participant(user, found, me, _member(text(json_body(), "username", required=True)))
    return "", 204


@bp.post("/conversations/<int:conversation_id>/<any(accept, decline, leave, mute, unmute):answer>")
@operation(
    "Accept or decline a request to talk, leave the conversation, or mute it (no notifications or email) and unmute it",
    tag="conversations",
    response=None,
    status=204,
    errors=(409,),
)
def conversation_answer(conversation_id: int, answer: str):
    require_user()
    _found, me = visibility.get_conversation_or_404(conversation_id, current_user)
    conversations.answer(me, answer)
    return "", 204


@bp.get("/blocks")
@operation(
    "Members the caller blocks (only the caller ever sees this)",
    tag="conversations",
    response=page_of(ref("UserRef")),
    params=PAGE_PARAMS,
)
def block_list():
    user = require_user()
    return page_list(block_queries.blocked_users(user), lambda items: [serialize.user_ref(u) for u in items])


@bp.post("/blocks")
@operation("Block a member", tag="conversations", body=USERNAME, response=None, status=204)
def block_add():
    user = require_user()
    blocks.block(user, _member(text(json_body(), "username", required=True)))
    return "", 204


@bp.delete("/blocks/<username>")
@operation("Unblock a member", tag="conversations", response=None, status=204)
def block_remove(username: str):
    user = require_user()
    blocks.unblock(user, _member(username))
    return "", 204


# --- the reading list -------------------------------------------------------------------

COMPONENTS["SavedItem"] = obj({"post_id": INT, "comment_id": nullable(INT), "title": STRING, "saved_at": TIME})
SAVE = obj({"post_id": INT, "comment_id": nullable(INT)}, required=("post_id",))


def _saved_target(data: dict):
    """The post (and comment) named in the body, fetched as the Save buttons do: 404 alike."""
    comment_id = integer(data, "comment_id")
    if comment_id is not None:
        comment = visibility.get_shown_comment_or_404(comment_id, current_user)
        if comment.post_id != integer(data, "post_id", required=True):
            raise ApiError(404)
        return comment.post, comment
    return visibility.get_post_body_or_404(integer(data, "post_id", required=True) or 0, current_user), None


@bp.get("/saved")
@operation(
    "The caller's reading list: saved posts and comments they may still read, latest first",
    tag="conversations",
    response=page_of(ref("SavedItem")),
    params=PAGE_PARAMS,
)
def saved_list():
    user = require_user()

    def render(items):
        return [
            {
                "post_id": s.post.id,
                "comment_id": s.comment.id if s.comment else None,
                "title": s.post.title,
                "saved_at": serialize.when(s.saved_at),
            }
            for s in items
        ]

    return page_list(reading_list_queries.saved(user), render)


@bp.post("/saved")
@operation(
    "Save a post or a comment to the reading list",
    tag="conversations",
    body=SAVE,
    response=None,
    status=204,
    errors=(404,),
)
def saved_add():
    user = require_user()
    post, comment = _saved_target(json_body())
    reading_list.save(user, post, comment)
    return "", 204


@bp.delete("/saved")
@operation(
    "Remove a post or a comment from the reading list",
    tag="conversations",
    body=SAVE,
    response=None,
    status=204,
    errors=(404,),
)
def saved_remove():
    user = require_user()
    post, comment = _saved_target(json_body())
    reading_list.unsave(user, post, comment)
    return "", 204
