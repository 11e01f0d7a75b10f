"""Profiles, and a person's posts and comments as the caller may read them."""

from __future__ import annotations

from flask_login import current_user
from sqlalchemy import func, select

from forum.api import bp, serialize
from forum.api.inputs import page
from forum.api.openapi import PAGE_PARAMS, operation
from forum.api.schemas import page_of, ref
from forum.extensions import db
from forum.queries import listings
from forum.queries.users import user_named_or_404


def _count(query) -> int:
    return db.session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


@bp.get("/users/<username>")
@operation("A profile; its counts are of what the caller may read", tag="users", response=ref("User"))
def user(username: str):
    person = user_named_or_404(username)
    return serialize.user(
        person,
        post_count=_count(listings.posts_by(current_user, person)),
        comment_count=_count(listings.comments_by(current_user, person)),
    )


@bp.get("/users/<username>/posts")
@operation(
    "A person's posts that the caller may read, newest first",
    tag="users",
    response=page_of(ref("PostSummary")),
    params=PAGE_PARAMS,
)
def user_posts(username: str):
    person = user_named_or_404(username)
    return page(listings.posts_by(current_user, person), lambda posts: serialize.post_summaries(current_user, posts))


@bp.get("/users/<username>/comments")
@operation(
    "A person's comments that the caller may read, newest first",
    tag="users",
    response=page_of(ref("Comment")),
    params=PAGE_PARAMS,
)
def user_comments(username: str):
    person = user_named_or_404(username)
    return page(
        listings.comments_by(current_user, person),
        lambda comments: serialize.comments(current_user, comments),
    )
