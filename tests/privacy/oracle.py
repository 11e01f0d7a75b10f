"""Instruments for proving the promise from outside: database snapshots and the
comparison of a hidden object's response with a missing one's."""

from __future__ import annotations

import re
from urllib.parse import quote

from itsdangerous import BadSignature

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
    """The client's session as the app would open it, its CSRF token aside."""
    return {k: v for k, v in _cookie_session(client).items() if k != "csrf_token"}


def restore_session(client, saved: dict) -> None:
    """The session `saved` back in the client's cookie, with the CSRF token it has now."""
    app, interface = client.application, client.application.session_interface
    token = _cookie_session(client).get("csrf_token")
    session = {**saved, "csrf_token": token} if token else dict(saved)
    name, path = interface.get_cookie_name(app), interface.get_cookie_path(app)
    if session:
        client.set_cookie(name, interface.get_signing_serializer(app).dumps(session), path=path)
    else:
        client.delete_cookie(name, path=path)  # as the app does with a session emptied


def _cookie_session(client) -> dict:
    """The session cookie opened with the app's own signing serializer, as its session
    interface opens it. Not through `client.session_transaction()`, which builds and tears
    down a request context each time: the privacy tables read the session around each of
    their requests, and that was a fifth of their time."""
    app, interface = client.application, client.application.session_interface
    cookie = client.get_cookie(interface.get_cookie_name(app), path=interface.get_cookie_path(app))
    if cookie is None or not cookie.value:
        return {}
    try:
        max_age = int(app.permanent_session_lifetime.total_seconds())
        return dict(interface.get_signing_serializer(app).loads(cookie.value, max_age=max_age))
    except BadSignature:
        return {}  # the app would open a new, empty session
