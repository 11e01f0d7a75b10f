"""What the author of a restricted post may learn about its readers (read receipts are
shown to the post's authors only: `permissions.can_see_acceptances`)."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from forum import permissions, visibility
from forum.extensions import db
from forum.models import AccessRequest, Membership, Post, PostAudience, PostListing, PostRead, User
from forum.models.principals import group_token


def reads_of(viewer: User | None, post: Post) -> list[PostRead]:
    """Who opened the post and when, most recent first; the author's own visits left out.
    Empty for anyone but the post's authors."""
    if not permissions.can_see_acceptances(viewer, post):
        return []
    return list(
        db.session.scalars(
            select(PostRead)
            .options(selectinload(PostRead.user))
            .where(PostRead.post_id == post.id, PostRead.user_id != post.author_id)
            .order_by(PostRead.last_read_at.desc(), PostRead.user_id)
        )
    )


def requests_of(viewer: User | None, post: Post) -> list[AccessRequest]:
    """Every request for access, pending first, then newest. Empty for anyone but the post's authors."""
    if not permissions.can_see_acceptances(viewer, post):
        return []
    return list(
        db.session.scalars(
            select(AccessRequest)
            .options(selectinload(AccessRequest.user))
            .where(AccessRequest.post_id == post.id)
            .order_by((AccessRequest.status != "pending"), AccessRequest.created_at.desc(), AccessRequest.id.desc())
        )
    )


def requests_to_decide(user: User) -> list[AccessRequest]:
    """Pending requests the user may decide: on their posts, and on posts shared with a
    group they own or administer (`permissions.can_decide_access`), among posts they can
    read. Bounded: the managed groups, then the requests with their people and posts."""
    managed = db.session.scalars(
        select(Membership.group_id).where(Membership.user_id == user.id, Membership.role.in_(("owner", "admin")))
    ).all()
    tokens = select(PostAudience.post_id).where(PostAudience.principal.in_([group_token(g) for g in managed]))
    return list(
        db.session.scalars(
            select(AccessRequest)
            .join(Post, Post.id == AccessRequest.post_id)
            .options(selectinload(AccessRequest.user), selectinload(AccessRequest.post))
            .where(
                AccessRequest.status == "pending",
                visibility.listed(user),  # the whole rule: a removed post's requests leave with it
                or_(Post.author_id == user.id, Post.id.in_(tokens)),
            )
            .order_by(AccessRequest.created_at, AccessRequest.id)
        )
    )


def listing_of(viewer: User | None, post: Post) -> PostListing | None:
    """The post's listing (its abstract), for its authors' audit and listing pages; None for
    anyone else, who sees a listing card only through `visibility.discoverable`."""
    if not permissions.can_see_acceptances(viewer, post):
        return None
    return db.session.get(PostListing, post.id)


def pending_request_ids(viewer: User | None, post_ids: Iterable[int]) -> set[int]:
    """Of these posts, those the viewer asked to read and is still waiting for."""
    ids = set(post_ids)
    if not ids or viewer is None or not viewer.is_authenticated:
        return set()
    return set(
        db.session.scalars(
            select(AccessRequest.post_id).where(
                AccessRequest.post_id.in_(ids),
                AccessRequest.user_id == viewer.id,
                AccessRequest.status == "pending",
            )
        )
    )


def shows_audit_notice(viewer: User | None, post: Post) -> bool:
    """Readers of a restricted post are told that its author sees who opened it."""
    return post.audience_kind == "restricted" and not permissions.can_see_acceptances(viewer, post)
