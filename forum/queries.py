"""Listings. Each returns a `Select` built on `visibility`; callers paginate it."""
from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from . import visibility
from .models import Comment, Group, Post, PostAudience, Tag, User
from .models.post import post_tags

SORTS = ("new",)


def front_page(viewer: User | None, sort: str = "new", tag: Tag | None = None) -> Select[tuple[Post]]:
    query = visibility.visible_posts(viewer)
    if tag is not None:
        query = query.where(Post.id.in_(select(post_tags.c.post_id).where(post_tags.c.tag_id == tag.id)))
    return query.order_by(Post.created_at.desc(), Post.id.desc())


def posts_by(viewer: User | None, author: User) -> Select[tuple[Post]]:
    return (
        visibility.visible_posts(viewer)
        .where(Post.author_id == author.id)
        .order_by(Post.created_at.desc(), Post.id.desc())
    )


def comments_by(viewer: User | None, author: User) -> Select[tuple[Comment]]:
    return (
        visibility.visible_comments(viewer)
        .where(Comment.author_id == author.id, Comment.deleted_at.is_(None))
        .options(selectinload(Comment.post))  # each card names its post
        .order_by(Comment.created_at.desc(), Comment.id.desc())
    )


def posts_shared_with_group(viewer: User | None, group: Group) -> Select[tuple[Post]]:
    shared = select(PostAudience.post_id).where(PostAudience.principal == visibility.group_token(group.id))
    return (
        visibility.visible_posts(viewer)
        .where(Post.id.in_(shared))
        .order_by(Post.created_at.desc(), Post.id.desc())
    )


def tags_with_counts(viewer: User | None, prefix: str = "") -> Select:
    query = visibility.visible_tags(viewer)
    if prefix:
        query = query.where(Tag.name.startswith(prefix.lower(), autoescape=True))
    return query.order_by(func.count(Post.id).desc(), Tag.name)


def comments_of_post(post: Post) -> Select[tuple[Comment]]:
    """All comments of a post the caller has already fetched through visibility."""
    return select(Comment).where(Comment.post_id == post.id).order_by(Comment.created_at, Comment.id)
