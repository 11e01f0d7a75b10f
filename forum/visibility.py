"""THE read rule. Every page, listing, count, feed and search result decides what a
viewer may read through this module, so the rule lives in one place.

A viewer is a set of principal tokens (`public`, `members`, `user:<id>`, `group:<id>`);
a post's audience is a set of tokens in `post_audience`; a viewer reads a post when
the two sets meet. Comments are readable exactly when their post is. The same tokens
go into the search index, written by `audience_tokens`.

Tokens are read from the database on every request (cached only for that request),
so leaving a group or a narrowed audience takes effect on the very next request.
"""
from __future__ import annotations

from typing import Iterable

from flask import abort, has_request_context, request
from sqlalchemy import ColumnElement, Select, and_, exists, func, or_, select

from .extensions import db
from .models import Comment, Group, Membership, Post, PostAudience, Tag, User
from .models.post import post_tags

PUBLIC = "public"
MEMBERS = "members"


def user_token(user_id: int) -> str:
    return f"user:{user_id}"


def group_token(group_id: int) -> str:
    return f"group:{group_id}"


def _signed_in(viewer: User | None) -> bool:
    return viewer is not None and bool(getattr(viewer, "is_authenticated", False))


def principals(viewer: User | None) -> frozenset[str]:
    """The tokens a viewer holds right now."""
    if not _signed_in(viewer):
        return frozenset({PUBLIC})
    cache = _request_cache()
    if viewer.id not in cache:
        group_ids = db.session.scalars(
            select(Membership.group_id).where(Membership.user_id == viewer.id)
        ).all()
        cache[viewer.id] = frozenset(
            {PUBLIC, MEMBERS, user_token(viewer.id), *(group_token(gid) for gid in group_ids)}
        )
    return cache[viewer.id]


_CACHE_KEY = "forum.principals"


def _request_cache() -> dict:
    """A memo that lives exactly as long as one request. Not `g`: an application context
    can outlive many requests (the test client inside a pushed context, shells, workers),
    and a memo kept there lets a removed member go on reading."""
    if not has_request_context():
        return {}
    return request.environ.setdefault(_CACHE_KEY, {})


def forget_principals() -> None:
    """Drop the per-request cache after a membership change inside the same request."""
    if has_request_context():
        request.environ.pop(_CACHE_KEY, None)


def audience_tokens(author_id: int, kind: str, user_ids: Iterable[int], group_ids: Iterable[int]) -> set[str]:
    """The tokens stored for an audience choice. The author can always read their post."""
    tokens = {user_token(author_id)}
    if kind == "public":
        tokens.add(PUBLIC)
    elif kind == "members":
        tokens.add(MEMBERS)
    else:
        tokens.update(user_token(uid) for uid in user_ids)
        tokens.update(group_token(gid) for gid in group_ids)
    return tokens


# --- posts -----------------------------------------------------------------------------


def readable(viewer: User | None, post_id_column=Post.id) -> ColumnElement[bool]:
    """SQL: the post in `post_id_column` has an audience token the viewer holds."""
    return exists().where(
        PostAudience.post_id == post_id_column,
        PostAudience.principal.in_(principals(viewer)),
    )


def listed(viewer: User | None) -> ColumnElement[bool]:
    """SQL: the post may appear in listings and counts for the viewer (readable, not deleted)."""
    return and_(readable(viewer), Post.deleted_at.is_(None))


def visible_posts(viewer: User | None) -> Select[tuple[Post]]:
    """Every listing of posts starts here."""
    return select(Post).where(listed(viewer))


def can_read_post(viewer: User | None, post_id: int) -> bool:
    return bool(db.session.scalar(select(readable(viewer)).select_from(Post).where(Post.id == post_id)))


def get_post_or_404(post_id: int, viewer: User | None) -> Post:
    """The single-object check: the listing clause applied to one id.

    A post the viewer may not read answers 404, exactly like one that never existed.
    A deleted post is still returned so its page can say it was deleted.
    """
    post = db.session.scalar(select(Post).where(Post.id == post_id, readable(viewer)))
    if post is None:
        abort(404)
    return post


# --- comments --------------------------------------------------------------------------


def visible_comments(viewer: User | None) -> Select[tuple[Comment]]:
    """Comments on posts the viewer may list: a comment inherits its post's audience."""
    return select(Comment).join(Post, Comment.post_id == Post.id).where(listed(viewer))


def get_comment_or_404(comment_id: int, viewer: User | None) -> Comment:
    comment = db.session.scalar(
        select(Comment)
        .join(Post, Comment.post_id == Post.id)
        .where(Comment.id == comment_id, readable(viewer), Post.deleted_at.is_(None))
    )
    if comment is None:
        abort(404)
    return comment


# --- tags ------------------------------------------------------------------------------


def visible_tags(viewer: User | None) -> Select:
    """(Tag, count of listed posts) for tags on at least one post the viewer may list.

    A tag used only on restricted posts does not exist for an outsider.
    """
    n_posts = func.count(Post.id).label("n_posts")
    return (
        select(Tag, n_posts)
        .join(post_tags, post_tags.c.tag_id == Tag.id)
        .join(Post, Post.id == post_tags.c.post_id)
        .where(listed(viewer))
        .group_by(Tag.id)
    )


# --- groups ----------------------------------------------------------------------------


def visible_group_clause(viewer: User | None) -> ColumnElement[bool]:
    """SQL: listed groups, plus unlisted groups the viewer belongs to."""
    if not _signed_in(viewer):
        return Group.listed.is_(True)
    member_of = exists().where(Membership.group_id == Group.id, Membership.user_id == viewer.id)
    return or_(Group.listed.is_(True), member_of)


def visible_groups(viewer: User | None) -> Select[tuple[Group]]:
    return select(Group).where(visible_group_clause(viewer))


def get_group_or_404(slug: str, viewer: User | None) -> Group:
    group = db.session.scalar(select(Group).where(Group.slug == slug, visible_group_clause(viewer)))
    if group is None:
        abort(404)
    return group


def can_see_members(viewer: User | None, group: Group) -> bool:
    """Member lists of listed groups are open to signed-in users; unlisted ones to members only."""
    if not _signed_in(viewer):
        return False
    return group.listed or group_token(group.id) in principals(viewer)


def describe_audience(viewer: User | None, post: Post) -> dict:
    """What the post page may say about its audience to this viewer.

    The author sees every entry; other readers see the users, and the groups they
    may see, with "others" standing for the groups they may not, so an unlisted
    group is never named to a non-member.
    """
    tokens = {a.principal for a in post.audience}
    user_ids = [int(t.split(":")[1]) for t in tokens if t.startswith("user:")]
    group_ids = [int(t.split(":")[1]) for t in tokens if t.startswith("group:")]
    users = db.session.scalars(select(User).where(User.id.in_(user_ids)).order_by(User.username)).all()
    is_author = _signed_in(viewer) and viewer.id == post.author_id
    all_groups = db.session.scalars(select(Group).where(Group.id.in_(group_ids)).order_by(Group.name)).all()
    if is_author:
        shown = list(all_groups)
    else:
        seen = set(db.session.scalars(
            select(Group.id).where(Group.id.in_(group_ids), visible_group_clause(viewer))
        ))
        shown = [grp for grp in all_groups if grp.id in seen]
    return {
        "kind": post.audience_kind,
        "users": [u for u in users if u.id != post.author_id],
        "groups": shown,
        "others": len(shown) < len(all_groups),
    }
