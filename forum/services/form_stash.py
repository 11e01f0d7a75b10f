"""Keeping the text of a form whose session had expired, for its writer only.

A POST from the editor that arrives signed out (or with a CSRF token its session no longer
holds) is not saved: its text fields are kept here, keyed by a random key that only that
browser holds (a cookie), and go back into the same editor once the writer has signed in
again there (forum/views/kept_forms.py). A stash is bound to the account that wrote it when
the request still names it (its ended session), else to whoever signs in next in that
browser; it is used once, lives a day at most and has a size cap.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta

from flask import current_app
from limits import parse_many
from sqlalchemy import delete, select

from forum.extensions import client_address, db, limiter
from forum.models import FormStash, User
from forum.models._time import utcnow
from forum.models.form_stash import PATH_MAX
from forum.services.sessions import KEY_MAX, hash_key

LIFETIME = timedelta(days=1)
# The JSON of a post at its longest (100,000 characters of body, even in a four-byte script) fits.
MAX_BYTES = 512_000


def stash(key: str | None, path: str, fields: list[tuple[str, str]], user_id: int | None) -> str | None:
    """Keep `fields` for the editor at `path`; returns the browser's key (a new one unless it
    already had a valid-looking one: one stash per browser, the newest). None when there is
    nothing to keep or it is too large to keep (the caller hands the text back instead)."""
    data = json.dumps(fields, ensure_ascii=False)
    if not fields or len(data.encode()) > MAX_BYTES or len(path) > PATH_MAX or not _within_limit():
        return None
    if not key or len(key) > KEY_MAX:
        key = secrets.token_urlsafe(32)
    purge_expired()
    db.session.execute(delete(FormStash).where(FormStash.key_hash == hash_key(key)))
    db.session.add(FormStash(key_hash=hash_key(key), user_id=user_id, path=path, fields=data))
    db.session.commit()
    return key


def _within_limit() -> bool:
    """Count one stash against KEPT_FORM_LIMIT for the client's address. Anyone signed out may
    send one, so the table's growth is bounded per address (and rows live a day)."""
    if not limiter.enabled:
        return True
    items = parse_many(current_app.config["KEPT_FORM_LIMIT"])
    address = client_address()
    if not all(limiter.limiter.test(item, "kept-form", address) for item in items):
        return False
    for item in items:
        limiter.limiter.hit(item, "kept-form", address)
    return True


def take(key: str | None, user: User, path: str) -> list[tuple[str, str]] | None:
    """The fields kept in this browser for the editor at `path`, if they are `user`'s (or no
    one's yet): deleted as they are handed back. Anyone else gets None and the stash stays."""
    if not key or len(key) > KEY_MAX:
        return None
    row = db.session.scalar(
        select(FormStash).where(FormStash.key_hash == hash_key(key), FormStash.created_at > utcnow() - LIFETIME)
    )
    if row is None or row.path != path or row.user_id not in (None, user.id):
        return None
    fields = [(str(name), str(value)) for name, value in json.loads(row.fields)]
    db.session.delete(row)
    db.session.commit()
    return fields


def purge_expired() -> None:
    db.session.execute(delete(FormStash).where(FormStash.created_at <= utcnow() - LIFETIME))
