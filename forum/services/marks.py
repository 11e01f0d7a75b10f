"""Turning marked copies on and off (forum/queries/marked_copies.py gives out the copies)."""

from __future__ import annotations

from forum.extensions import db
from forum.models import Post, User, is_signed_in
from forum.search import indexing
from forum.services.errors import ServiceError


def set_marking(post: Post, author: User, on: bool) -> None:
    """Turn marking on or off. Only an author, only for a restricted post."""
    if not is_signed_in(author) or author.id not in post.author_ids:
        raise ServiceError("Only the post's authors choose whether copies are marked.", status=403)
    if on and post.audience_kind != "restricted":
        raise ServiceError("Only a restricted post's copies can be marked: choose its readers first.")
    post.marks_copies = on
    db.session.commit()
    indexing.post_changed(post.id)  # a marked post is indexed with every form (rendering/marks.index_text)
