"""Adding a row that a unique index guards (one pending request, one active vouch)."""

from __future__ import annotations

from sqlalchemy.exc import IntegrityError

from forum.extensions import db
from forum.services.errors import ServiceError


def add_once(row, duplicate: ServiceError):
    """Add and commit `row`; when a second submit raced the first and the index refused
    it, roll back and raise `duplicate` (the message the caller's own check gives)."""
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise duplicate
    return row
