"""Creating notifications, following and muting, email choices, marking read.

The other services call one function here per event, before their own commit, so a
notification (and its queued email) exists exactly when the event does. Rows hold
references only; whether one is ever shown or mailed is decided later, through
`visibility`, by `forum.queries.inbox` and `forum.mail` (a row created for someone who may not
read its post is simply never shown).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import timedelta

from flask import current_app
from sqlalchemy import Row, bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from forum import visibility
from forum.extensions import db
from forum.models import (
    EMAIL_CATEGORIES,
    EMAIL_MODES,
    NOTIFICATION_KINDS,
    Comment,
    ConversationParticipant,
    EmailPreference,
    GroupInvitation,
    JoinRequest,
    Membership,
    Notification,
    OutboxMessage,
    Post,
    Subscription,
    User,
    is_signed_in,
)
from forum.models._time import utcnow
from forum.queries import blocks
from forum.services.audience import audience_of
from forum.services.errors import ServiceError
from forum.services.guards import is_new_account

MENTION = re.compile(r"(?<![\w@/.])@([a-z0-9_-]{3,32})(?![\w-])", re.IGNORECASE)

# What a block silences: the blocked person's words reaching you. Decisions about your own
# content or requests (a moderator, a group's owner) still arrive whoever made them.
SILENCED_BY_BLOCK = ("reply_post", "reply_comment", "thread", "mention", "message", "message_request")

# What a category sends by email until the user chooses.
DEFAULT_MODES = {
    "replies": "immediate",
    # A busy thread would otherwise mail each comment to everyone in it (issue 24: 1,130 emails).
    "threads": "batched",
    "mentions": "immediate",
    "groups": "immediate",
    "shared": "immediate",
    "terms": "digest",
    "moderation": "immediate",
    "following": "digest",
    "messages": "immediate",
}


# --- creating ---------------------------------------------------------------------------


def _notify(
    recipients: dict[int, str],
    actor_id: int | None,
    *,
    post_id=None,
    comment_id=None,
    group_id=None,
    conversation_id=None,
) -> None:
    """Add one notification per recipient (user id -> kind), never to the actor nor, for the
    kinds a block silences, to anyone who blocks the actor; queue the emails their choices
    ask for (no commit)."""
    blocking = blocks.blockers_of(actor_id, recipients) if actor_id is not None else set()
    recipients = {
        uid: kind
        for uid, kind in recipients.items()
        if uid != actor_id and not (uid in blocking and kind in SILENCED_BY_BLOCK)
    }
    if not recipients:
        return
    # One multi-row INSERT (and one for the emails) however many people a post reaches.
    rows = db.session.execute(
        insert(Notification).returning(Notification.id, Notification.user_id, Notification.kind, Notification.post_id),
        [
            {
                "user_id": uid,
                "kind": kind,
                "actor_id": actor_id,
                "post_id": post_id,
                "comment_id": comment_id,
                "group_id": group_id,
                "conversation_id": conversation_id,
            }
            for uid, kind in recipients.items()
        ],
    ).all()
    _queue_email(rows)


def _managers(group_id: int) -> list[int]:
    return list(
        db.session.scalars(
            select(Membership.user_id).where(Membership.group_id == group_id, Membership.role.in_(("owner", "admin")))
        )
    )


def _muted(post_id: int) -> set[int]:
    return set(
        db.session.scalars(
            select(Subscription.user_id).where(
                Subscription.target == "post", Subscription.target_id == post_id, Subscription.muted
            )
        )
    )


def linkable_mentions(text: str | None) -> frozenset[str]:
    """The lower-cased names @-mentioned in `text` that belong to existing, not deleted
    accounts: what the renderer links to a profile (`forum.rendering.mentions`)."""
    names = {m.lower() for m in MENTION.findall(text or "")}
    if not names:
        return frozenset()
    found = db.session.scalars(select(User.username).where(User.username.in_(names), User.deleted_at.is_(None)))
    return frozenset(found)


def mentioned_users(author: User, text: str) -> list[int]:
    """Ids of existing users @-mentioned in `text`, at most MENTIONS_MAX of them (fewer for
    new accounts), and none once a new account spent its hourly mention allowance."""
    config = current_app.config
    names = list(dict.fromkeys(m.lower() for m in MENTION.findall(text or "")))
    most = config["MENTIONS_MAX"]
    if is_new_account(author) and config["NEW_ACCOUNT_LIMITS_ENABLED"]:
        most = min(most, config["NEW_ACCOUNT_MENTIONS_MAX"])
        since = utcnow() - timedelta(hours=1)
        spent = (
            db.session.scalar(
                select(func.count())
                .select_from(Notification)
                .where(
                    Notification.actor_id == author.id, Notification.kind == "mention", Notification.created_at > since
                )
            )
            or 0
        )
        most = max(0, min(most, config["NEW_ACCOUNT_MENTIONS_PER_HOUR"] - spent))
    if not names or most == 0:
        return []
    found = dict(
        db.session.execute(
            select(User.username, User.id).where(User.username.in_(names[:most]), User.deleted_at.is_(None))
        )
        .tuples()
        .all()
    )
    return [found[n] for n in names[:most] if n in found and found[n] != author.id]


def comment_added(comment: Comment) -> None:
    """Replies, mentions and thread followers; then the commenter follows the thread."""
    db.session.flush()
    post = db.session.get_one(Post, comment.post_id)
    recipients: dict[int, str] = {}
    followers = db.session.scalars(
        select(Subscription.user_id).where(
            Subscription.target == "post", Subscription.target_id == post.id, ~Subscription.muted
        )
    )
    for uid in followers:
        recipients[uid] = "thread"
    recipients[post.author_id] = "reply_post"
    if comment.parent_id is not None:
        parent_author = db.session.scalars(select(Comment.author_id).where(Comment.id == comment.parent_id)).one()
        recipients[parent_author] = "reply_comment"
    for uid in _muted(post.id):
        recipients.pop(uid, None)
    # A mention reaches even a muted reader, and never someone outside the audience: for
    # them nothing is stored, so it cannot surface later either.
    for uid in mentioned_users(db.session.get_one(User, comment.author_id), comment.body_md):
        if visibility.can_read_post(db.session.get(User, uid), post.id):
            recipients[uid] = "mention"
    _notify(recipients, comment.author_id, post_id=post.id, comment_id=comment.id)
    follow_default(comment.author_id, "post", post.id)


def audience_before(post: Post) -> tuple[set[int], set[int]]:
    """The post's named users and groups before an edit, for `post_shared`."""
    named = audience_of(post)
    return set(named.user_ids), set(named.group_ids)


def post_created(post: Post) -> None:
    """The author follows their post; people named, groups named and followers hear of it
    (of a draft only once it is published)."""
    db.session.flush()
    follow_default(post.author_id, "post", post.id)
    if not post.is_draft:
        _shared(post, (set(), set()), followers=True)


def post_published(post: Post) -> None:
    """A draft went to its audience: now it is news, as a new post is."""
    db.session.flush()
    _shared(post, (set(), set()), followers=True)


def post_shared(post: Post, before: tuple[set[int], set[int]]) -> None:
    """After an edit: tell only the people and groups the audience gained (a draft's
    planned audience hears nothing until it is published)."""
    db.session.flush()
    if not post.is_draft:
        _shared(post, before, followers=False)


def _shared(post: Post, before: tuple[set[int], set[int]], *, followers: bool) -> None:
    """One notification per person, the most specific reason winning: named in the
    audience, then a named group of theirs, then what they follow."""
    users, groups = audience_before(post)
    reasons: dict[int, tuple[str, int | None]] = {}  # user id -> (kind, group id on the row)
    if followers:
        tag_ids = [t.id for t in post.tags]
        rows = db.session.execute(
            select(Subscription.user_id, Subscription.target, Subscription.target_id)
            .where(
                ((Subscription.target == "user") & (Subscription.target_id == post.author_id))
                | ((Subscription.target == "tag") & Subscription.target_id.in_(tag_ids or [0]))
                | ((Subscription.target == "group") & Subscription.target_id.in_(groups or {0}))
            )
            .order_by(Subscription.target.desc())
        )  # user, then tag, then group: the first kept wins
        for uid, target, target_id in rows:
            reasons.setdefault(uid, (f"followed_{target}_post", target_id if target == "group" else None))
    new_groups = groups - before[1]
    if new_groups:
        for gid, uid in db.session.execute(
            select(Membership.group_id, Membership.user_id).where(Membership.group_id.in_(new_groups))
        ):
            reasons[uid] = ("shared_group", gid)  # the group on the row: leaving it takes the notice away
    for uid in users - before[0]:
        reasons[uid] = ("shared_user", None)
    for author_id in post.author_ids:
        reasons.pop(author_id, None)
    by_group: dict[int | None, dict[int, str]] = {}
    for uid, (kind, gid) in reasons.items():
        by_group.setdefault(gid, {})[uid] = kind
    for gid, recipients in by_group.items():
        _notify(recipients, post.author_id, post_id=post.id, group_id=gid)


def coauthors_added(post: Post, actor: User, before: set[int]) -> None:
    """People just made co-authors hear of it at once, of a draft too: they may read and edit it now."""
    db.session.flush()
    _notify({uid: "coauthor_added" for uid in post.author_ids - before}, actor.id, post_id=post.id)


def draft_shared(post: Post, actor: User, user_id: int) -> None:
    """A person a draft was just shared with (to read, comment or edit) is told where it is."""
    db.session.flush()
    _notify({user_id: "draft_shared"}, actor.id, post_id=post.id)


def invited(invitation: GroupInvitation) -> None:
    _notify({invitation.user_id: "group_invitation"}, invitation.invited_by_id, group_id=invitation.group_id)


def invitation_answered(invitation: GroupInvitation, accepted: bool) -> None:
    kind = "invitation_accepted" if accepted else "invitation_declined"
    _notify({invitation.invited_by_id: kind}, invitation.user_id, group_id=invitation.group_id)


def join_requested(join_request: JoinRequest) -> None:
    _notify(
        {uid: "join_request" for uid in _managers(join_request.group_id)},
        join_request.user_id,
        group_id=join_request.group_id,
    )


def join_decided(join_request: JoinRequest, approved: bool, actor: User) -> None:
    _notify(
        {join_request.user_id: "join_approved" if approved else "join_declined"},
        actor.id,
        group_id=join_request.group_id,
    )


def terms_accepted(post: Post, reader: User) -> None:
    _notify({post.author_id: "terms_accepted"}, reader.id, post_id=post.id)


def moderated(post: Post, comment: Comment | None, removed: bool) -> None:
    """Tell the author of removed (or restored) content; the moderator stays unnamed."""
    item = comment or post
    _notify(
        {item.author_id: "mod_removed" if removed else "mod_restored"},
        None,
        post_id=post.id,
        comment_id=comment.id if comment else None,
    )


def message_moderated(author_id: int | None, conversation_id: int, removed: bool) -> None:
    """Tell a message's author of its removal (or restoration) from a report: shown, like
    every conversation notification, only while they take part in it; never muted."""
    if author_id is not None:
        _notify({author_id: "mod_removed" if removed else "mod_restored"}, None, conversation_id=conversation_id)


def conversation_message(conversation_id: int, author: User, recipients: dict[int, str]) -> None:
    """A new message (or a request to talk) for these participants (user id -> kind), but
    not those who muted the conversation: no notification, so no email either."""
    muted = set(
        db.session.scalars(
            select(ConversationParticipant.user_id).where(
                ConversationParticipant.conversation_id == conversation_id,
                ConversationParticipant.muted_at.is_not(None),
            )
        )
    )
    _notify(
        {uid: kind for uid, kind in recipients.items() if uid not in muted}, author.id, conversation_id=conversation_id
    )


# --- email: preferences and the queue ---------------------------------------------------


def email_modes(user_id: int) -> dict[str, str]:
    chosen = dict(
        db.session.execute(
            select(EmailPreference.category, EmailPreference.mode).where(EmailPreference.user_id == user_id)
        )
        .tuples()
        .all()
    )
    return {category: chosen.get(category, DEFAULT_MODES[category]) for category in EMAIL_CATEGORIES}


def _queue_email(rows) -> None:
    """Queue an immediate email, or make sure a digest is waiting, per the recipient's choice.
    The worker decides at sending time whether anything may still be said."""
    user_ids = {row.user_id for row in rows}
    # Notification mail goes only to verified addresses (compose checks again when sending).
    with_address = set(
        db.session.scalars(select(User.id).where(User.id.in_(user_ids), User.email_verified_at.is_not(None)))
    )
    if not with_address:
        return
    chosen: dict[tuple[int, str], str] = {
        (uid, cat): mode
        for uid, cat, mode in db.session.execute(
            select(EmailPreference.user_id, EmailPreference.category, EmailPreference.mode).where(
                EmailPreference.user_id.in_(with_address)
            )
        )
    }
    digests: set[int] = set()
    immediate: list[dict] = []
    batched: dict[tuple[int, int], int] = {}  # (user, post) -> the notification that opens the batch
    for row in rows:
        if row.user_id not in with_address:
            continue
        category = NOTIFICATION_KINDS[row.kind]
        mode = chosen.get((row.user_id, category), DEFAULT_MODES[category])
        if mode == "batched" and row.post_id is not None:
            batched.setdefault((row.user_id, row.post_id), row.id)
        elif mode in ("immediate", "batched"):
            immediate.append({"user_id": row.user_id, "kind": "immediate", "notification_id": row.id})
        elif mode == "digest":
            digests.add(row.user_id)
    if immediate:
        db.session.execute(insert(OutboxMessage), immediate)
    if digests:
        _ensure_digests(digests)
    if batched:
        _ensure_thread_batches(batched)


def _ensure_thread_batches(batches: dict[tuple[int, int], int]) -> None:
    """One waiting email per (reader, thread): a comment joins the batch already waiting, or opens one
    that leaves THREAD_EMAIL_MINUTES later and lists every comment gathered by then (mail/compose.py)."""
    user_ids = {uid for uid, _post in batches}
    waiting = set(
        db.session.execute(
            select(OutboxMessage.user_id, Notification.post_id)
            .join(Notification, Notification.id == OutboxMessage.notification_id)
            .where(
                OutboxMessage.user_id.in_(user_ids),
                OutboxMessage.kind == "thread",
                OutboxMessage.status == "pending",
            )
        ).tuples()
    )
    leaves = utcnow() + timedelta(minutes=current_app.config["THREAD_EMAIL_MINUTES"])
    new = [
        {"user_id": uid, "kind": "thread", "notification_id": first, "next_attempt_at": leaves}
        for (uid, post_id), first in batches.items()
        if (uid, post_id) not in waiting
    ]
    if new:
        db.session.execute(insert(OutboxMessage), new)


def _ensure_digests(user_ids: set[int]) -> None:
    """A pending digest for each of these users (a few queries, however many users)."""
    digest = (OutboxMessage.user_id.in_(user_ids), OutboxMessage.kind == "digest")
    waiting = set(db.session.scalars(select(OutboxMessage.user_id).where(*digest, OutboxMessage.status == "pending")))
    # Digests go out at most once per DIGEST_HOURS; one covers everything since the last.
    last_sent = dict(
        db.session.execute(
            select(OutboxMessage.user_id, func.max(OutboxMessage.sent_at))
            .where(*digest)
            .group_by(OutboxMessage.user_id)
        )
        .tuples()
        .all()
    )
    now, period = utcnow(), timedelta(hours=current_app.config["DIGEST_HOURS"])
    new = [
        {
            "user_id": uid,
            "kind": "digest",
            "since": last_sent.get(uid) or now - period,
            "next_attempt_at": max(now, sent + period) if (sent := last_sent.get(uid)) else now + period,
        }
        for uid in user_ids - waiting
    ]
    if new:
        db.session.execute(insert(OutboxMessage), new)


def save_email_settings(user: User, modes: dict[str, str]) -> None:
    """How each category reaches the account's verified address (Settings → Email sets it)."""
    for category, mode in modes.items():
        if category not in EMAIL_CATEGORIES or mode not in EMAIL_MODES:
            raise ServiceError("Choose off, immediately or a daily digest.", field=category)
    for category, mode in modes.items():
        set_email_mode(user.id, category, mode, commit=False)
    db.session.commit()


def set_email_mode(user_id: int, category: str, mode: str, *, commit: bool = True) -> None:
    pref = db.session.get(EmailPreference, (user_id, category))
    if pref is None:
        db.session.add(EmailPreference(user_id=user_id, category=category, mode=mode))
    else:
        pref.mode = mode
    if commit:
        db.session.commit()


def unsubscribe(user_id: int, category: str) -> None:
    """One click from an email: that category (or every digested one) goes off."""
    if category in EMAIL_CATEGORIES:
        set_email_mode(user_id, category, "off", commit=False)
    else:
        for each, mode in email_modes(user_id).items():
            if mode == "digest":
                set_email_mode(user_id, each, "off", commit=False)
    db.session.commit()


# --- following and muting ---------------------------------------------------------------


def follow_default(user_id: int, target: str, target_id: int) -> None:
    """Follow unless the user already chose (followed, unfollowed by muting, or muted)."""
    if db.session.get(Subscription, (user_id, target, target_id)) is None:
        db.session.add(Subscription(user_id=user_id, target=target, target_id=target_id))


# The follow buttons on every tag, profile and group page ask this: built once, as a plain
# row (Session.get on a composite key built its statement on every call).
_SUBSCRIPTION = select(Subscription.muted).where(
    Subscription.user_id == bindparam("user_id"),
    Subscription.target == bindparam("target"),
    Subscription.target_id == bindparam("target_id"),
)


def subscription(user: User, target: str, target_id: int) -> Row | None:
    """The user's follow of a target (its `muted`), or None."""
    if not is_signed_in(user):
        return None
    return db.session.execute(_SUBSCRIPTION, {"user_id": user.id, "target": target, "target_id": target_id}).first()


def set_following(user: User, target: str, target_id: int, state: str) -> None:
    """state: follow, unfollow or mute (a post only). The caller fetched the target
    through visibility, so nobody follows what they may not see."""
    existing = db.session.get(Subscription, (user.id, target, target_id))
    if state == "unfollow":
        if existing is not None:
            db.session.delete(existing)
    elif state in ("follow", "mute"):
        if state == "mute" and target != "post":
            raise ServiceError("Only threads can be muted.")
        if existing is None:
            existing = Subscription(user_id=user.id, target=target, target_id=target_id)
            db.session.add(existing)
        existing.muted = state == "mute"
    else:
        raise ServiceError("Choose follow, unfollow or mute.")
    try:
        db.session.commit()
    except IntegrityError:  # a double click raced us; the first one counts
        db.session.rollback()


# --- reading ----------------------------------------------------------------------------


def mark_read(user: User, notification_id: int) -> Notification:
    """Mark one of the user's notifications read; anyone else's is not found."""
    row = db.session.scalar(
        select(Notification).where(Notification.id == notification_id, Notification.user_id == user.id)
    )
    if row is None:
        raise ServiceError("No such notification.", status=404)
    if row.read_at is None:
        row.read_at = utcnow()
        db.session.commit()
    return row


def mark_all_read(user: User, ids: Iterable[int] | None = None) -> None:
    """Everything unread, or (from the page) only what the user was shown."""
    query = update(Notification).where(Notification.user_id == user.id, Notification.read_at.is_(None))
    if ids is not None:
        query = query.where(Notification.id.in_(list(ids)))
    db.session.execute(query.values(read_at=utcnow()))
    db.session.commit()
