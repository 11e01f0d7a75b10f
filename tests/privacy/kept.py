"""A world built once per worker and loaded into each test's empty database.

A privacy table probes the same small world for every kind of viewer: building it through
the services cost more than many of its tests' probes, and the table of reader statuses
built a new one after each probe that wrote (25 per test). Here the first test that asks
for a world builds it through the services as before, and what it left is kept beside
the database: every table's rows (the database file on SQLite, `COPY` on PostgreSQL),
the sequences, the search index and the uploads. Every later test that asks for it gets
that copy loaded into its own database, emptied first: each test still starts from the
world exactly as built, and nothing one test writes reaches another. `load` in the middle
of a test puts the world back after a probe changed it (tests/privacy/test_kept.py).

Worlds are kept per xdist worker (a process each), in a directory of the session's, and
only under the Whoosh search backend: the PostgreSQL backend's own tables are not the
models' (a world built for it is built every time, as before).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from flask import current_app
from sqlalchemy import make_url

from forum.extensions import db
from forum.infra import page_cache
from forum.models import User
from tests.factories import empty_postgres_tables


@dataclass(frozen=True)
class Kept:
    value: Any  # what the builder returned: ids and names, no ORM objects
    folder: Path  # the SQLite file, the index's build and the uploads
    tables: dict[str, bytes]  # PostgreSQL: COPY text of each table with rows
    sequences: str  # PostgreSQL: the script that sets every sequence as it was


class KeptWorlds:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.kept: dict[Hashable, Kept] = {}

    def world(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """What `build()` returned, with the database, index and uploads as it left them.
        `build` must start from an empty database and return plain data (ids, names)."""
        if current_app.config["SEARCH_BACKEND"] != "whoosh":
            return build()
        assert _empty(), "a kept world starts from an empty database"
        kept = self.kept.get(key)
        if kept is None:
            value = build()
            kept = self.kept[key] = _keep(value, self.folder / f"world-{len(self.kept)}")
            return value
        _load(kept)
        return kept.value

    def load(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The world again, whatever the test did to the database since (emptied first)."""
        if current_app.config["SEARCH_BACKEND"] != "whoosh" or key not in self.kept:
            return build()  # as before: another world beside the changed one
        _load(self.kept[key])
        return self.kept[key].value


def _empty() -> bool:
    return db.session.scalar(db.select(db.func.count()).select_from(User)) == 0


def _on_postgres() -> bool:
    return db.engine.dialect.name == "postgresql"


def _keep(value: Any, folder: Path) -> Kept:
    db.session.commit()
    folder.mkdir(parents=True)
    tables, sequences = {}, ""
    if _on_postgres():
        tables, sequences = copy_out()
    else:
        db.session.remove()
        db.engine.dispose()  # the last connection checkpoints the WAL into the file copied
        shutil.copy(_sqlite_path(), folder / "forum.sqlite3")
    index = Path(current_app.config["SEARCH_INDEX_DIR"])
    if index.exists():
        shutil.copytree(os.path.realpath(index), folder / "index")
    uploads = Path(current_app.config["UPLOAD_DIR"])
    if uploads.exists():
        shutil.copytree(uploads, folder / "uploads")
    return Kept(value, folder, tables, sequences)


def _load(kept: Kept) -> None:
    db.session.remove()  # nothing the session holds is of this world
    if _on_postgres():
        copy_in(kept.tables, kept.sequences)
    else:
        db.engine.dispose()  # no connection may be open while the file underneath is replaced
        path = _sqlite_path()
        for leftover in (path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            leftover.unlink(missing_ok=True)
        shutil.copy(kept.folder / "forum.sqlite3", path)
    _put_index(Path(current_app.config["SEARCH_INDEX_DIR"]), kept.folder / "index")
    uploads = Path(current_app.config["UPLOAD_DIR"])
    shutil.rmtree(uploads, ignore_errors=True)
    if (kept.folder / "uploads").exists():
        shutil.copytree(kept.folder / "uploads", uploads)
    page_cache.forget_all()  # pages kept from before the load show another state


def copy_out() -> tuple[dict[str, bytes], str]:
    """PostgreSQL: the COPY text of every model table with rows, and a script that sets
    every sequence as it is now."""
    tables = {}
    with db.engine.connect() as connection:
        cursor = connection.connection.cursor()
        for table in db.metadata.sorted_tables:
            with cursor.copy(f'COPY "{table.name}" TO STDOUT') as copy:
                data = b"".join(bytes(chunk) for chunk in copy)
            if data:
                tables[table.name] = data
        cursor.execute("SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences")
        sequences = "; ".join(
            f"SELECT setval('{name}', {last}, true)" if last is not None else f"SELECT setval('{name}', 1, false)"
            for name, last in cursor.fetchall()
        )
        cursor.close()
    return tables, sequences


def copy_in(tables: dict[str, bytes], sequences: str) -> None:
    """PostgreSQL: every table emptied, then what `copy_out` kept loaded back."""
    empty_postgres_tables()
    with db.engine.begin() as connection:
        cursor = connection.connection.cursor()
        # Rows as they were, foreign keys and all: no trigger or check needs to run again.
        cursor.execute("SET LOCAL session_replication_role = replica")
        for name, data in tables.items():
            with cursor.copy(f'COPY "{name}" FROM STDIN') as copy:
                copy.write(data)
        cursor.execute(sequences)
        cursor.close()


def _put_index(index: Path, kept: Path) -> None:
    """The index as kept, as a new build the index's symlink points at (forum/search/whoosh/index.py):
    a new path, so no searcher opened on what a probe wrote is used again."""
    builds = index.with_name(index.name + ".builds")
    if not kept.exists():
        if index.is_symlink() or index.is_file():
            index.unlink()
        shutil.rmtree(index, ignore_errors=True)
        shutil.rmtree(builds, ignore_errors=True)
        return
    if index.is_dir() and not index.is_symlink():
        shutil.rmtree(index)
    build = builds / f"kept-{uuid.uuid4().hex[:8]}"
    shutil.copytree(kept, build)
    link = index.with_name(f".{index.name}.{uuid.uuid4().hex}.tmp")
    os.symlink(os.path.relpath(build, index.parent), link)
    os.replace(link, index)
    for old in builds.iterdir():  # what the probes wrote
        if old != build and old.is_dir():
            shutil.rmtree(old)


def _sqlite_path() -> Path:
    return Path(make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).database)
