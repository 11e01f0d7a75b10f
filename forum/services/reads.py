"""Read receipts: the one write a GET makes.

A signed-in viewer who may read a post's body (in its audience, terms accepted) and
opens it records a visit: first and last time, and the visit before the last, which is
what "new since your last visit" compares comments with. One constant upsert per
visit, so a page's statement count does not grow. Gated and hidden posts never reach
here (their fetch answers a gate or 404 first), so nothing is recorded for them.

API reads of a post count too: the audit promises an author who read their post, and
a token would otherwise be a way to read it unseen.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import after_this_request, has_request_context
from sqlalchemy import Integer, bindparam, select

from forum.extensions import db
from forum.infra.upsert import insert_for
from forum.models import Post, PostRead, PostTerms, User, is_signed_in
from forum.models._time import utcnow


def record_read(viewer: User | None, post: Post, gate: PostTerms | None = None) -> datetime | None:
    """Record that `viewer` opened `post`, already fetched through visibility with no
    terms `gate` left. Returns the previous visit's time (None: first visit, or nothing
    recorded)."""
    if not is_signed_in(viewer) or gate is not None or post.is_deleted:
        return None
    now = utcnow()
    values = {"reader": viewer.id, "read_post": post.id, "read_at": now}
    previous = db.session.execute(_receipt_statement(), values).scalar_one()
    _commit_after_page()
    return previous


_receipts: dict[str, Any] = {}


def _receipt_statement() -> Any:
    """The upsert, built once per dialect with its values as bound parameters, on the table
    rather than the mapped class: built per page view, and through the ORM's bulk-insert
    path, it cost SQLAlchemy more than the database took to run it."""
    dialect = db.engine.dialect.name
    statement = _receipts.get(dialect)
    if statement is None:
        reads = PostRead.__table__.c
        now = bindparam("read_at", type_=reads.last_read_at.type)
        insert = insert_for(PostRead.__table__).values(
            user_id=bindparam("reader", type_=Integer),
            post_id=bindparam("read_post", type_=Integer),
            first_read_at=now,
            last_read_at=now,
            previous_read_at=None,
        )
        statement = _receipts[dialect] = insert.on_conflict_do_update(
            index_elements=[reads.user_id, reads.post_id],
            # SET reads the row as it was: the old last visit becomes the previous one.
            set_={"previous_read_at": reads.last_read_at, "last_read_at": now},
        ).returning(reads.previous_read_at)
    return statement


def _commit_after_page() -> None:
    """Commit once the page is rendered: committing now would expire every object the
    page already loaded and cost a reload of each."""
    if not has_request_context():
        db.session.commit()
        return

    @after_this_request
    def commit(response):
        db.session.commit()
        return response


def last_reads(viewer: User | None, post_ids: list[int]) -> dict[int, datetime]:
    """The viewer's last visit to each of these posts (one query)."""
    if not is_signed_in(viewer) or not post_ids:
        return {}
    return dict(
        db.session.execute(
            select(PostRead.post_id, PostRead.last_read_at).where(
                PostRead.user_id == viewer.id, PostRead.post_id.in_(post_ids)
            )
        )
        .tuples()
        .all()
    )
