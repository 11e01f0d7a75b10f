"""The read side of notifications: what a user is shown, counted and mailed, now.

Every listing, the unread count and every email start from `shown(viewer)`, which
asks `visibility.references_readable` about the notification's post, comment and
group at the moment of reading. Nothing is decided from what was true when the
notification was made.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from flask import url_for
from sqlalchemy import ColumnElement, Select, and_, exists, func, not_, or_, select, union_all
from sqlalchemy.orm import aliased

from forum import visibility
from forum.extensions import db
from forum.infra import page_cache
from forum.models import Comment, Conversation, Group, Membership, Notification, Post, Subscription, User
from forum.queries import prebuilt

# Kinds a muted thread silences. Mentions of you and decisions about your content still arrive.
MUTABLE = ("reply_post", "reply_comment", "thread")


def shown(viewer: User) -> ColumnElement[bool]:
    """SQL: the viewer's own notifications that may be shown to them right now."""
    return and_(Notification.user_id == viewer.id, _still_shown(viewer))


def _still_shown(viewer: User) -> ColumnElement[bool]:
    """SQL: `shown` but for the owner, for rows already picked among the viewer's own (the
    bell): SQLite's planner, given the owner term, scans all of them by (user, created)."""
    muted = exists().where(
        Subscription.user_id == viewer.id,
        Subscription.target == "post",
        Subscription.target_id == Notification.post_id,
        Subscription.muted,
    )
    # "Shared with your group" speaks for the group: once you leave it, it is gone.
    still_member = exists().where(Membership.group_id == Notification.group_id, Membership.user_id == viewer.id)
    return and_(
        visibility.references_readable(viewer, Notification.post_id, Notification.comment_id, Notification.group_id),
        not_(and_(Notification.kind.in_(MUTABLE), muted)),
        or_(Notification.kind != "shared_group", still_member),
        # A conversation speaks only to its current participants.
        or_(
            Notification.conversation_id.is_(None),
            visibility.in_conversation(viewer, Notification.conversation_id),
        ),
    )


def unread_count(viewer: User) -> int:
    """Exact: the API's answer. The bell uses `bell_count`."""
    return shown_count(viewer, Notification.read_at.is_(None))


# The bell counts up to this many and then shows "99+" (`bell_label`): its cost has a
# ceiling whatever the inbox holds.
BELL_CAP = 100


def bell_count(viewer: User) -> int:
    """The bell on every signed-in page: how many threads have unread news (issue 24: a
    busy thread is one item, not one per comment), at most BELL_CAP, kept per viewer.

    Why a kept count and not a stored counter: what the bell may count changes with every
    write that changes what the member may read (an audience narrowed, a member removed or
    leaving, new terms, a group starting to require two-factor, a removal, a deletion, a
    mute), and a counter would need each of those writes to recount every recipient of
    every notification they touch: a second copy of the read rule, run by the writers,
    that drifts from `shown`. The kept count is the result of `shown` itself, dropped by
    exactly the writes that drop the member's kept pages (page_cache.per_viewer): every
    write either replaces the whole site's generation (audiences, memberships, terms,
    groups, two-factor, a post's own state) or those of the tokens reading the post it
    touched, and a notification can only be counted for a member holding one of those.
    So a change takes effect on the next request, and a member recounts at most once per
    write they could see, never per page.
    """
    return page_cache.per_viewer("bell", viewer, lambda: _capped_unread(viewer))


def _capped_unread(viewer: User) -> int:
    """How many threads have news for the viewer, up to BELL_CAP: a post's comments count
    once, a conversation's messages once, any other notification once.

    A thread counts when one of its unread notifications is `shown` now, so what the member
    may no longer read drops out as from the list. The member's threads with unread rows
    are found by walking the index (user, read_at, post, conversation) from one thread to
    the next (one index seek per thread, not a pass over every unread row), then each
    thread asks `shown` of its unread rows until one passes: a busy thread costs one check,
    not one per comment, and 5,000 unread notifications cost what their few threads do.

    Built once per process (queries/prebuilt.py): building it cost more than running it."""
    return prebuilt.fast_scalar("bell", _bell_statement, viewer) or 0


def _next_thread(viewer: User, key: str, after) -> ColumnElement:
    """The smallest `key` (post_id, or conversation_id of rows about no post) among the
    viewer's unread notifications beyond `after` (None: the first): one seek in
    ix_notifications_user_read (user_id, read_at, post_id, conversation_id)."""
    unread = aliased(Notification)
    column = getattr(unread, key)
    where = [unread.user_id == viewer.id, unread.read_at.is_(None), column.isnot(None)]
    if key == "conversation_id":
        where.append(unread.post_id.is_(None))
    if after is not None:
        where.append(column > after)
    return select(func.min(column)).where(*where).scalar_subquery()


def _threads(viewer: User, key: str):
    """The distinct `key` values of the viewer's unread notifications, walked through the
    index from one to the next (a recursive loose index scan)."""
    walk = select(_next_thread(viewer, key, None).label("id")).cte(f"bell_{key}", recursive=True)
    walk = walk.union_all(select(_next_thread(viewer, key, walk.c.id)).where(walk.c.id.isnot(None)))
    return select(walk.c.id).where(walk.c.id.isnot(None)).subquery()


def _news(viewer: User, post_id, conversation_id) -> Select:
    """SQL: the viewer's unread notifications about this post (or this conversation, or
    neither when both are None) that are `shown` now. The rows are walked through the index
    (an alias holding the owner and thread terms) and each is checked by id, so the first
    one shown ends the search: inside `shown`'s many terms SQLite's planner would otherwise
    take the (user, created) index and check every notification the member has."""
    unread = aliased(Notification)
    if post_id is not None:
        about = unread.post_id == post_id
    elif conversation_id is not None:
        about = and_(unread.post_id.is_(None), unread.conversation_id == conversation_id)
    else:
        about = and_(unread.post_id.is_(None), unread.conversation_id.is_(None))
    return (
        select(Notification.id)
        .join_from(unread, Notification, Notification.id == unread.id)
        .where(unread.user_id == viewer.id, unread.read_at.is_(None), about, _still_shown(viewer))
    )


def _bell_statement(viewer: User) -> Select:
    posts, conversations = _threads(viewer, "post_id"), _threads(viewer, "conversation_id")
    post_news = select(posts.c.id).where(_news(viewer, posts.c.id, None).exists())
    conversation_news = select(conversations.c.id).where(_news(viewer, None, conversations.c.id).exists())
    own = _news(viewer, None, None)
    first = union_all(post_news, conversation_news, own).limit(BELL_CAP)
    return select(func.count()).select_from(first.subquery())


def bell_label(count: int) -> str:
    return f"{BELL_CAP - 1}+" if count >= BELL_CAP else str(count)


def shown_count(viewer: User, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(shown(viewer), *where)) or 0


@dataclass(frozen=True)
class Item:
    """One notification as the viewer may see it: names and titles read just now."""

    id: int
    kind: str
    created_at: datetime
    read: bool
    actor: str | None
    post_id: int | None
    post_title: str | None
    comment_id: int | None
    comment_md: str | None
    group_slug: str | None
    group_name: str | None
    conversation_id: int | None = None
    conversation_subject: str | None = None

    @property
    def category(self) -> str:
        from forum.models import NOTIFICATION_KINDS

        return NOTIFICATION_KINDS[self.kind]


_MESSAGES = {
    "reply_post": "{actor} commented on your post “{post}”",
    "reply_comment": "{actor} replied to your comment on “{post}”",
    "thread": "{actor} commented on “{post}”",
    "mention": "{actor} mentioned you on “{post}”",
    "group_invitation": "{actor} invited you to join {group}",
    "join_request": "{actor} asked to join {group}",
    "join_approved": "Your request to join {group} was approved",
    "join_declined": "Your request to join {group} was declined",
    "invitation_accepted": "{actor} accepted your invitation to {group}",
    "invitation_declined": "{actor} declined your invitation to {group}",
    "shared_user": "{actor} shared “{post}” with you",
    "shared_group": "{actor} shared “{post}” with {group}",
    "coauthor_added": "{actor} made you a co-author of “{post}”",
    "draft_shared": "{actor} shared the draft “{post}” with you",
    "terms_accepted": "{actor} accepted the terms of “{post}”",
    "mod_removed": "A moderator removed your {what} on “{post}”",
    "mod_restored": "A moderator restored your {what} on “{post}”",
    "followed_user_post": "{actor} published “{post}”",
    "followed_tag_post": "{actor} published “{post}” in a tag you follow",
    "followed_group_post": "{actor} published “{post}” in {group}",
    "message": "{actor} wrote in “{conversation}”",
    "message_request": "{actor} asks to talk with you: “{conversation}”",
}


def message(item: Item) -> str:
    if item.kind in ("mod_removed", "mod_restored") and item.conversation_id is not None:
        return _moderated_message(item)
    return _MESSAGES[item.kind].format(
        actor=item.actor or "Someone",
        post=item.post_title or "",
        group=item.group_name or "",
        conversation=item.conversation_subject or "",
        what="comment" if item.comment_id else "post",
    )


def _moderated_message(item: Item) -> str:
    done = "removed" if item.kind == "mod_removed" else "restored"
    return f"A moderator {done} your message in “{item.conversation_subject or ''}”"


def target_url(item: Item, **external) -> str:
    """Where the notification leads: the comment, the post, or the group page."""
    if item.comment_id is not None:
        # The comment's own page: threads are paged, so the post page may not hold it.
        return url_for("posts.comment_permalink", comment_id=item.comment_id, **external)
    if item.conversation_id is not None:
        return url_for("conversations.view", conversation_id=item.conversation_id, **external)
    if item.post_id is not None:
        return url_for("posts.view", post_id=item.post_id, **external)
    if item.kind == "join_request":
        return url_for("group_members.requests", slug=item.group_slug, **external)
    if item.kind == "group_invitation":
        return url_for("groups.mine", **external)
    return url_for("groups.view", slug=item.group_slug, **external)


def items(viewer: User, *, where=(), limit: int | None = None, offset: int = 0) -> list[Item]:
    """The viewer's notifications, newest first, each checked through `shown`."""
    actor = aliased(User)
    query: Select = (
        select(
            Notification.id,
            Notification.kind,
            Notification.created_at,
            Notification.read_at,
            actor.display_name,
            Notification.post_id,
            Post.title,
            Notification.comment_id,
            Comment.body_md,
            Group.slug,
            Group.name,
            Notification.conversation_id,
            Conversation.subject,
        )
        .outerjoin(actor, actor.id == Notification.actor_id)
        .outerjoin(Post, Post.id == Notification.post_id)
        .outerjoin(Comment, Comment.id == Notification.comment_id)
        .outerjoin(Group, Group.id == Notification.group_id)
        .outerjoin(Conversation, Conversation.id == Notification.conversation_id)
        .where(shown(viewer), *where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .offset(offset)
    )
    if limit is not None:
        query = query.limit(limit)
    return [
        Item(
            id=r[0],
            kind=r[1],
            created_at=r[2],
            read=r[3] is not None,
            actor=r[4],
            post_id=r[5],
            post_title=r[6],
            comment_id=r[7],
            comment_md=r[8],
            group_slug=r[9],
            group_name=r[10],
            conversation_id=r[11],
            conversation_subject=r[12],
        )
        for r in db.session.execute(query)
    ]


@dataclass(frozen=True)
class Thread:
    """A page's notifications about one thing: a post's thread, a conversation, or a
    notification of its own. Newest first, as the page lists them."""

    items: list[Item]


def thread_of(item: Item) -> tuple[str, int]:
    """What the bell counts once (`_capped_unread` says the same in SQL)."""
    if item.post_id is not None:
        return ("post", item.post_id)
    if item.conversation_id is not None:
        return ("conversation", item.conversation_id)
    return ("notification", item.id)


def by_thread(found: list[Item]) -> list[Thread]:
    """A page's items grouped per thread, each thread where its newest item falls."""
    threads: dict[tuple[str, int], list[Item]] = {}
    for item in found:
        threads.setdefault(thread_of(item), []).append(item)
    return [Thread(items) for items in threads.values()]


def one(viewer: User, notification_id: int) -> Item | None:
    found = items(viewer, where=[Notification.id == notification_id])
    return found[0] if found else None


def following(viewer: User) -> dict[str, Sequence]:
    """What the viewer follows or muted, for their settings page: only posts, tags and
    groups they may still see (a follow outliving access names nothing)."""
    from forum.models import Tag

    def ids(target: str, muted: bool = False):
        return select(Subscription.target_id).where(
            Subscription.user_id == viewer.id, Subscription.target == target, Subscription.muted.is_(muted)
        )

    tags = select(visibility.visible_tags(viewer).subquery().c.id)
    return {
        "people": db.session.scalars(select(User).where(User.id.in_(ids("user"))).order_by(User.username)).all(),
        "tags": db.session.scalars(
            select(Tag).where(Tag.id.in_(ids("tag")), Tag.id.in_(tags)).order_by(Tag.name)
        ).all(),
        "groups": db.session.scalars(
            select(Group)
            .where(Group.id.in_(ids("group")), visibility.visible_group_clause(viewer))
            .order_by(Group.name)
        ).all(),
        "posts": db.session.scalars(
            visibility.visible_posts(viewer).where(Post.id.in_(ids("post"))).order_by(Post.created_at.desc()).limit(100)
        ).all(),
        "muted": db.session.scalars(
            visibility.visible_posts(viewer)
            .where(Post.id.in_(ids("post", True)))
            .order_by(Post.created_at.desc())
            .limit(100)
        ).all(),
    }
