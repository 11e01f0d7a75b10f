"""Fixtures of the privacy tests; the instruments are in oracle.py, the audience world in
world.py, the marker world (and keeping it as built) in markers.py."""

from __future__ import annotations

import pytest

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.infra import page_cache
from tests.factories import READ_RECEIPTS, RequestIsolatedClient, statements, writes
from tests.privacy.kept import KeptWorlds
from tests.privacy.markers import MarkerWorld, build_marker_world, keep_world, restore_world
from tests.privacy.world import sign_in


@pytest.fixture(scope="session")
def kept_worlds(tmp_path_factory) -> KeptWorlds:
    """Worlds built once on this worker and loaded for each later test that asks (kept.py)."""
    return KeptWorlds(tmp_path_factory.mktemp("kept"))


@pytest.fixture
def sign_in_as(client):
    return lambda world, viewer: sign_in(client, world, viewer)


# --- the marker world (markers.py): one per test module that asks for it -----------------


@pytest.fixture(scope="module")
def marker_app(database_copy, tmp_path_factory):
    base = tmp_path_factory.mktemp("markers")
    app = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=database_copy("markers"),
        WTF_CSRF_ENABLED=False,
        SEARCH_INDEX_DIR=str(base / "index"),
        UPLOAD_DIR=str(base / "uploads"),
    )
    app.test_client_class = RequestIsolatedClient
    limiter.enabled = False
    with app.app_context():
        page_cache.forget_all()
        app.config["MARKER_WORLD"] = build_marker_world()
        db.session.remove()
        keep_world(app)
    yield app
    with app.app_context():
        page_cache.forget_all()  # nothing kept here may answer the next module's requests
        db.engine.dispose()


@pytest.fixture
def world_as_built(marker_app, in_marker_app):
    """For tests that may write: the world is put back afterwards if anything was written."""
    with statements() as seen:
        yield
    if writes(seen, allow=READ_RECEIPTS):
        restore_world(marker_app)


@pytest.fixture
def in_marker_app(marker_app):
    """The marker world's app context for the test body (its requests push their own)."""
    with marker_app.app_context():
        yield
        db.session.remove()


@pytest.fixture
def marker_world(marker_app) -> MarkerWorld:
    return marker_app.config["MARKER_WORLD"]
