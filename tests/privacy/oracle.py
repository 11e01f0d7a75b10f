"""Instruments for proving the promise from outside: database snapshots and the
comparison of a hidden object's response with a missing one's."""

from __future__ import annotations

import re
from urllib.parse import quote

from forum.extensions import db
from tests.factories import CSRF_VALUE

# Ids no test world ever reaches: the "never existed" side of every comparison.
MISSING_POST = 987_654
MISSING_COMMENT = 876_543


def db_snapshot(skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table (but those in `skip`), through the session so unflushed
    or uncommitted changes made by a request show up too.

    Read on the session's own driver connection, past SQLAlchemy: a privacy test snapshots
    before and after each of its hundred-odd probes, and fifty-odd statements per snapshot
    made it the larger part of those tests (on PostgreSQL a round trip each: one script of
    them all instead). The rows come as the driver gives them, without SQLAlchemy's type
    conversion, which tells two snapshots apart at least as well."""
    tables = [table.name for table in db.metadata.sorted_tables if table.name not in skip]
    cursor = db.session.connection().connection.cursor()
    try:
        if db.session.get_bind().dialect.name == "postgresql":
            cursor.execute("; ".join(f'SELECT * FROM "{name}"' for name in tables))
            results = []
            for _ in tables:
                results.append(cursor.fetchall())
                cursor.nextset()
        else:  # SQLite's driver runs one statement per call
            results = [cursor.execute(f'SELECT * FROM "{name}"').fetchall() for name in tables]
    finally:
        cursor.close()
    return {name: sorted((tuple(row) for row in rows), key=repr) for name, rows in zip(tables, results, strict=True)}


def normalized(response, *object_paths: str) -> tuple:
    """What a requester can observe, with only the requested object's own URL (raw or
    percent-encoded, e.g. in a sign-in `next=`) and per-request CSRF tokens blanked."""
    body = response.get_data(as_text=True)
    location = response.headers.get("Location", "")
    for path in object_paths:
        for form in (path, quote(path, safe=""), quote(path)):
            pattern = re.compile(re.escape(form) + r"(?!\d)")
            body = pattern.sub("<URL>", body)
            location = pattern.sub("<URL>", location)
    body = CSRF_VALUE.sub(r"\1<CSRF>\2", body)
    return response.status_code, response.mimetype, location, body


def session_of(client) -> dict:
    with client.session_transaction() as session:
        return {k: v for k, v in session.items() if k != "csrf_token"}


def restore_session(client, saved: dict) -> None:
    with client.session_transaction() as session:
        token = session.get("csrf_token")
        session.clear()
        session.update(saved)
        if token:
            session["csrf_token"] = token
