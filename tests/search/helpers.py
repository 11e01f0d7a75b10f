"""What the search tests share: the backends every contract test runs against."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.search.postgres import PostgresBackend

# postgres-rum: the PostgreSQL backend ranking through the RUM index (use_backend below).
BACKENDS = ("whoosh", "postgres", "postgres-rum")


def use_backend(app, param: str) -> str:
    """Configure `app` for one of BACKENDS; the SEARCH_BACKEND name."""
    name, _, ranking = param.partition("-")
    if name == "postgres" and db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL search backend needs the suite on PostgreSQL (make test-postgres)")
    app.config["SEARCH_BACKEND"] = name
    if name == "postgres":
        app.config["SEARCH_PG_RUM"] = "on" if ranking == "rum" else "off"
        if ranking == "rum" and not PostgresBackend(db.engine).prepare():
            pytest.skip("the RUM extension is not installed (make postgres installs postgresql-15-rum)")
    return name
