"""Instruments for proving the promise from outside: database snapshots and the
comparison of a hidden object's response with a missing one's."""

from __future__ import annotations

import re
from urllib.parse import quote

from sqlalchemy import select

from forum.extensions import db

# Ids no test world ever reaches: the "never existed" side of every comparison.
MISSING_POST = 987_654
MISSING_COMMENT = 876_543

_CSRF_VALUE = re.compile(r'(name="csrf_token"[^>]*?value=")[^"]*(")')


def db_snapshot(skip: tuple[str, ...] = ()) -> dict[str, list[tuple]]:
    """Every row of every table (but those in `skip`), through the session so unflushed
    or uncommitted changes made by a request show up too."""
    tables = [table for table in db.metadata.sorted_tables if table.name not in skip]
    if db.session.get_bind().dialect.name == "postgresql":
        return dict(zip((table.name for table in tables), _postgres_rows(tables), strict=True))
    return {table.name: sorted((tuple(row) for row in db.session.execute(select(table))), key=repr) for table in tables}


def _postgres_rows(tables) -> list[list[tuple]]:
    """The same reads in one round trip: a privacy test snapshots before and after each of
    its hundred-odd probes, and fifty-odd round trips per snapshot made those tests twice as
    slow on PostgreSQL as on SQLite. The rows come as the driver gives them (no SQLAlchemy
    type conversion), which tells two snapshots apart at least as well."""
    cursor = db.session.connection().connection.cursor()
    try:
        cursor.execute("; ".join(f'SELECT * FROM "{table.name}"' for table in tables))
        results = []
        for _ in tables:
            results.append(sorted((tuple(row) for row in cursor.fetchall()), key=repr))
            cursor.nextset()
        return results
    finally:
        cursor.close()


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
    body = _CSRF_VALUE.sub(r"\1<CSRF>\2", body)
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
