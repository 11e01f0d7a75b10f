"""Drafts: sharing them with chosen readers, publishing them; and a post's co-authors.

A draft's `post_audience` rows are its readers (authors and sharees, see
`audience.draft_reader_tokens`), so every share, unshare or change of authors rewrites
them in the same transaction and the next request already reads the new rule.
"""

from __future__ import annotations

from sqlalchemy import delete, select

from forum import permissions, visibility
from forum.extensions import db
from forum.models import DRAFT_ROLES, DraftShare, PlannedAudience, Post, User
from forum.models._time import utcnow
from forum.models.user import normalize_username
from forum.search import indexing
from forum.services import history, notifications, votes
from forum.services.audience import Audience, apply_audience, audience_of
from forum.services.errors import ServiceError
from forum.services.guards import ensure_can_write

MAX_COAUTHORS = 10


def _users_named(raw: str | list[str], field: str) -> list[User]:
    parts = raw.replace(",", " ").split() if isinstance(raw, str) else raw
    names = list(dict.fromkeys(normalize_username(p.strip().lstrip("@")) for p in parts if p.strip()))
    found = {
        u.username: u
        for u in db.session.scalars(select(User).where(User.username.in_(names), User.deleted_at.is_(None)))
    }
    missing = [n for n in names if n not in found]
    if missing:
        raise ServiceError(f"No user named {', '.join(missing)}.", field=field)
    return [found[n] for n in names]


def resolve_coauthors(author: User, raw: str | list[str]) -> list[User]:
    users = [u for u in _users_named(raw or "", "coauthors") if u.id != author.id]
    if len(users) > MAX_COAUTHORS:
        raise ServiceError(f"A post has at most {MAX_COAUTHORS} co-authors.", field="coauthors")
    return users


def set_coauthors(post: Post, coauthors: list[User]) -> None:
    """Replace the co-authors (no commit). Their tokens join the audience (the caller applies
    it next) and the karma of everyone who was or is an author follows (docs/karma.md)."""
    before = set(post.author_ids)
    post.coauthors = list(coauthors)
    if post.id is not None and before != post.author_ids:
        db.session.flush()
        votes.refresh_karma_for_users(before | post.author_ids)


def coauthor_names(post: Post) -> str:
    return ", ".join(u.username for u in post.coauthors)


# --- sharing ------------------------------------------------------------------------------


def _ensure_draft_author(post: Post, actor: User) -> None:
    ensure_can_write(actor, "post")
    if not permissions.can_change_authors(actor, post):
        raise ServiceError("Only the authors share and publish a draft.", status=403)
    if not post.is_draft:
        raise ServiceError("This post is published; change who reads it in its audience.", status=409)


def _refresh_readers(post: Post) -> None:
    apply_audience(post, audience_of(post))


def share_draft(post: Post, actor: User, username: str | None, role: str) -> DraftShare:
    _ensure_draft_author(post, actor)
    if role not in DRAFT_ROLES:
        raise ServiceError("Choose read, comment or edit.", field="role")
    named = _users_named(username or "", "username")
    if len(named) != 1:
        raise ServiceError("Name one person to share the draft with.", field="username")
    (user,) = named
    if user.id in post.author_ids:
        raise ServiceError(f"{user.username} is an author of this draft already.", field="username")
    share = db.session.get(DraftShare, (post.id, user.id))
    if share is None:
        share = DraftShare(post_id=post.id, user_id=user.id, role=role)
        db.session.add(share)
        db.session.flush()
        notifications.draft_shared(post, actor, user.id)  # a change of role alone tells nobody again
    share.role = role
    db.session.flush()
    _refresh_readers(post)
    db.session.commit()
    return share


def unshare_draft(post: Post, actor: User, user_id: int) -> None:
    _ensure_draft_author(post, actor)
    db.session.execute(delete(DraftShare).where(DraftShare.post_id == post.id, DraftShare.user_id == user_id))
    _refresh_readers(post)
    db.session.commit()


def shares(viewer: User | None, post: Post) -> list[DraftShare]:
    """Whom the draft is shared with, and how: for its authors only (empty for anyone else)."""
    if not permissions.can_change_authors(viewer, post):
        return []
    return list(
        db.session.scalars(
            select(DraftShare)
            .join(User, User.id == DraftShare.user_id)
            .where(DraftShare.post_id == post.id)
            .order_by(User.username)
        )
    )


def publish(post: Post, actor: User, *, open_history: bool = False) -> Post:
    """The draft goes to the audience chosen for it. Its shares end (the audience decides
    now) and its clock starts: created_at is the publication time ranking counts from.

    Its published history starts too: the draft's earlier versions and its reviewers'
    comments stay with the draft's readers, unless the authors chose `open_history`."""
    _ensure_draft_author(post, actor)
    chosen: Audience = audience_of(post)
    if open_history:
        history.open_to_post(post, comments=True)
    else:
        history.keep_with(post, {row.principal for row in post.audience}, comments=True)
    post.is_draft = False
    db.session.execute(delete(DraftShare).where(DraftShare.post_id == post.id))
    db.session.execute(delete(PlannedAudience).where(PlannedAudience.post_id == post.id))
    apply_audience(post, chosen, open_history=open_history)
    post.created_at = utcnow()
    post.edited_at = None
    db.session.flush()
    votes.refresh_karma_for_post(post)
    notifications.post_published(post)
    db.session.commit()
    indexing.post_changed(post.id)
    return post


def drafts_for(viewer: User) -> list[tuple[Post, str]]:
    """The Drafts page: (draft, the viewer's role on it)."""
    posts = db.session.scalars(visibility.visible_drafts(viewer)).all()
    roles = dict(
        db.session.execute(select(DraftShare.post_id, DraftShare.role).where(DraftShare.user_id == viewer.id))
        .tuples()
        .all()
    )
    return [(post, "author" if viewer.id in post.author_ids else roles.get(post.id, "read")) for post in posts]
