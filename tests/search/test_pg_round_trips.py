"""PostgreSQL: a search is one statement, one round trip to the server (issue 25, fourth
round), and guessing the query's shape from the typed text never changes what it finds."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from psycopg import pq
from sqlalchemy import event, text

from forum.extensions import db
from forum.search.postgres import PostgresBackend
from tests.search.docs import BASE_TIME, make_doc
from tests.search.helpers import use_backend

VIEWERS = (
    frozenset({"public"}),
    frozenset({"public", "members", "user:5"}),
    frozenset({"public", "members", "user:1", "group:7"}),
)
# Our analyser and PostgreSQL's agree on the number of lexemes (the guess holds) ...
GUESSED = ("alpha", "alpha beta", '"alpha beta"', "alph*", "alpha -beta", "alpha OR gamma", "Alpha's")
# ... or not: PostgreSQL keeps "e-mail" whole as well as its parts, splits "alpha_beta" and
# has other stop words ("very").
MISGUESSED = ("e-mail", '"e-mail alpha"', "alpha -e-mail", "alpha OR e-mail", "alpha_beta", "alpha very")


@pytest.fixture(params=["postgres", "postgres-rum"])
def backend(request, app) -> PostgresBackend:
    use_backend(app, request.param)
    return PostgresBackend(db.engine, rum="on" if request.param.endswith("rum") else "off")


class AnalysedFirst(PostgresBackend):
    """Asks PostgreSQL how many lexemes each unit holds before searching (two round trips)."""

    @staticmethod
    def _guessed(parsed):
        return [], [], []  # nothing guessed: `query` asks


@contextmanager
def round_trips() -> Iterator[list[int]]:
    """How many times the client waits for the server (libpq's protocol trace: a simple
    Query or an extended-protocol Sync from the client), over every connection checked out."""
    counted: list[int] = []
    trace = tempfile.TemporaryFile()

    def start(dbapi_connection, _record, _proxy) -> None:
        dbapi_connection.pgconn.trace(trace.fileno())
        dbapi_connection.pgconn.set_trace_flags(pq.Trace.SUPPRESS_TIMESTAMPS | pq.Trace.REGRESS_MODE)

    def stop(dbapi_connection, _record) -> None:
        dbapi_connection.pgconn.untrace()

    event.listen(db.engine, "checkout", start)
    event.listen(db.engine, "checkin", stop)
    try:
        yield counted
    finally:
        event.remove(db.engine, "checkout", start)
        event.remove(db.engine, "checkin", stop)
        trace.seek(0)
        lines = [line.split("\t") for line in trace.read().decode().splitlines()]
        counted.append(sum(1 for line in lines if line[0] == "F" and line[2].strip() in ("Query", "Sync")))


def seed(backend: PostgresBackend) -> None:
    backend.apply(
        [
            make_doc(1, "alpha beta gamma", title="alpha beta"),
            make_doc(2, "alpha e-mail", acl=("members",)),
            make_doc(3, "e-mail alpha beta", acl=("group:7", "user:1")),
            make_doc(4, "alpha alpha", kind="comment", post_id=1),
            make_doc(5, "gamma e-mail", title="e-mail"),
            make_doc(6, "alpha's beta"),
            make_doc(7, "alpha_beta very"),
        ],
        [],
    )
    backend.prepare()
    backend.query(VIEWERS[0], "warm")  # the process reads once whether the RUM index and tables exist


def answer(backend: PostgresBackend, viewer: frozenset[str], text: str, **rules) -> tuple:
    found = backend.query(viewer, text, per_page=2, **rules)
    return found.total, [(hit.doc_id, hit.score, hit.snippet) for hit in found.hits]


def test_a_search_is_one_round_trip(backend):
    seed(backend)
    rules = {"banned_author_ids": [2], "title_only_post_ids": [5], "exclude_doc_ids": ["comment:4"]}
    for typed in GUESSED:
        for viewer in VIEWERS:
            for extra in ({}, rules, {"sort": "new"}, {"kinds": ["post"], "page": 2}):
                with round_trips() as trips:
                    backend.query(viewer, typed, per_page=2, **extra)
                assert trips == [1], (typed, extra)
    for viewer in VIEWERS:  # the typo lookup's check of candidate words too
        with round_trips() as trips:
            found = backend.readable_words(viewer, ["alpha", "gamma", "nowhere", "ledger"])
        assert trips == [1] and found == {"alpha", "gamma"}


def test_guessing_the_shape_finds_what_asking_first_finds(backend):
    """Totals, pages, scores and snippets equal those of the search that asks PostgreSQL
    for the query's shape first; a wrong guess costs one more round trip, never a result."""
    seed(backend)
    asked = AnalysedFirst(db.engine, rum=backend.rum_mode)
    for typed in GUESSED + MISGUESSED:
        for viewer in VIEWERS:
            for rules in ({}, {"sort": "new"}, {"page": 2}, {"title_only_post_ids": [5]}):
                with round_trips() as trips:
                    found = answer(backend, viewer, typed, **rules)
                assert found == answer(asked, viewer, typed, **rules), (typed, viewer, rules)
                assert trips == [1 if typed in GUESSED else 2], (typed, rules)
    assert answer(backend, VIEWERS[2], "e-mail")[0] == 3
    assert answer(backend, VIEWERS[0], "alpha very") == answer(backend, VIEWERS[0], "alpha")
    assert backend.query(VIEWERS[0], "very").empty_query and asked.query(VIEWERS[0], "very").empty_query


def test_the_narrow_part_read_once_pages_and_counts_as_before(backend):
    """A member of groups: the rows of their groups are read once for the count and the
    order (a CTE); the total is the counting statement's, pages follow one another in the
    search's order, whatever the sort, with a gated post and an exact title among them."""
    counted = PostgresBackend(db.engine, rum="off")
    backend.apply(
        [make_doc(n, " ".join(["alpha"] * (n % 3 + 1)), acl=("group:7", "user:1")) for n in range(1, 13)]
        + [make_doc(20, "alpha", title="alpha", acl=("group:7",)), make_doc(21, "alpha", acl=("public",))]
        + [make_doc(22, "beta", acl=("group:8",)), make_doc(23, "alpha", acl=("group:8",))],
        [],
    )
    backend.prepare()
    viewer = VIEWERS[2]
    for rules in ({}, {"sort": "new"}, {"title_only_post_ids": [3]}, {"banned_author_ids": [1]}):
        whole = backend.query(viewer, "alpha", per_page=100, **rules)
        assert whole.total == counted.query(viewer, "alpha", per_page=100, **rules).total == len(whole.hits)
        paged = [
            hit for page in (1, 2, 3, 4) for hit in backend.query(viewer, "alpha", per_page=4, page=page, **rules).hits
        ]
        assert [hit.doc_id for hit in paged] == [hit.doc_id for hit in whole.hits]
        assert "post:23" not in {hit.doc_id for hit in whole.hits}
        if rules.get("sort") == "new":
            assert [hit.created for hit in whole.hits] == sorted((hit.created for hit in whole.hits), reverse=True)
        else:
            assert whole.hits[0].doc_id == "post:20"  # the exact title
            scores = [hit.score for hit in whole.hits]
            assert scores == sorted(scores, reverse=True)


def test_ties_of_the_last_place_are_cut_in_the_page_order(backend):
    """Rows at one distance (a word once in texts alike) run past the page's last place;
    they are cut by the page's own order (distance, newest first, doc id), which every
    page follows: the order of the rows themselves, asked directly."""
    backend.apply(
        [make_doc(n, "alpha beta" if n % 4 else "alpha alpha beta") for n in range(1, 15)]
        + [make_doc(n, "alpha beta", acl=("group:7",), created=BASE_TIME) for n in (20, 21)],
        [],
    )
    backend.prepare()
    if backend.rum_mode == "off":
        pytest.skip("the ts_rank path orders by ts_rank")
    expected_sql = text(
        "SELECT doc_id FROM search_entries WHERE tsv @@ to_tsquery('english', 'alpha') AND NOT tokens && :hidden "
        "ORDER BY tsv <=> to_tsquery('english', 'alpha'), created DESC, doc_id"
    )
    for viewer, hidden in ((VIEWERS[0], ["group:7", "members"]), (VIEWERS[2], ["nobody"])):
        with db.engine.connect() as connection:
            expected = list(connection.scalars(expected_sql, {"hidden": hidden}))
        for per_page in (3, 4, 100):
            paged = [
                hit.doc_id
                for page in range(1, 7)
                for hit in backend.query(viewer, "alpha", per_page=per_page, page=page).hits
            ]
            assert paged == expected
