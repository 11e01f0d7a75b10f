"""Extension objects, created unbound and attached in `create_app`."""

import sqlite3
from typing import TYPE_CHECKING

from flask import request
from flask_limiter import Limiter
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase

# Stable constraint names, so Alembic can alter or drop them on every backend.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)

# Models subclass this name. mypy cannot take an instance attribute (db.Model) as a base class
# (python/mypy#8603), so it checks them against Base, which db.Model extends at run time.
if TYPE_CHECKING:
    Model = Base
else:
    Model = db.Model


def client_address() -> str:
    """The client's address, the one answer for session records and rate limits alike:
    `request.remote_addr`, which ProxyFix (forum/web/security.py) takes from X-Forwarded-For
    for exactly TRUSTED_PROXIES hops, and never from a header nobody vouches for."""
    return request.remote_addr or "127.0.0.1"


migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()
limiter = Limiter(key_func=client_address)


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, _record) -> None:
    """SQLite leaves foreign keys (and so ON DELETE CASCADE) off unless asked, and its
    default journal makes readers wait for writers; several gunicorn workers need WAL.

    In WAL mode `synchronous=NORMAL` syncs the log at checkpoints instead of at every
    commit: a signed-in GET commits its read receipt (services/reads.py), and with the
    default FULL each page view waited for a disk sync (about 5 ms here, against 0.05 ms).
    The database stays consistent through a crash or power loss; what a power loss (not a
    crash of the app) can undo is the last commits before it, which SQLite's documentation
    gives as the setting's trade-off for WAL."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA busy_timeout=5000")
        cursor.close()
