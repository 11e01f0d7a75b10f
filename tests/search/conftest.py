from __future__ import annotations

from pathlib import Path

import pytest

from forum.extensions import db
from tests.search.helpers import BACKENDS


@pytest.fixture
def index_dir(tmp_path: Path) -> str:
    return str(tmp_path / "search")


@pytest.fixture(params=BACKENDS)
def search_backend(request, app) -> str:
    """Runs an app-level search test once per backend. The PostgreSQL backend keeps its
    index in the database under test, so it runs when the suite runs on PostgreSQL."""
    if request.param == "postgres" and db.engine.dialect.name != "postgresql":
        pytest.skip("the PostgreSQL search backend needs the suite on PostgreSQL (make test-postgres)")
    app.config["SEARCH_BACKEND"] = request.param
    return request.param
