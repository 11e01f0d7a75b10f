"""Who agreed to which usage terms: the author's list for a post, and the reader's own."""

from __future__ import annotations

from sqlalchemy import select

from forum import permissions, visibility
from forum.extensions import db
from forum.models import Post, TermsAcceptance, User


def acceptances_of(viewer: User | None, post: Post) -> list[TermsAcceptance]:
    """Who accepted which version of the post's terms, newest first. Empty for anyone but
    the post's authors (`permissions.can_see_acceptances`)."""
    if not permissions.can_see_acceptances(viewer, post):
        return []
    return list(
        db.session.scalars(
            select(TermsAcceptance)
            .where(TermsAcceptance.post_id == post.id)
            .order_by(TermsAcceptance.version.desc(), TermsAcceptance.accepted_at.desc(), TermsAcceptance.id.desc())
        )
    )


def accepted_by(viewer: User) -> list[tuple[TermsAcceptance, Post | None]]:
    """Everything the viewer agreed to, newest first, each with its post only while they
    may still list it: an audience narrowed since, or a removal, leaves the post unnamed."""
    acceptances = list(
        db.session.scalars(
            select(TermsAcceptance)
            .where(TermsAcceptance.user_id == viewer.id)
            .order_by(TermsAcceptance.accepted_at.desc(), TermsAcceptance.id.desc())
        )
    )
    post_ids = {a.post_id for a in acceptances}
    listed = (
        {p.id: p for p in db.session.scalars(visibility.visible_posts(viewer).where(Post.id.in_(post_ids)))}
        if post_ids
        else {}
    )
    return [(a, listed.get(a.post_id)) for a in acceptances]
