"""Plain rows of a statement that selects columns, never entities: run on the session's
connection, not through the ORM.

`db.session.execute` hands any statement over mapped columns to the ORM, which sets up a
loader for every column of the result on each call, then builds its rows through them: for a
front page's cards (20 rows of 11 columns) and their authors and tags (60 rows), about a
third of what the two statements cost (bench/README.md, "Issue 23, fifth round"). Here the
same statement runs on the same connection and transaction as the session (the same
snapshot, the request's own writes, flushed first as the session would), through the
engine's events like any other (the statement counts), and returns the same `Row`s: by
position and by name, with each column's type applied.

For column statements only: an entity (`select(Post)`) would come back as a row of its
columns, not as an object.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, Executable

from forum.extensions import db


def rows(statement: Executable, params: dict[str, Any] | None = None) -> CursorResult[Any]:
    """The statement's result, as the session would see it."""
    session = db.session
    if session.autoflush:
        session.flush()  # as session.execute would: the request's own pending writes count
    return session.connection().execute(statement, params)
