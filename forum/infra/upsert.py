"""INSERT ... ON CONFLICT DO UPDATE for the backend in use (SQLite or PostgreSQL)."""

from __future__ import annotations

from sqlalchemy.dialects import postgresql, sqlite

from forum.extensions import db


def insert_for(model):
    """The dialect's `insert`, which has `on_conflict_do_update`; the generic one has not.
    Chosen from the bound engine, so one code path serves the suite on either backend."""
    dialect = postgresql if db.engine.dialect.name == "postgresql" else sqlite
    return dialect.insert(model)
