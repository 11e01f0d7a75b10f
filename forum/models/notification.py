"""Notifications, subscriptions and email preferences.

A notification stores references only (recipient, kind, actor, post, comment, group,
conversation),
never a copied title or text: what it says, and whether it is shown at all, is decided
through `visibility` each time it is listed, counted or mailed.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from forum.extensions import Model
from forum.models._time import utcnow

# kind -> the email category a reader turns on or off. Keys are stored; keep them stable.
NOTIFICATION_KINDS = {
    "reply_post": "threads",  # a comment on your post
    "reply_comment": "replies",  # a reply to your comment
    "thread": "threads",  # a new comment in a thread you follow
    "mention": "mentions",  # @you in a comment
    "group_invitation": "groups",  # you are invited to a group
    "join_request": "groups",  # someone asks to join a group you manage
    "join_approved": "groups",
    "join_declined": "groups",
    "invitation_accepted": "groups",  # to the one who invited
    "invitation_declined": "groups",
    "shared_user": "shared",  # a post shared with you by name
    "shared_group": "shared",  # a post shared with a group of yours
    "coauthor_added": "shared",  # you were made a co-author of a post or draft
    "draft_shared": "shared",  # a draft was shared with you to read, comment or edit
    "terms_accepted": "terms",  # a reader accepted the terms of your post
    "mod_removed": "moderation",  # a moderator removed your post or comment
    "mod_restored": "moderation",
    "followed_user_post": "following",
    "followed_tag_post": "following",
    "followed_group_post": "following",
    "message": "messages",  # a new message in a conversation you are in
    "message_request": "messages",  # a member you have no tie with asks to talk
}
EMAIL_CATEGORIES = {
    "replies": "Replies to your comments",
    "threads": "New comments on your posts and in threads you follow",
    "mentions": "Mentions of you",
    "groups": "Group invitations, join requests and their answers",
    "shared": "Posts and drafts shared with you or your groups, and co-authorships",
    "terms": "Readers accepting the terms of your posts",
    "moderation": "Moderation decisions about your posts and comments",
    "following": "New posts from people, tags and groups you follow",
    "messages": "Private messages and requests to talk",
}
# "batched": one email per thread at most every THREAD_EMAIL_MINUTES, listing its new comments
# (for notifications about no post it is the same as "immediate").
EMAIL_MODES = ("off", "immediate", "batched", "digest")
SUBSCRIPTION_TARGETS = ("post", "user", "tag", "group")


class Notification(Model):
    __tablename__ = "notifications"
    __table_args__ = (
        # The bell walks a member's unread threads through it (queries/inbox.py, `_bell_statement`).
        Index("ix_notifications_user_read", "user_id", "read_at", "post_id", "conversation_id"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(24))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    post_id: Mapped[int | None] = mapped_column(ForeignKey("posts.id", ondelete="CASCADE"), index=True)
    comment_id: Mapped[int | None] = mapped_column(ForeignKey("comments.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    read_at: Mapped[datetime | None]

    @property
    def category(self) -> str:
        return NOTIFICATION_KINDS[self.kind]


class Subscription(Model):
    """`user` follows a post, user, tag or group; `muted` on a post silences its thread."""

    __tablename__ = "subscriptions"
    __table_args__ = (Index("ix_subscriptions_target", "target", "target_id"),)

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    target: Mapped[str] = mapped_column(String(8), primary_key=True)
    target_id: Mapped[int] = mapped_column(primary_key=True)
    muted: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class EmailPreference(Model):
    """How a user wants one category by email. No row: the category's default."""

    __tablename__ = "email_preferences"

    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    category: Mapped[str] = mapped_column(String(16), primary_key=True)
    mode: Mapped[str] = mapped_column(String(16))
