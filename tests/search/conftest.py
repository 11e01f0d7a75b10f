from __future__ import annotations

from pathlib import Path

import pytest

from tests.search.helpers import BACKENDS, use_backend


@pytest.fixture
def index_dir(tmp_path: Path) -> str:
    return str(tmp_path / "search")


@pytest.fixture(params=BACKENDS)
def search_backend(request, app) -> str:
    """Runs an app-level search test once per backend. The PostgreSQL backend keeps its
    index in the database under test, so it runs when the suite runs on PostgreSQL, once
    ranking with ts_rank and once through the RUM index (skipped where the extension is
    not installed). The value is the backend's name, `postgres` for both."""
    return use_backend(app, request.param)
