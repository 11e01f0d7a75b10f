"""What each line of the public moderation log may say to a given viewer.

The log is public, but an entry about content the viewer cannot read names neither the
content, nor its author, nor the reason (which may quote it): it says "a restricted
post". Readability is decided by `visibility`, for the whole page in one query.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from forum import visibility
from forum.extensions import db
from forum.models import Group, ModAction, User

VERBS = {
    "remove_post": "removed",
    "restore_post": "restored",
    "remove_comment": "removed a comment on",
    "restore_comment": "restored a comment on",
    "group_remove_post": "removed",
    "group_restore_post": "restored",
    "group_remove_comment": "removed a comment on",
    "group_restore_comment": "restored a comment on",
    "dismiss": "dismissed a report on",
    "warn": "warned",
    "ban": "banned",
    "unban": "lifted the ban on",
    "grant_moderator": "made a moderator:",
    "grant_admin": "made an admin:",
    "revoke_moderator": "took the moderator role from",
    "revoke_admin": "took the admin role from",
}


@dataclass
class LogLine:
    created_at: datetime
    actor: User | None
    actor_label: str
    verb: str
    target_user: User | None
    content_label: str | None
    content_url_post_id: int | None
    content_comment_id: int | None
    group: Group | None
    reason: str | None
    expires_at: datetime | None
    action: str


def lines_for(viewer: User | None, entries: list[ModAction]) -> list[LogLine]:
    readable = visibility.readable_post_ids(viewer, (e.post_id for e in entries if e.post_id))
    group_ids = {e.group_id for e in entries if e.group_id}
    seen_groups = (
        set(
            db.session.scalars(select(Group.id).where(Group.id.in_(group_ids), visibility.visible_group_clause(viewer)))
        )
        if group_ids
        else set()
    )
    return [_line(entry, readable, seen_groups) for entry in entries]


def _line(entry: ModAction, readable: set[int], seen_groups: set[int]) -> LogLine:
    hidden = entry.post_id is not None and entry.post_id not in readable
    content_label = url_post = url_comment = None
    if entry.post_id is not None and (post := entry.post) is not None:
        if hidden:
            content_label = "a members-only post" if post.audience_kind == "members" else "a restricted post"
        elif post.is_deleted:
            content_label = "a deleted post"
        else:
            content_label = post.title
            url_post, url_comment = post.id, entry.comment_id
    actor_label = entry.moderator.display_name if entry.moderator else "the site operator"
    if entry.group_id and hidden:
        actor_label = "a group moderator"
    return LogLine(
        created_at=entry.created_at,
        actor=None if (hidden and entry.group_id) else entry.moderator,
        actor_label=actor_label,
        verb=VERBS.get(entry.action, entry.action),
        target_user=None if hidden else entry.target_user,
        content_label=content_label,
        content_url_post_id=url_post,
        content_comment_id=url_comment,
        # Naming the group would say who a hidden post was shared with.
        group=entry.group if entry.group_id in seen_groups and not hidden else None,
        reason=None if hidden else (entry.reason or ""),
        expires_at=entry.expires_at,
        action=entry.action,
    )
