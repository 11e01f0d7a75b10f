"""What the public moderation log may say to a given viewer.

The log is public, but it says nothing about activity on content the viewer cannot
read (a removed post included, except for its author and the site's moderators, who may
still open it): an entry about such a post or comment (a removal, a restoration, a dismissed
report) is not in their log at all, since even its time and moderator would tell that
something happened there. An entry about a person (a warning, a ban, a role) stays, but
names neither the content it was about, nor its author, nor the reason (which may quote
it). An entry about a private message (its removal, its dismissed report) is in the log
only of the conversation's current participants; a warning or ban from a message's report
names no content and no reason for anyone else. Readability is decided by `visibility`,
in SQL for the page and its count.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import selectinload

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
    "remove_message": "removed",
    "restore_message": "restored",
    "warn": "warned",
    "ban": "banned",
    "unban": "lifted the ban on",
    "grant_moderator": "made a moderator:",
    "grant_admin": "made an admin:",
    "revoke_moderator": "took the moderator role from",
    "revoke_admin": "took the admin role from",
}


# Entries about a person: their line may be told without the content they were about.
ABOUT_PEOPLE = ("warn", "ban", "unban", "grant_moderator", "grant_admin", "revoke_moderator", "revoke_admin")


def entries_for(viewer: User | None) -> Select[tuple[ModAction]]:
    """The log as this viewer may read it, newest first."""
    return (
        select(ModAction)
        .where(
            or_(
                ModAction.action.in_(ABOUT_PEOPLE),
                visibility.refers_to_readable(viewer, ModAction.post_id, ModAction.comment_id, ModAction.message_id),
            )
        )
        .order_by(ModAction.created_at.desc(), ModAction.id.desc())
        .options(
            *(
                selectinload(rel)
                for rel in (ModAction.moderator, ModAction.target_user, ModAction.post, ModAction.group)
            )
        )
    )


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
    """Lines for entries of `entries_for(viewer)`: those about a person whose content the
    viewer may not read say nothing of it."""
    about = [e.id for e in entries if e.post_id is not None or e.message_id is not None]
    told = (
        set(
            db.session.scalars(
                select(ModAction.id).where(
                    ModAction.id.in_(about),
                    visibility.refers_to_readable(
                        viewer, ModAction.post_id, ModAction.comment_id, ModAction.message_id
                    ),
                )
            )
        )
        if about
        else set()
    )
    group_ids = {e.group_id for e in entries if e.group_id}
    seen_groups = (
        set(
            db.session.scalars(select(Group.id).where(Group.id.in_(group_ids), visibility.visible_group_clause(viewer)))
        )
        if group_ids
        else set()
    )
    return [_line(entry, told, seen_groups) for entry in entries]


def _line(entry: ModAction, told: set[int], seen_groups: set[int]) -> LogLine:
    # Only an entry about a person gets here with content the viewer may not read: it names none.
    hidden = (entry.post_id is not None or entry.message_id is not None) and entry.id not in told
    content_label = url_post = url_comment = None
    if entry.message_id is not None and not hidden:
        content_label = "a private message"  # told only to its conversation's participants
    if entry.post_id is not None and not hidden and (post := entry.post) is not None:
        if post.is_deleted:
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
