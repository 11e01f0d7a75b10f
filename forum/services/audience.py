"""Turning what an author typed into an audience of stable ids."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import delete, select

from forum import visibility
from forum.extensions import db
from forum.models import AUDIENCE_KINDS, DraftShare, Group, PlannedAudience, Post, PostAudience, User
from forum.models.principals import user_token
from forum.models.user import normalize_username
from forum.services import history
from forum.services.errors import ServiceError


@dataclass(frozen=True)
class Audience:
    kind: str
    user_ids: frozenset[int] = field(default_factory=frozenset)
    group_ids: frozenset[int] = field(default_factory=frozenset)


PUBLIC = Audience("public")
# What the second step before publishing to Public says (templates/posts/_confirm_public.html, the API's refusal).
PUBLIC_MEANS = (
    "Public means anyone on the internet, signed in or not: search engines, feed readers and people you have "
    "never met can read it, and what is public once may have been copied before you narrow it."
)


def _names(raw: str | list[str]) -> list[str]:
    parts = raw.replace(",", " ").split() if isinstance(raw, str) else raw
    return list(dict.fromkeys(p.strip().lstrip("@").lower() for p in parts if p.strip()))


def resolve_audience(
    author: User, kind: str, usernames: str | list[str] = "", group_slugs: str | list[str] = ""
) -> Audience:
    """Validate an audience choice. Unknown names and groups the author may not see get
    the same message, so the picker cannot be used to probe for unlisted groups."""
    if kind not in AUDIENCE_KINDS:
        raise ServiceError("Choose who can read this post.", field="audience")
    if kind != "restricted":
        return Audience(kind)
    names = [normalize_username(n) for n in _names(usernames)]
    slugs = _names(group_slugs)
    users = {
        u.username: u.id
        for u in db.session.scalars(select(User).where(User.username.in_(names), User.deleted_at.is_(None)))
    }
    missing_users = [n for n in names if n not in users]
    if missing_users:
        raise ServiceError(f"No user named {', '.join(missing_users)}.", field="audience_users")
    groups = {g.slug: g.id for g in db.session.scalars(visibility.visible_groups(author).where(Group.slug.in_(slugs)))}
    missing_groups = [s for s in slugs if s not in groups]
    if missing_groups:
        raise ServiceError(f"No group named {', '.join(missing_groups)}.", field="audience_groups")
    user_ids = frozenset(users.values()) - {author.id}
    group_ids = frozenset(groups.values())
    if not user_ids and not group_ids:
        raise ServiceError(
            "A restricted post needs at least one other person or group. Nothing was made public.",
            field="audience_users",
        )
    return Audience("restricted", user_ids, group_ids)


def apply_audience(post: Post, audience: Audience, *, open_history: bool = False) -> None:
    """Replace the post's audience rows (no commit). Its co-authors are always in it.

    A draft keeps the choice in `post_planned_audience` and is read by its draft readers
    only, until `publish` (services/drafts.py) applies the choice. When a published post's
    readers change, its earlier versions keep the readers they had (services/history.py),
    unless the author chose `open_history`.
    """
    tokens = visibility.audience_tokens(
        post.author_id,
        audience.kind,
        audience.user_ids,
        audience.group_ids,
        (u.id for u in post.coauthors),
    )
    post.audience_kind = audience.kind
    if post.is_draft:
        if post.id is None:
            db.session.add(post)
            db.session.flush()
        db.session.execute(delete(PlannedAudience).where(PlannedAudience.post_id == post.id))
        db.session.add_all(PlannedAudience(post_id=post.id, principal=token) for token in sorted(tokens))
        tokens = draft_reader_tokens(post)
    current = {row.principal: row for row in post.audience}
    if not post.is_draft and post.id is not None and tokens != current.keys():
        if open_history:
            history.open_to_post(post)
        else:
            history.keep_with(post, current.keys())
    for token, row in current.items():
        if token not in tokens:
            post.audience.remove(row)
    for token in tokens - current.keys():
        post.audience.append(PostAudience(principal=token))


def draft_reader_tokens(post: Post) -> set[str]:
    """Who reads a draft: its authors and the people it is shared with."""
    shared: Iterable[int] = (
        db.session.scalars(select(DraftShare.user_id).where(DraftShare.post_id == post.id)) if post.id else []
    )
    return {user_token(uid) for uid in (*post.author_ids, *shared)}


def audience_of(post: Post) -> Audience:
    """The post's audience as the author's editing form needs it (a draft's: the planned one)."""
    user_ids, group_ids = set(), set()
    principals: Iterable[str]
    if post.is_draft:
        principals = db.session.scalars(select(PlannedAudience.principal).where(PlannedAudience.post_id == post.id))
    else:
        principals = (row.principal for row in post.audience)
    for principal in principals:
        prefix, _, ident = principal.partition(":")
        if prefix == "user" and int(ident) not in post.author_ids:
            user_ids.add(int(ident))
        elif prefix == "group":
            group_ids.add(int(ident))
    return Audience(post.audience_kind, frozenset(user_ids), frozenset(group_ids))
