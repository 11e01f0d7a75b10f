"""Read receipts: the one write a GET makes.

A signed-in viewer who may read a post's body (in its audience, terms accepted) and
opens it records a visit: first and last time, and the visit before the last. Gated and
hidden posts never reach here (their fetch answers a gate or 404 first), so nothing is
recorded for them.

"New since your last visit" marks the comments written, by others, after the last view
recorded (`last_read_at`). A view is recorded (one constant upsert, committed after the
page) when it is the first, when the last recorded one is more than `VISIT` old, or when
it marks something new (so that a reload does not mark it again). Any other view (a reload
that shows nothing new) writes and commits nothing: it only reads the receipt, one
statement, as the upsert was. The marks are those of recording every view: a view left
unrecorded marked nothing, so comparing with its time or with the last recorded one marks
the same comments on the page it showed (a comment on another page of a long thread,
written meanwhile, stays new until a view shows it). The front page's "N new" compares
with the same time. What the window changes: the author's audit may show a reader's last
read up to `VISIT` earlier than their last reload.

API reads of a post count too: the audit promises an author who read their post, and
a token would otherwise be a way to read it unseen.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import after_this_request, has_request_context
from sqlalchemy import Integer, bindparam, select

from forum.extensions import db
from forum.infra.rows import rows
from forum.infra.upsert import insert_for
from forum.models import Post, PostRead, PostTerms, User, is_signed_in
from forum.models._time import utcnow


@dataclass(frozen=True)
class Visit:
    """A signed-in reader's view of a post they may read in full, before it is recorded."""

    reader_id: int
    post_id: int
    since: datetime | None  # the last view recorded: comments written after it are new (None: a first visit)
    recent: bool  # recorded less than `VISIT` ago: this view need not be, unless it marks something new


# Views closer than this to the last recorded one are recorded only if they mark something new.
VISIT = timedelta(minutes=5)

_LAST_VIEW = select(PostRead.last_read_at).where(
    PostRead.user_id == bindparam("reader", type_=Integer), PostRead.post_id == bindparam("read_post", type_=Integer)
)


def open_visit(viewer: User | None, post: Post, gate: PostTerms | None = None) -> Visit | None:
    """The viewer's visit to `post`, already fetched through visibility with no terms `gate`
    left; None when nothing is recorded (signed out, gated, deleted). One statement."""
    if not is_signed_in(viewer) or gate is not None or post.is_deleted:
        return None
    since = rows(_LAST_VIEW, {"reader": viewer.id, "read_post": post.id}).scalar()  # plain rows: infra/rows.py
    return Visit(viewer.id, post.id, since, since is not None and since > utcnow() - VISIT)


def record_visit(visit: Visit | None, *, marked_new: bool) -> None:
    """Record the view (module docstring says when): `marked_new`, it showed a comment as new."""
    if visit is None or (visit.recent and not marked_new):
        return
    values = {"reader": visit.reader_id, "read_post": visit.post_id, "read_at": utcnow()}
    db.session.execute(_receipt_statement(), values)
    _commit_after_page()


def record_read(viewer: User | None, post: Post, gate: PostTerms | None = None) -> datetime | None:
    """Open and record a visit that shows no comments (an API read). Returns its `since`."""
    visit = open_visit(viewer, post, gate)
    record_visit(visit, marked_new=False)
    return visit.since if visit is not None else None


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
        )
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
