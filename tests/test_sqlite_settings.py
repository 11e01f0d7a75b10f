"""The settings forum/extensions.py gives every SQLite connection the app opens."""

from __future__ import annotations

import sqlite3

from forum.extensions import _sqlite_pragmas


def test_a_commit_does_not_wait_for_a_disk_sync(tmp_path):
    """A signed-in page view commits its read receipt: in WAL mode with synchronous=NORMAL
    (1) the log is synced at checkpoints, not at every commit (FULL, 2). The test suite's
    own connections turn syncing off altogether (conftest.py), so the app's settings are
    checked on a connection of their own."""
    connection = sqlite3.connect(tmp_path / "forum.sqlite3")
    try:
        _sqlite_pragmas(connection, None)
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert connection.execute("PRAGMA synchronous").fetchone() == (1,)
        assert connection.execute("PRAGMA foreign_keys").fetchone() == (1,)
    finally:
        connection.close()
