""" "New since your last visit": counts of comments a signed-in reader has not seen yet."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, func

from forum import visibility
from forum.infra import page_cache
from forum.infra.rows import rows
from forum.models import Comment, PostRead, User, is_signed_in
from forum.queries import prebuilt


def _new_counts_statement(viewer: User):
    """Built once (queries/prebuilt.py); the page's posts are the `card_ids` parameter."""
    return (
        visibility.visible_comments(viewer)
        .join(PostRead, (PostRead.post_id == Comment.post_id) & (PostRead.user_id == viewer.id))
        .where(
            Comment.post_id.in_(bindparam("card_ids", expanding=True)),
            Comment.author_id != viewer.id,
            Comment.created_at > PostRead.last_read_at,
        )
        .with_only_columns(Comment.post_id, func.count(Comment.id))
        .group_by(Comment.post_id)
    )


def new_comment_counts(viewer: User | None, post_ids: list[int]) -> dict[int, int]:
    """Per post the viewer has opened before: comments they may read (visible, neither
    deleted nor removed, not their own) written since their last visit. One query for a
    page; posts never opened are left out (nothing to compare with)."""
    if not is_signed_in(viewer) or not post_ids:
        return {}
    statement, params = prebuilt.variant_for("new-comment-counts", _new_counts_statement, viewer)
    counts = dict(rows(statement, {**params, "card_ids": post_ids}).tuples().all())  # plain rows: infra/rows.py
    if counts:
        page_cache.do_not_keep()  # the next visit to one of these posts changes the count
    return counts


def written_since(created_at: datetime, author_id: int, viewer: User | None, since: datetime | None) -> bool:
    """A comment (its time and author) someone else wrote after the viewer's previous visit:
    it is marked new on the post page (`PageThread.new_ids`)."""
    new = since is not None and created_at > since and author_id != getattr(viewer, "id", None)
    if new:
        page_cache.do_not_keep()  # a reload must show it as seen
    return new
