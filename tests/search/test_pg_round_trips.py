"""PostgreSQL: a search is one statement, one round trip to the server (issue 25, fourth
round), and guessing the query's shape from the typed text never changes what it finds."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from psycopg import pq
from sqlalchemy import event

from forum.extensions import db
from forum.search.postgres import PostgresBackend
from tests.search.docs import make_doc
from tests.search.helpers import use_backend

VIEWERS = (
    frozenset({"public"}),
    frozenset({"public", "members", "user:5"}),
    frozenset({"public", "members", "user:1", "group:7"}),
)
# Our analyser and PostgreSQL's agree on the number of lexemes (the guess holds) ...
GUESSED = ("alpha", "alpha beta", '"alpha beta"', "alph*", "alpha -beta", "alpha OR gamma", "Alpha's")
# ... or not: PostgreSQL keeps "e-mail" whole as well as its parts, and other stop words.
MISGUESSED = ("e-mail", '"e-mail alpha"', "alpha -e-mail", "alpha OR e-mail")


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
    for text in GUESSED:
        for viewer in VIEWERS:
            for extra in ({}, rules, {"sort": "new"}, {"kinds": ["post"], "page": 2}):
                with round_trips() as trips:
                    backend.query(viewer, text, per_page=2, **extra)
                assert trips == [1], (text, extra)


def test_guessing_the_shape_finds_what_asking_first_finds(backend):
    """Totals, pages, scores and snippets equal those of the search that asks PostgreSQL
    for the query's shape first; a wrong guess costs one more round trip, never a result."""
    seed(backend)
    asked = AnalysedFirst(db.engine, rum=backend.rum_mode)
    for text in GUESSED + MISGUESSED:
        for viewer in VIEWERS:
            for rules in ({}, {"sort": "new"}, {"page": 2}, {"title_only_post_ids": [5]}):
                with round_trips() as trips:
                    found = answer(backend, viewer, text, **rules)
                assert found == answer(asked, viewer, text, **rules), (text, viewer, rules)
                assert trips == [1 if text in GUESSED else 2], (text, rules)
    assert answer(backend, VIEWERS[2], "e-mail")[0] == 3
