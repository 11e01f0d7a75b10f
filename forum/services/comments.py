from __future__ import annotations

from flask import current_app
from sqlalchemy import update

from forum import permissions
from forum.extensions import db
from forum.models import Comment, Post, User
from forum.models._time import utcnow
from forum.rendering.markup import render_markdown
from forum.search import indexing
from forum.services import notifications
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write, ensure_within_rate


def _check_body(body: str | None) -> str:
    body = (body or "").strip()
    if not body:
        raise ServiceError("A comment needs some text.", field="body")
    limit = current_app.config["COMMENT_MAX"]
    if len(body) > limit:
        raise ServiceError(f"Comments are at most {limit:,} characters.", field="body")
    return body


def add_comment(author: User, post: Post, body: str | None, parent: Comment | None = None) -> Comment:
    ensure_can_write(author, "comment")
    body = _check_body(body)
    if post.is_deleted:
        raise ServiceError("This post was deleted; it takes no new comments.", status=409)
    if post.is_removed:
        raise ServiceError("A moderator removed this post; it takes no new comments.", status=409)
    if post.is_draft and permissions.draft_role(author, post) not in ("author", "comment", "edit"):
        raise ServiceError("This draft was shared with you to read, not to comment on.", status=403)
    if parent is not None and parent.post_id != post.id:
        raise ServiceError("That comment belongs to another post.", field="parent_id")
    if parent is not None and parent.is_deleted:
        raise ServiceError("That comment was deleted; reply elsewhere in the thread.", field="parent_id")
    if parent is not None and parent.is_removed:
        raise ServiceError("That comment was removed; reply elsewhere in the thread.", field="parent_id")
    ensure_within_rate(author, "comment")
    comment = Comment(
        post_id=post.id,
        parent_id=parent.id if parent else None,
        author_id=author.id,
        body_md=body,
        body_html=render_markdown(body, notifications.linkable_mentions(body)),
        # A reply to a draft's review comment is read by the same people (services/history.py).
        audience_snapshot_id=parent.audience_snapshot_id if parent else None,
    )
    db.session.add(comment)
    if comment.audience_snapshot_id is None:  # the count tells only of what every reader sees
        # One UPDATE, not read-modify-write, so concurrent comments cannot lose a count.
        db.session.execute(update(Post).where(Post.id == post.id).values(comment_count=Post.comment_count + 1))
    notifications.comment_added(comment)
    db.session.commit()
    indexing.comment_changed(comment.id)
    return comment


def edit_comment(comment: Comment, body: str | None) -> Comment:
    ensure_can_write(comment.author, "comment")
    if comment.is_removed:
        raise ServiceError("A moderator removed this comment; it cannot be edited.", status=409)
    body = _check_body(body)
    if body != comment.body_md:
        comment.body_md, comment.body_html = body, render_markdown(body, notifications.linkable_mentions(body))
        comment.edited_at = utcnow()
        db.session.commit()
        indexing.comment_changed(comment.id)
    return comment


def delete_comment(comment: Comment) -> None:
    """Soft delete: with replies, the thread shows a [deleted] placeholder in its place."""
    if comment.is_deleted:
        return
    mark_deleted(comment)
    db.session.commit()
    indexing.comment_changed(comment.id)


def mark_deleted(comment: Comment) -> None:
    """The soft delete itself (no commit, no index write): for callers that delete many
    comments in one transaction (account deletion) and index after their commit."""
    if comment.is_deleted:
        return
    comment.deleted_at = utcnow()
    # A removed comment was already taken off the count; a kept review comment never was on it.
    if not comment.is_removed and comment.audience_snapshot_id is None:
        db.session.execute(update(Post).where(Post.id == comment.post_id).values(comment_count=Post.comment_count - 1))
