"""Search through the app: documents from the database, the viewer's own audience, and
an index kept true by every service that changes what it holds."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from forum import indexing, search_service
from forum.extensions import db
from forum.models import User
from forum.services import comments as comment_service, groups as group_service, moderation, posts as post_service
from forum.services.audience import Audience
from tests.conftest import login, make_comment, make_group, make_post, make_user


def hits(viewer, text, **filters):
    found = search_service.search(viewer, text, per_page=100, **filters)
    return {(r.kind, r.comment.id if r.comment else r.post.id) for r in found.items}, found.total


def test_a_post_and_its_comment_are_found_by_readers_only(app):
    author, reader, outsider = make_user(), make_user(), make_user()
    post = make_post(author, "Quokka circuits", "The zyzzyva feature fires here.", audience="restricted", users=(reader,))
    comment = make_comment(reader, post, "A zyzzyva reply.")
    assert hits(reader, "zyzzyva") == ({("post", post.id), ("comment", comment.id)}, 2)
    assert hits(author, "quokka") == ({("post", post.id)}, 1)
    assert hits(outsider, "zyzzyva") == (set(), 0)
    assert hits(None, "zyzzyva") == (set(), 0)
