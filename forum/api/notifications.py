"""The caller's notifications: the same `inbox` (so the same visibility check) as the bell."""

from __future__ import annotations

from flask import current_app

from forum.api import bp, serialize
from forum.api.auth import require_user
from forum.api.inputs import page_body, page_numbers
from forum.api.openapi import PAGE_PARAMS, operation
from forum.api.schemas import COMPONENTS, INT, TIME, nullable, obj, page_of, ref
from forum.infra.pages import Page
from forum.models import NOTIFICATION_KINDS
from forum.queries import inbox
from forum.services import notifications as service

COMPONENTS["Notification"] = obj(
    {
        "id": INT,
        "kind": {"type": "string", "enum": list(NOTIFICATION_KINDS)},
        "message": {"type": "string", "description": "Built now, from what the caller may read now."},
        "url": {"type": "string", "description": "The page it is about, on this site."},
        "post_id": nullable(INT),
        "comment_id": nullable(INT),
        "group": nullable({"type": "string", "description": "The group's slug."}),
        "read": {"type": "boolean"},
        "created_at": TIME,
    }
)
COMPONENTS["UnreadCount"] = obj({"unread": {"type": "integer", "minimum": 0}})


def _render(item: inbox.Item) -> dict:
    return {
        "id": item.id,
        "kind": item.kind,
        "message": inbox.message(item),
        "url": inbox.target_url(item),
        "post_id": item.post_id,
        "comment_id": item.comment_id,
        "group": item.group_slug,
        "read": item.read,
        "created_at": serialize.when(item.created_at),
    }


@bp.get("/notifications")
@operation(
    "The caller's notifications, newest first; each shown only while the caller may read what it is about",
    tag="notifications",
    response=page_of(ref("Notification")),
    params=PAGE_PARAMS,
)
def notifications():
    user = require_user()
    number, per_page = page_numbers(current_app.config["NOTIFICATIONS_PER_PAGE"])
    found: Page[inbox.Item] = Page([], number, per_page, inbox.shown_count(user))
    if found.offset < found.total:
        found.items = inbox.items(user, limit=per_page, offset=found.offset)
    return page_body(found, lambda items: [_render(i) for i in items])


@bp.get("/notifications/unread")
@operation(
    "How many of the caller's notifications are unread (what the bell shows)",
    tag="notifications",
    response=ref("UnreadCount"),
)
def unread():
    return {"unread": inbox.unread_count(require_user())}


@bp.post("/notifications/read")
@operation("Mark all the caller's notifications read", tag="notifications", response=None, status=204)
def read_all():
    service.mark_all_read(require_user())
    return "", 204
