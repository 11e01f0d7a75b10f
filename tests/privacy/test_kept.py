"""A kept world (kept.py) is the world as built, whatever a test wrote since: the privacy
tables that share one are only as good as this."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from forum.extensions import db
from forum.models import Comment
from forum.search import service
from forum.services import moderation
from tests.factories import ON_POSTGRES, empty_postgres_tables, make_attachment, make_comment, make_post, make_user
from tests.privacy.kept import KeptWorlds
from tests.privacy.oracle import db_snapshot
from tests.privacy.world import AUDIENCES, kept_world


def _files(folder: str) -> dict[str, bytes]:
    root = Path(os.path.realpath(folder))
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def _state(app) -> tuple:
    return db_snapshot(), _files(app.config["SEARCH_INDEX_DIR"]), _files(app.config["UPLOAD_DIR"])


def test_a_world_loaded_again_is_the_world_as_built(app, tmp_path):
    kept = KeptWorlds(tmp_path / "kept")
    case = AUDIENCES["group"]
    world = kept_world(kept, case)
    built = _state(app)
    author = world.users["author"]
    assert service.search(author, "result").total == 1

    # What a probe may do: write rows, index new text, store a file, and ban a reader.
    make_comment(author, world.post, "A periwinkle remark.")
    make_attachment(author, world.post)
    make_post(author, "Periwinkle sequel")
    moderation.ban_user(world.users["moderator"], world.users["member"], "Probe.", 7)
    written = db.session.scalar(db.select(db.func.max(Comment.id)))
    assert service.search(author, "periwinkle").total == 2
    assert _state(app) != built

    world = kept_world(kept, case, again=True)
    assert _state(app) == built
    assert service.search(world.users["author"], "periwinkle").total == 0
    assert service.search(world.users["author"], "result").total == 1
    # Ids go on from where the build left them, as after a fresh build.
    assert make_comment(world.users["author"], world.post, "Again.").id == written


def test_the_next_test_gets_the_world_as_built(app, tmp_path):
    """A test's writes never reach the kept copy: the `app` fixture's emptied database (as
    the next test finds it) gets the world as built."""
    kept = KeptWorlds(tmp_path / "kept")
    case = AUDIENCES["members"]
    world = kept_world(kept, case)
    built = _state(app)
    make_comment(world.users["author"], world.post, "A periwinkle remark.")
    make_attachment(world.users["author"], world.post)
    _as_the_next_test_finds_it(app)
    assert db_snapshot() != built[0]

    kept_world(kept, case)
    assert _state(app) == built


def test_a_world_is_kept_only_into_an_empty_database(app, tmp_path):
    kept = KeptWorlds(tmp_path / "kept")
    make_post(make_user("early"), "Before the world")
    with pytest.raises(AssertionError, match="empty database"):
        kept_world(kept, AUDIENCES["public"])


def _as_the_next_test_finds_it(app) -> None:
    """What the `app` fixture gives the next test: an empty database, folders of its own."""
    db.session.remove()
    if ON_POSTGRES:
        empty_postgres_tables()
    else:
        for table in reversed(db.metadata.sorted_tables):
            db.session.execute(table.delete())
        db.session.commit()
    app.config["SEARCH_INDEX_DIR"] += "-next"
    app.config["UPLOAD_DIR"] += "-next"
