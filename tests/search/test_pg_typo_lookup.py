"""PostgreSQL: did-you-mean's lookup (`readable_words`) finds exactly the variants a one-word
search would find for the viewer, and reads nothing more when hidden rows hold a variant."""

from __future__ import annotations

import pytest
from psycopg import RawCursor
from sqlalchemy import event

from forum.extensions import db
from forum.search import postgres, suggest
from forum.search.postgres import PostgresBackend
from tests.search.docs import make_doc
from tests.search.helpers import use_backend
from tests.search.test_pg_word_counts import stale_worker

ANON = frozenset({"public"})
SIGNED_IN = frozenset({"public", "members", "user:5"})
IN_GROUP_7 = frozenset({"public", "members", "user:1", "group:7"})
VIEWERS = (ANON, SIGNED_IN, IN_GROUP_7)


@pytest.fixture
def fast(app) -> PostgresBackend:
    """The backend with the RUM indexes and the count table."""
    use_backend(app, "postgres-rum")
    return PostgresBackend(db.engine, rum="on")


def searched(viewer: frozenset[str], words: list[str], **rules) -> set[str]:
    """The words a one-word search finds for the viewer (the ts_rank path, row by row)."""
    counted = PostgresBackend(db.engine, rum="off")
    return {word for word in words if counted.query(viewer, word, per_page=1, **rules).total}


def lookups_agree(fast: PostgresBackend, typo: str = "zorbo", **rules) -> list[set[str]]:
    """Every viewer's lookup of the typo's variants equals what a search finds."""
    words = [typo, *suggest.variants(typo)]
    found = [fast.readable_words(viewer, words, **rules) for viewer in VIEWERS]
    assert found == [searched(viewer, words, **rules) for viewer in VIEWERS]
    return found


def test_the_lookup_finds_what_a_search_finds_after_every_write(fast):
    fast.apply(
        [
            make_doc(1, "zorba"),
            make_doc(2, "zarbo", acl=("members",)),
            make_doc(3, "zurbo", acl=("group:7", "user:1")),
            make_doc(4, "zorbu", acl=("group:9", "user:2")),
            make_doc(5, "zirbo", state="removed"),
        ],
        [],
    )
    fast.prepare()
    assert lookups_agree(fast) == [{"zorba"}, {"zorba", "zarbo"}, {"zorba", "zarbo", "zurbo"}]
    fast.apply([make_doc(1, "zorba", acl=("group:7", "user:1"))], [])  # narrowed
    fast.apply([make_doc(2, "zarbo", acl=("members",), state="removed")], [])  # removed
    assert lookups_agree(fast) == [set(), set(), {"zorba", "zurbo"}]
    fast.apply([make_doc(4, "zorbu")], ["post:3"])  # widened, deleted
    assert lookups_agree(fast) == [{"zorbu"}, {"zorbu"}, {"zorba", "zorbu"}]
    fast._stop_word_counts()  # as a rebuild does while it loads: the table is not read
    fast.apply([make_doc(6, "zorbo", acl=("members",))], [])
    own = {"zorbo", "zorbos", "zorboe"}  # the typed word is there, as is anything it stems to
    assert lookups_agree(fast) == [{"zorbu"}, own | {"zorbu"}, own | {"zorba", "zorbu"}]
    # A worker that saw the table kept before: the mark sends it to the rows.
    assert lookups_agree(stale_worker()) == [{"zorbu"}, own | {"zorbu"}, own | {"zorba", "zorbu"}]
    fast.prepare()
    assert lookups_agree(fast) == [{"zorbu"}, own | {"zorbu"}, own | {"zorba", "zorbu"}]


def test_the_lookup_applies_what_the_viewer_leaves_out(fast):
    fast.apply(
        [
            make_doc(1, "secret zorba", title="gated note"),
            make_doc(2, "body", title="zarbo gated"),
            make_doc(3, "zurbo", kind="comment", post_id=1),
            make_doc(4, "zorbu", author_id=9),
            make_doc(5, "zirbo", acl=("members",), author_id=9),
            make_doc(6, "zerbo", acl=("group:7", "user:1"), title="note"),
            make_doc(7, "zorbx", acl=("group:7", "user:1"), author_id=9),
        ],
        [],
    )
    fast.prepare()
    everyone = {"zorba", "zarbo", "zurbo", "zorbu"}
    assert lookups_agree(fast) == [everyone, everyone | {"zirbo"}, everyone | {"zirbo", "zerbo", "zorbx"}]
    rules = {"title_only_post_ids": [1, 2, 6], "exclude_doc_ids": ["comment:3"], "banned_author_ids": [9]}
    assert lookups_agree(fast, **rules) == [{"zarbo"}, {"zarbo"}, {"zarbo"}]
    assert lookups_agree(fast, "secrt", **rules) == [set(), set(), set()]
    assert lookups_agree(fast, "gatd", **rules) == [{"gated", "gate"}] * 3  # a title is readable


def test_a_common_words_top_list_is_only_where_to_look_first(fast, monkeypatch):
    monkeypatch.setattr(postgres, "TOP_FROM", 1)
    monkeypatch.setattr(postgres, "TOP_KEEP", 1)
    fast.apply([make_doc(n, "zorba zorba" if n == 1 else "zorba") for n in range(1, 4)], [])
    fast.prepare()  # each list holds its word's first row only: post 1, by author 1
    assert lookups_agree(fast) == [{"zorba"}] * 3
    assert lookups_agree(fast, banned_author_ids=[1]) == [{"zorba"}] * 3  # the others, through RUM
    assert lookups_agree(fast, banned_author_ids=[0, 1, 2]) == [set()] * 3
    assert lookups_agree(fast, exclude_doc_ids=["post:1", "post:2"]) == [{"zorba"}] * 3
    fast._stop_word_counts()  # the list is no longer kept: a listed row that changed is checked as it is
    fast.apply([make_doc(1, "other"), make_doc(2, "other")], [])
    assert lookups_agree(stale_worker()) == [{"zorba"}] * 3
    assert lookups_agree(stale_worker(), banned_author_ids=[0]) == [set()] * 3


def lookup_buffers(backend: PostgresBackend, viewer: frozenset[str], words: list[str]) -> tuple[set[str], int]:
    """The lookup's answer, and the buffers (pages) its statement reads when run again,
    planned as at scale: a table this small would be read whole, hidden rows included."""
    statements = []

    def record(_conn, _cursor, statement, parameters, *_args) -> None:
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        found = backend.readable_words(viewer, words)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    statement, parameters = statements[-1]
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET plan_cache_mode = force_custom_plan")
        connection.exec_driver_sql("SET enable_seqscan = off")
        # The statement as `_run` sent it: `$n` placeholders, which only a raw cursor takes.
        with RawCursor(connection.connection.driver_connection) as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS, COSTS OFF, FORMAT JSON) " + statement, parameters)
            plan = cursor.fetchone()[0]
    return found, plan[0]["Plan"]["Shared Hit Blocks"] + plan[0]["Plan"]["Shared Read Blocks"]


def test_a_word_only_hidden_rows_hold_costs_what_an_absent_word_costs(fast):
    """Only the viewer's own rows and the wide parts' indexes are read: the lookup of a
    typo whose correction only another group's rows hold reads as many pages as that of a
    typo corrected by nothing (the all-rows text index would read the hidden rows)."""
    readable = [make_doc(n, f"common words {n}") for n in range(1, 40)]
    readable += [make_doc(n, f"group words {n}", acl=("group:7", "user:1")) for n in range(40, 60)]
    readable += [make_doc(n, f"own words {n}", acl=("user:5",)) for n in range(60, 70)]
    hidden = [make_doc(n, "the zorblaxian ritual", acl=("group:9", "user:2")) for n in range(100, 400)]
    fast.apply(readable + hidden, [])
    fast.prepare()
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        connection.exec_driver_sql("VACUUM ANALYZE search_entries")
    for viewer in VIEWERS:
        held_by_hidden = lookup_buffers(fast, viewer, suggest.variants("zorblaxan"))
        held_by_nobody = lookup_buffers(fast, viewer, suggest.variants("qorblaxan"))
        assert held_by_hidden == held_by_nobody and held_by_hidden[0] == set()
    member = frozenset({"public", "members", "user:3", "group:9"})
    assert fast.readable_words(member, suggest.variants("zorblaxan")) == {"zorblaxian"}  # the word is there
