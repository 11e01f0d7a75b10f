"""Search reads from a streaming replica (SEARCH_DATABASE_URL) with the same rules.

scripts/pg-test-cluster starts the replica (pg_basebackup -R) and exports its URL; the
tests run under `make test-postgres`. Writes and the visibility re-check stay on the
primary, so what the replica has not replayed yet is simply not found."""

from __future__ import annotations

import os
import time

import pytest
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.pool import NullPool

from forum.extensions import db
from tests.factories import ON_POSTGRES, login, logout, make_group, make_post, make_user
from tests.search.helpers import use_backend

REPLICA = os.environ.get("TEST_REPLICA_URL", "")

pytestmark = pytest.mark.skipif(
    not (ON_POSTGRES and REPLICA), reason="needs the replica scripts/pg-test-cluster starts (make test-postgres)"
)


def caught_up(replica, timeout: float = 120.0) -> None:
    """Wait until the replica has replayed everything the primary has written so far. The
    other worker's tests write all the while (a privacy world loaded per test is megabytes
    of WAL), and on a loaded 2-core machine replay can trail by more than 15 s."""
    with db.engine.connect() as connection:
        # The insert position, not `pg_current_wal_lsn()` (the write position): the test
        # cluster commits asynchronously (synchronous_commit = off), so the last commits can
        # still sit in WAL buffers behind the write position, and a replica "caught up" to it
        # had not yet replayed them (the previous test's emptying, this test's posts).
        target = connection.scalar(text("SELECT pg_current_wal_insert_lsn()"))
    deadline = time.monotonic() + timeout
    with replica.connect() as connection:
        while not connection.scalar(text("SELECT pg_last_wal_replay_lsn() >= CAST(:lsn AS pg_lsn)"), {"lsn": target}):
            assert time.monotonic() < deadline, "the replica did not catch up"
            time.sleep(0.05)
            connection.rollback()


def paused(replica, timeout: float = 15.0) -> None:
    """Pause replay and wait until the replica says it has stopped: `pg_wal_replay_pause()`
    only asks, and a replica still replaying could pick up what the test writes next."""
    deadline = time.monotonic() + timeout
    with replica.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_pause()"))
        while connection.scalar(text("SELECT pg_get_wal_replay_pause_state()")) != "paused":
            assert time.monotonic() < deadline, "the replica did not pause"
            time.sleep(0.01)
            connection.rollback()


@pytest.fixture
def replica_server():
    """The replica itself (its `forum_test` database exists from the start): for waiting
    on replay and pausing it, which apply to the whole server, so parallel workers take
    turns (a session lock on the primary, held for the test)."""
    engine = create_engine(REPLICA, poolclass=NullPool)
    primary = create_engine(os.environ["TEST_DATABASE_URL"], poolclass=NullPool)
    with primary.connect() as turn:
        turn.execute(text("SELECT pg_advisory_lock(25)"))
        try:
            yield engine
        finally:
            with engine.connect() as connection:
                connection.execute(text("SELECT pg_wal_replay_resume()"))
            turn.execute(text("SELECT pg_advisory_unlock(25)"))
    primary.dispose()
    engine.dispose()


@pytest.fixture(params=["off", "on"], ids=["ts_rank", "rum"])
def replica(request, app, replica_server):
    """The app searches the replica of its database, ranking with ts_rank or through RUM."""
    if request.param == "on":
        use_backend(app, "postgres-rum")  # makes the RUM index on the primary; the replica replays it
    caught_up(replica_server)  # the app's database was made on the primary after the replica started
    url = make_url(REPLICA).set(database=db.engine.url.database).render_as_string(hide_password=False)
    app.config.update(SEARCH_BACKEND="postgres", SEARCH_PG_RUM=request.param, SEARCH_DATABASE_URL=url)
    return replica_server


def test_search_reads_the_replica_and_hides_there_what_it_hides_on_the_primary(client, replica):
    author, member, outsider = make_user(), make_user(), make_user()
    group = make_group(author, members=(member,))
    caught_up(replica)
    paused(replica)
    make_post(author, "Open heron survey", "the heron count")
    make_post(author, "Closed heron ledger", "heron secrets", audience="restricted", groups=(group,))
    login(client, outsider)

    # Paused: the primary holds both rows, the replica neither, and search finds nothing.
    assert "Open heron survey" not in client.get("/search?q=heron").get_data(as_text=True)

    with replica.connect() as connection:
        connection.execute(text("SELECT pg_wal_replay_resume()"))
    caught_up(replica)
    page = client.get("/search?q=heron").get_data(as_text=True)
    assert "Open heron survey" in page and "1 result" in page, page[page.find("<main") :][:1500]
    assert "Closed heron" not in page and "ledger" not in page and "secrets" not in page
    api = client.get("/api/v1/search?q=ledger").get_json()
    assert api["total"] == 0 and "Closed" not in str(api)

    logout(client)
    login(client, member)
    page = client.get("/search?q=heron").get_data(as_text=True)
    assert "Open heron survey" in page and "Closed heron ledger" in page and "2 results" in page
