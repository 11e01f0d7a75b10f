"""PostgreSQL: a one-word search's total from the count table (search_word_counts) is
exactly the counting statement's, for every viewer, after every kind of write."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from forum.extensions import db
from forum.search import postgres
from forum.search.postgres import WORD_COUNTS, WORD_TOP, PostgresBackend
from tests.search.docs import make_doc
from tests.search.helpers import use_backend

ANON = frozenset({"public"})
SIGNED_IN = frozenset({"public", "members", "user:5"})
IN_GROUP_7 = frozenset({"public", "members", "user:1", "group:7"})
VIEWERS = (ANON, SIGNED_IN, IN_GROUP_7)


@pytest.fixture
def backends(app) -> tuple[PostgresBackend, PostgresBackend]:
    """The backend with the count table, and the same backend counting row by row."""
    use_backend(app, "postgres-rum")
    return PostgresBackend(db.engine, rum="on"), PostgresBackend(db.engine, rum="off")


def totals_agree(backends, text_: str = "alpha", through_table: bool = True, **rules) -> list[int]:
    """Every viewer's total both ways; asserts the count table was read for the fast one
    (unless the tables are not kept, as while a rebuild loads)."""
    fast, counted = backends
    statements: list[str] = []

    def record(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        found = [fast.query(viewer, text_, **rules).total for viewer in VIEWERS]
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert through_table == any(WORD_COUNTS in statement for statement in statements)
    expected = [counted.query(viewer, text_, **rules).total for viewer in VIEWERS]
    assert found == expected and all(type(total) is int for total in found)
    return found


def stale_worker() -> PostgresBackend:
    """A backend whose process still believes the tables are kept."""
    backend = PostgresBackend(db.engine, rum="on")
    backend.uses_word_counts = lambda: True  # type: ignore[method-assign]
    return backend


def table_matches_rows() -> None:
    """The table holds exactly what a recount of the rows gives (zero counts aside)."""
    recount = """
        SELECT w.lexeme, d.part, count(*) FROM (
            SELECT tsv, CASE WHEN state = 'ok' AND tokens && '{public}' THEN 'public'
                             WHEN state = 'ok' AND tokens && '{members}' THEN 'members' END AS part
            FROM search_entries) AS d, unnest(tsvector_to_array(d.tsv)) AS w(lexeme)
        WHERE d.part IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2"""
    with db.engine.connect() as connection:
        kept = connection.execute(text(f"SELECT lexeme, part, n FROM {WORD_COUNTS} WHERE n <> 0 ORDER BY 1, 2"))
        assert kept.tuples().all() == connection.execute(text(recount)).tuples().all()


def test_totals_follow_every_write(backends):
    fast, _ = backends
    fast.apply(
        [
            make_doc(1, "alpha alpha beta"),
            make_doc(2, "alpha", kind="comment", post_id=1),
            make_doc(3, "alpha", acl=("members",)),
            make_doc(4, "alpha", acl=("group:7", "user:1")),
            make_doc(5, "alpha", acl=("public", "group:7")),
            make_doc(6, "alpha", state="removed"),
            make_doc(7, "beta"),
        ],
        [],
    )
    assert totals_agree(backends) == [3, 4, 5]
    table_matches_rows()
    fast.apply([make_doc(1, "alpha", acl=("group:7", "user:1"))], [])  # narrowed
    assert totals_agree(backends) == [2, 3, 5]
    fast.apply([make_doc(3, "alpha", acl=("members",), state="removed")], [])  # removed
    assert totals_agree(backends) == [2, 2, 4]
    fast.apply([make_doc(7, "alpha beta", acl=("members",))], ["comment:2"])  # widened, deleted
    assert totals_agree(backends) == [1, 2, 4]
    table_matches_rows()
    fast.rebuild(iter([make_doc(8, "alpha"), make_doc(9, "alpha", acl=("members",))]), 2)
    assert totals_agree(backends) == [1, 2, 2]
    table_matches_rows()
    fast._stop_word_counts()  # as a rebuild does while it loads: the tables are not read
    fast.apply([make_doc(8, "alpha", acl=("group:7",))], [])
    assert totals_agree(backends, through_table=False) == [0, 1, 2]
    # A worker that saw the tables kept before still writes them into its statements: the
    # mark in the table (read under the statement's snapshot) sends it to the rows.
    assert totals_agree((stale_worker(), backends[1])) == [0, 1, 2]
    fast.prepare()
    assert totals_agree(backends) == [0, 1, 2]
    table_matches_rows()
    fast.apply([make_doc(8, "alpha")], [])
    assert totals_agree(backends) == [1, 2, 2]
    with db.engine.begin() as connection:
        connection.execute(text("DELETE FROM search_entries"))
    assert totals_agree(backends) == [0, 0, 0]
    fast.apply([make_doc(10, "alpha")], [])
    with db.engine.begin() as connection:
        connection.execute(text("TRUNCATE search_entries"))
    assert totals_agree(backends) == [0, 0, 0]
    table_matches_rows()


def test_what_the_viewer_leaves_out_is_subtracted(backends):
    fast, _ = backends
    fast.apply(
        [
            make_doc(1, "secret alpha", title="gated note"),
            make_doc(2, "body", title="alpha gated"),
            make_doc(3, "alpha", kind="comment", post_id=1),
            make_doc(4, "alpha", author_id=9),
            make_doc(5, "alpha", acl=("members",), author_id=9),
            make_doc(6, "alpha"),
        ],
        [],
    )
    assert totals_agree(backends) == [5, 6, 6]
    assert totals_agree(backends, banned_author_ids=[9]) == [4, 4, 4]
    assert totals_agree(backends, title_only_post_ids=[1, 2]) == [4, 5, 5]
    rules = {"title_only_post_ids": [1, 2], "exclude_doc_ids": ["comment:3"], "banned_author_ids": [9]}
    assert totals_agree(backends, **rules) == [2, 2, 2]
    assert totals_agree(backends, "secret", **rules) == [0, 0, 0]
    assert totals_agree(backends, "gated", **rules) == [2, 2, 2]


def test_other_searches_count_their_rows(backends):
    """Two words, a phrase, a prefix, an exclusion or a filter are not answered by the table."""
    fast, counted = backends
    fast.apply([make_doc(1, "alpha beta"), make_doc(2, "alpha", acl=("members",)), make_doc(3, "beta gamma")], [])
    for query, filters in (
        ("alpha beta", {}),
        ('"alpha beta"', {}),
        ("alph*", {}),
        ("alpha -beta", {}),
        ("alpha", {"kinds": ["comment"]}),
    ):
        for viewer in VIEWERS:
            assert fast.query(viewer, query, **filters).total == counted.query(viewer, query, **filters).total


class WithoutTables(PostgresBackend):
    """The RUM path reading neither the count table nor the top lists."""

    def uses_word_counts(self) -> bool:
        return False


def pages_agree(fast: PostgresBackend, text_: str = "alpha", **rules) -> list[str]:
    """The first pages (2 hits each) through the top lists are the RUM path's order, for
    every viewer; the ids of the anonymous viewer's first six."""
    reference = WithoutTables(db.engine, rum="on")
    first = []
    for viewer in VIEWERS:
        whole = [hit.doc_id for hit in reference.query(viewer, text_, per_page=100, **rules).hits]
        paged = [
            hit.doc_id for page in (1, 2, 3) for hit in fast.query(viewer, text_, per_page=2, page=page, **rules).hits
        ]
        assert paged == whole[:6]
        first.append(paged)
    return first[0]


def listed(lexeme: str = "alpha") -> list[str]:
    with db.engine.connect() as connection:
        return list(
            connection.scalars(
                text(
                    f"SELECT doc_id FROM {WORD_TOP} WHERE lexeme = :l AND part = 'public' "
                    "ORDER BY distance, posted DESC, doc_id"
                ),
                {"l": lexeme},
            )
        )


def test_top_lists_give_the_rum_order_after_every_write(backends, monkeypatch):
    fast, _ = backends
    monkeypatch.setattr(postgres, "TOP_FROM", 1)
    monkeypatch.setattr(postgres, "TOP_KEEP", 4)
    fast.apply(
        [
            make_doc(n, " ".join(["alpha"] * (n % 4 + 1)) + " beta", title=f"alpha t{n}" if n % 5 == 0 else f"t{n}")
            for n in range(1, 13)
        ]
        + [make_doc(20, "alpha alpha alpha", acl=("group:7", "user:1")), make_doc(21, "alpha", acl=("members",))],
        [],
    )
    fast.prepare()  # makes the lists (reindex does)
    assert len(listed()) == 4
    assert pages_agree(fast)[:4] == listed()
    fast.apply([make_doc(30, "alpha alpha alpha alpha", title="alpha gamma")], [])  # enters first
    assert listed()[0] == "post:30" and len(listed()) == 4
    assert pages_agree(fast)[0] == "post:30"
    fast.apply([make_doc(50, "alpha", title="alpha")], [])  # an exact title comes first, from its own index
    assert pages_agree(fast)[:2] == ["post:50", "post:30"]
    fast.apply([make_doc(30, "alpha", title="gamma")], [])  # edited down: moves down
    assert "post:30" not in listed()
    assert pages_agree(fast)[1] != "post:30"
    fast.apply([make_doc(30, "alpha alpha alpha alpha", title="alpha gamma")], [])
    fast.apply([], ["post:30"])  # leaves: the list is shorter, the pages come from RUM
    assert len(listed()) == 3
    pages_agree(fast)
    top = listed()[0]
    fast.apply([make_doc(int(top.split(":")[1]), "alpha", acl=("group:7",))], [])  # narrowed
    assert top not in listed()
    pages_agree(fast)
    fast.apply([make_doc(40, "alpha alpha alpha alpha", title="alpha delta", state="removed")], [])
    assert "post:40" not in listed()
    pages_agree(fast)
    pages_agree(fast, banned_author_ids=[1], title_only_post_ids=[10], exclude_doc_ids=["post:5"])
    pages_agree(fast, kinds=["post"])
    fast.prepare()
    assert len(listed()) == 4
    pages_agree(fast)
    fast._stop_word_counts()  # while a rebuild loads, a new first row is not in the lists
    fast.apply([make_doc(60, "alpha alpha alpha alpha alpha", title="alpha omega")], [])
    assert "post:60" not in listed()
    assert pages_agree(fast)[:2] == pages_agree(stale_worker())[:2] == ["post:50", "post:60"]
