"""What a post's earlier versions and a draft's review comments keep when its audience changes.

Reading them follows the post (a NULL snapshot) until the audience changes; then every
version still following the post is pinned to the audience it had (models/snapshot.py),
so new readers get the current text and nothing written before, unless the author opens
the history. Publishing a draft pins its review comments too: they were written for the
draft's readers. Narrowing needs nothing: the post's rule already narrows every version.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import func, select, update
from sqlalchemy.orm import InstrumentedAttribute

from forum.extensions import db
from forum.models import AudienceSnapshot, AudienceSnapshotPrincipal, Comment, Post, PostRevision


def _snapshot(tokens: Iterable[str]) -> int:
    snapshot = AudienceSnapshot()
    db.session.add(snapshot)
    db.session.flush()
    db.session.add_all(AudienceSnapshotPrincipal(snapshot_id=snapshot.id, principal=t) for t in sorted(set(tokens)))
    return snapshot.id


def keep_with(post: Post, tokens: Iterable[str], *, comments: bool = False) -> None:
    """Pin the versions (and with `comments`, the comments) that follow the post's audience
    to `tokens`, the audience they were written for (no commit)."""
    rows: list[tuple[type[PostRevision] | type[Comment], InstrumentedAttribute[int], InstrumentedAttribute[int | None]]]
    rows = [(PostRevision, PostRevision.post_id, PostRevision.audience_snapshot_id)]
    if comments:
        rows.append((Comment, Comment.post_id, Comment.audience_snapshot_id))
    following = [(model, post_id, snap) for model, post_id, snap in rows if _any_following(post_id, snap, post.id)]
    if not following:
        return
    snapshot_id = _snapshot(tokens)
    for model, post_id, snap in following:
        db.session.execute(
            update(model).where(post_id == post.id, snap.is_(None)).values(audience_snapshot_id=snapshot_id)
        )
    if comments:
        recount_open_comments(post.id)


def _any_following(post_id_column, snapshot_column, post_id: int) -> bool:
    return (
        db.session.scalar(select(post_id_column).where(post_id_column == post_id, snapshot_column.is_(None)).limit(1))
        is not None
    )


def open_to_post(post: Post, *, comments: bool = False) -> None:
    """The author chose to let whoever reads the post read its whole history (no commit)."""
    db.session.execute(update(PostRevision).where(PostRevision.post_id == post.id).values(audience_snapshot_id=None))
    if comments:
        db.session.execute(update(Comment).where(Comment.post_id == post.id).values(audience_snapshot_id=None))
        recount_open_comments(post.id)


def recount_open_comments(post_id: int) -> None:
    """`Post.comment_count` counts the live comments every reader of the post sees: a review
    comment kept with the draft's readers is in no count, so a count never tells of it."""
    live = (
        select(func.count(Comment.id))
        .where(
            Comment.post_id == post_id,
            Comment.deleted_at.is_(None),
            Comment.removed_at.is_(None),
            Comment.audience_snapshot_id.is_(None),
        )
        .scalar_subquery()
    )
    db.session.execute(update(Post).where(Post.id == post_id).values(comment_count=live))


def kept_counts(post: Post) -> tuple[int, int]:
    """(earlier versions, comments) that a change of audience would keep from new readers
    unless the author opens them: what the edit and publish forms tell the author."""
    versions = db.session.scalar(select(func.count()).select_from(PostRevision).where(PostRevision.post_id == post.id))
    comments = (
        db.session.scalar(
            select(func.count()).select_from(Comment).where(Comment.post_id == post.id, Comment.deleted_at.is_(None))
        )
        if post.is_draft
        else 0
    )
    return versions or 0, comments or 0
