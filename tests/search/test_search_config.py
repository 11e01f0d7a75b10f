"""A search backend that cannot work where it is configured answers 503, never a fallback."""

from __future__ import annotations

import pytest

from forum.extensions import db
from tests.factories import make_post, make_user


@pytest.mark.parametrize("backend", ["postgres", "elastic"])
def test_a_backend_that_cannot_run_here_leaves_search_unavailable(client, backend):
    if backend == "postgres" and db.engine.dialect.name == "postgresql":
        pytest.skip("on PostgreSQL the postgres backend runs (tests/search/test_search_backends.py)")
    make_post(make_user(), "Open egret", "egret text")
    client.application.config["SEARCH_BACKEND"] = backend
    page = client.get("/search?q=egret")
    assert page.status_code == 503 and "Search is unavailable" in page.get_data(as_text=True)
    assert "Open egret" not in page.get_data(as_text=True)
    assert client.get("/api/v1/search?q=egret").status_code == 503
