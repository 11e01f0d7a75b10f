"""The backend interface (forum/search/backend.py) on each backend, without the app's
services: documents in, one viewer's page out."""

from __future__ import annotations

from datetime import timedelta, timezone

import pytest

from forum.extensions import db
from forum.search.backend import Backend
from forum.search.postgres import PostgresBackend
from forum.search.whoosh.backend import WhooshBackend
from tests.search.docs import BASE_TIME, make_doc
from tests.search.helpers import BACKENDS, use_backend

ANON = frozenset({"public"})
IN_GROUP_7 = frozenset({"public", "members", "user:1", "group:7"})


@pytest.fixture(params=BACKENDS)
def backend(request, app, index_dir) -> Backend:
    if use_backend(app, request.param) == "whoosh":
        return WhooshBackend(index_dir)
    return PostgresBackend(db.engine, rum=app.config["SEARCH_PG_RUM"])


def ids(backend: Backend, principals=ANON, text: str = "alpha", **filters) -> list[str]:
    page = backend.query(principals, text, per_page=100, **filters)
    assert page.total == len(page.hits)
    return sorted(hit.doc_id for hit in page.hits)


def test_audience_state_and_bans(backend):
    backend.apply(
        [
            make_doc(1, "alpha"),
            make_doc(2, "alpha", acl=("group:7",)),
            make_doc(3, "alpha", state="removed"),
            make_doc(4, "alpha", author_id=9),
        ],
        [],
    )
    assert ids(backend) == ["post:1", "post:4"]
    assert ids(backend, IN_GROUP_7) == ["post:1", "post:2", "post:4"]
    assert ids(backend, include_removed=True) == ["post:1", "post:3", "post:4"]
    assert ids(backend, banned_author_ids=[9]) == ["post:1"]
    assert ids(backend, frozenset()) == []


def test_facets_narrow_and_convert_time_zones(backend):
    backend.apply(
        [
            make_doc(1, "alpha", author="Alice", acl=("group:7",)),
            make_doc(2, "alpha", kind="comment", post_id=1, acl=("group:7",)),
            make_doc(3, "alpha", author="alice"),
            make_doc(4, "alpha", created=BASE_TIME + timedelta(days=30)),
        ],
        [],
    )
    assert ids(backend, IN_GROUP_7, kinds=["comment"]) == ["comment:2"]
    assert ids(backend, author="ALICE") == ["post:3"]
    assert ids(backend, IN_GROUP_7, group_id=7) == ["comment:2", "post:1"]
    assert ids(backend, group_id=7) == []
    assert ids(backend, since=BASE_TIME + timedelta(days=1)) == ["post:4"]
    assert ids(backend, until=BASE_TIME + timedelta(days=1)) == ["post:3"]
    paris = timezone(timedelta(hours=1))
    later = (BASE_TIME + timedelta(days=30, hours=1)).replace(tzinfo=paris)
    assert ids(backend, since=later) == ["post:4"]


def test_gated_posts_match_outside_their_body_and_show_no_snippet(backend):
    backend.apply(
        [
            make_doc(1, "secret body words", title="alpha note", tags=("beta",)),
            make_doc(2, "alpha reply", kind="comment", post_id=1),
            make_doc(3, "alpha"),
        ],
        [],
    )
    found = {hit.doc_id: hit for hit in backend.query(ANON, "alpha", title_only_post_ids={1}).hits}
    assert found.keys() == {"post:1", "comment:2", "post:3"}
    assert found["post:1"].snippet is None and found["comment:2"].snippet is None and found["post:3"].snippet
    assert ids(backend, text="secret", title_only_post_ids={1}) == []
    assert ids(backend, text='"alpha note"', title_only_post_ids={1}) == ["post:1"]
    assert ids(backend, text="beta", title_only_post_ids={1}) == ["post:1"]
    assert ids(backend, text="writer1", title_only_post_ids={1}) == ["post:1"]
    assert ids(backend, title_only_post_ids={1}, exclude_doc_ids=["comment:2"]) == ["post:1", "post:3"]


def test_digests_deletions_and_rebuild(backend):
    docs = [make_doc(1, "alpha"), make_doc(2, "alpha", kind="comment", post_id=1)]
    backend.apply(docs, [])
    assert backend.digests() == {"post:1": backend.digest(docs[0]), "comment:2": backend.digest(docs[1])}
    backend.apply([make_doc(3, "alpha")], ["comment:2"])
    assert sorted(backend.digests()) == ["post:1", "post:3"]
    assert backend.rebuild(iter([make_doc(4, "alpha")]), 1) == 1
    assert ids(backend) == ["post:4"]


def test_newest_first_and_pages_that_neither_repeat_nor_skip(backend):
    backend.apply([make_doc(n, "alpha") for n in (3, 1, 2, 5, 4)], [])
    assert [hit.doc_id for hit in backend.query(ANON, "alpha", sort="new").hits] == [
        f"post:{n}" for n in (5, 4, 3, 2, 1)
    ]
    pages = [backend.query(ANON, "alpha", per_page=2, page=n) for n in (1, 2, 3, 4)]
    shown = [hit.doc_id for page in pages for hit in page.hits]
    assert sorted(shown) == [f"post:{n}" for n in range(1, 6)] and pages[0].total == 5


def test_what_cannot_be_searched(backend):
    backend.apply([make_doc(1, "alpha")], [])
    assert backend.query(ANON, "   ").empty_query
    assert backend.query(ANON, "*?~").empty_query
    long = backend.query(ANON, " ".join(f"w{n}" for n in range(100)))
    assert long.truncated and long.total == 0
    with pytest.raises(ValueError):
        backend.apply([make_doc(2, "alpha", acl=())], [])


def test_concurrent_overlapping_writes_all_land(backend):
    """Workers writing the same rows in different orders queue; none fails or is lost."""
    if backend.name != "postgres":
        pytest.skip("Whoosh's concurrent writers are tested in test_engine.py")
    import random
    import threading

    errors: list[BaseException] = []

    def worker(seed: int) -> None:
        order = list(range(1, 13))
        random.Random(seed).shuffle(order)
        try:
            for n in range(3):
                backend.apply([make_doc(i, f"alpha from {seed}") for i in order], [f"post:{100 + seed}"])
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(seed,)) for seed in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == [] and ids(backend) == sorted(f"post:{i}" for i in range(1, 13))
