"""The search engine's promises: a viewer finds exactly what they may read, nothing more."""

from __future__ import annotations

import multiprocessing
import os
import random
import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from forum.search.results import SearchPage
from forum.search.user_query import MAX_TERMS
from forum.search.whoosh import evaluate
from forum.search.whoosh.index import builds_dir, delete_documents, rebuild, write_documents
from forum.search.whoosh.query import search_index
from tests.search.docs import BASE_TIME, make_doc

ANON = frozenset({"public"})
MEMBER = frozenset({"public", "members", "user:1"})
IN_GROUP_7 = MEMBER | {"group:7"}


def all_hits(index_dir: str, principals: frozenset[str], text: str, per_page: int = 7, **kw) -> list[str]:
    """Every doc_id over every page, in page order."""
    first = search_index(index_dir, principals, text, per_page=per_page, **kw)
    ids = [h.doc_id for h in first.hits]
    for page in range(2, first.pages + 2):  # one page past the end must be empty
        ids += [h.doc_id for h in search_index(index_dir, principals, text, page=page, per_page=per_page, **kw).hits]
    assert len(ids) == first.total
    return ids


# --- the audience filter against a brute-force oracle --------------------------------

WORDS = ["alpha", "bravo", "oscar", "tango", "zulu"]
TOKENS = ["public", "members", "user:1", "user:2", "group:1", "group:2", "group:3"]

doc_strategy = st.fixed_dictionaries(
    {
        "words": st.lists(st.sampled_from(WORDS), min_size=1, max_size=4),
        "acl": st.sets(st.sampled_from(TOKENS), min_size=1, max_size=3),
        "state": st.sampled_from(["ok", "ok", "ok", "removed", "deleted"]),
        "author_id": st.integers(0, 2),
        "kind": st.sampled_from(["post", "comment"]),
    }
)


@pytest.mark.slow
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    docs=st.lists(doc_strategy, min_size=1, max_size=30),
    principals=st.sets(st.sampled_from(TOKENS), max_size=4),
    query=st.lists(st.sampled_from(WORDS), min_size=1, max_size=2),
    banned=st.sets(st.integers(0, 2), max_size=1),
    include_removed=st.booleans(),
    kind=st.sampled_from([None, "post", "comment"]),
    group_id=st.sampled_from([None, 1, 2]),
)
def test_results_equal_brute_force_visibility(docs, principals, query, banned, include_removed, kind, group_id):
    indexed = [
        make_doc(
            n,
            " ".join(d["words"]),
            kind=d["kind"],
            acl=tuple(sorted(d["acl"])),
            state=d["state"],
            author_id=d["author_id"],
            title="",
        )
        for n, d in enumerate(docs, start=1)
    ]
    expected = {
        (f"post:{n}" if d["kind"] == "post" else f"comment:{n}")
        for n, d in enumerate(docs, start=1)
        if d["acl"] & principals
        and set(query) <= set(d["words"])
        and (include_removed or d["state"] == "ok")
        and d["author_id"] not in banned
        and kind in (None, d["kind"])
        and (group_id is None or f"group:{group_id}" in d["acl"])
    }
    with tempfile.TemporaryDirectory() as tmp:
        index_dir = os.path.join(tmp, "search")
        write_documents(index_dir, indexed)
        for sort in ("relevance", "new"):
            ids = all_hits(
                index_dir,
                frozenset(principals),
                " ".join(query),
                per_page=4,
                sort=sort,
                banned_author_ids=banned,
                include_removed=include_removed,
                kinds=[kind] if kind else None,
                group_id=group_id,
            )
            assert len(ids) == len(set(ids))
            assert set(ids) == expected


@pytest.mark.parametrize("skip_ratio", [0, 10**9], ids=["scan-blocks", "skip-to-candidates"])
def test_large_multi_segment_index_matches_brute_force(index_dir, monkeypatch, skip_ratio):
    monkeypatch.setattr(evaluate, "SKIP_RATIO", skip_ratio)
    # Several commits (segments), posting lists longer than one block, and
    # updates that leave deleted documents behind in the raw postings.
    rng = random.Random(7)
    truth = {}
    for batch in range(6):
        docs = []
        for n in range(batch * 100 + 1, batch * 100 + 101):
            words = rng.choices(WORDS, k=rng.randint(1, 6))
            acl = tuple(sorted(set(rng.sample(TOKENS, rng.randint(1, 2)))))
            truth[n] = (set(words), set(acl))
            docs.append(make_doc(n, " ".join(words), acl=acl, title=""))
        write_documents(index_dir, docs)
    moved = rng.sample(sorted(truth), 150)
    write_documents(index_dir, [make_doc(n, " ".join(truth[n][0]), acl=("group:3",), title="") for n in moved])
    for n in moved:
        truth[n] = (truth[n][0], {"group:3"})
    for principals in (ANON, frozenset({"user:1", "group:3"}), frozenset(TOKENS)):
        for query in (["alpha"], ["bravo", "zulu"], ["oscar", "tango", "alpha"]):
            expected = {f"post:{n}" for n, (words, acl) in truth.items() if acl & principals and set(query) <= words}
            ids = all_hits(index_dir, principals, " ".join(query), per_page=50)
            assert len(ids) == len(set(ids)) and set(ids) == expected


def test_viewer_without_any_readable_document_gets_nothing(index_dir):
    # Whoosh treats an empty allow-set as "no filter"; that must never leak.
    write_documents(index_dir, [make_doc(1, "alpha", acl=("group:7",))])
    page = search_index(index_dir, ANON, "alpha")
    assert page.total == 0 and page.hits == []


def test_restricted_post_is_found_only_by_its_audience(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha", acl=("group:7",)), make_doc(2, "alpha")])
    assert all_hits(index_dir, ANON, "alpha") == ["post:2"]
    assert all_hits(index_dir, MEMBER, "alpha") == ["post:2"]
    assert sorted(all_hits(index_dir, IN_GROUP_7, "alpha")) == ["post:1", "post:2"]
    assert sorted(all_hits(index_dir, frozenset({"user:9"}), "alpha")) == []


def test_scores_do_not_depend_on_hidden_documents(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha bravo")])
    before = search_index(index_dir, ANON, "alpha bravo").hits[0].score
    write_documents(index_dir, [make_doc(n, "alpha " * n, acl=("group:7",)) for n in range(2, 40)])
    assert search_index(index_dir, ANON, "alpha bravo").hits[0].score == before


# --- exact totals and stable pages ---------------------------------------------------


@pytest.mark.parametrize("sort", ["relevance", "new"])
def test_pages_cover_every_hit_once(index_dir, sort):
    # Identical bodies make every score tie, the case where top-k paging repeated hits.
    docs = [make_doc(n, "alpha bravo", acl=("public",) if n % 3 else ("group:7",)) for n in range(1, 61)]
    write_documents(index_dir, docs)
    ids = all_hits(index_dir, ANON, "alpha", per_page=7, sort=sort)
    assert sorted(ids) == sorted(f"post:{n}" for n in range(1, 61) if n % 3)
    first = search_index(index_dir, ANON, "alpha", per_page=7, sort=sort)
    assert first.total == 40 and first.pages == 6


def test_new_sort_is_newest_first(index_dir):
    write_documents(index_dir, [make_doc(n, "alpha") for n in (3, 1, 2)])
    page = search_index(index_dir, ANON, "alpha", sort="new")
    assert [h.doc_id for h in page.hits] == ["post:3", "post:2", "post:1"]
    assert all(h.score is None for h in page.hits)
    assert page.hits[0].created == BASE_TIME + timedelta(minutes=3)


def test_aware_datetimes_are_stored_as_utc(index_dir):
    paris = timezone(timedelta(hours=1))
    write_documents(index_dir, [make_doc(1, "alpha", created=datetime(2025, 1, 1, 13, 0, tzinfo=paris))])
    assert search_index(index_dir, ANON, "alpha").hits[0].created == datetime(2025, 1, 1, 12, 0)
    assert search_index(index_dir, ANON, "alpha", since=datetime(2025, 1, 1, 12, 30, tzinfo=paris)).total == 1
    assert search_index(index_dir, ANON, "alpha", since=datetime(2025, 1, 1, 12, 30)).total == 0


def test_relevance_prefers_title_and_repeated_words(index_dir):
    write_documents(
        index_dir,
        [
            make_doc(1, "alpha once among many other words here"),
            make_doc(2, "alpha alpha alpha"),
            make_doc(3, "nothing", title="alpha"),
        ],
    )
    ids = [h.doc_id for h in search_index(index_dir, ANON, "alpha").hits]
    assert ids[-1] == "post:1"


# --- a changed index is seen at once -------------------------------------------------


def test_acl_change_is_seen_by_the_next_search(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha")])
    assert search_index(index_dir, ANON, "alpha").total == 1
    write_documents(index_dir, [make_doc(1, "alpha", acl=("group:7",))])
    assert search_index(index_dir, ANON, "alpha").total == 0
    assert search_index(index_dir, IN_GROUP_7, "alpha").total == 1
    write_documents(index_dir, [make_doc(1, "alpha")])
    assert search_index(index_dir, ANON, "alpha").total == 1


def test_deleted_document_disappears(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha"), make_doc(2, "alpha", kind="comment")])
    delete_documents(index_dir, ["post:1", "comment:2"])
    assert search_index(index_dir, ANON, "alpha").total == 0


# --- state, bans, facets -------------------------------------------------------------


def test_removed_and_deleted_are_hidden_unless_asked(index_dir):
    write_documents(
        index_dir,
        [make_doc(1, "alpha"), make_doc(2, "alpha", state="removed"), make_doc(3, "alpha", state="deleted")],
    )
    assert all_hits(index_dir, ANON, "alpha") == ["post:1"]
    assert sorted(all_hits(index_dir, ANON, "alpha", include_removed=True)) == ["post:1", "post:2", "post:3"]


def test_banned_authors_are_excluded_without_reindexing(index_dir):
    write_documents(index_dir, [make_doc(n, "alpha", author_id=n) for n in (1, 2, 3)])
    assert sorted(all_hits(index_dir, ANON, "alpha", banned_author_ids=[2, 99])) == ["post:1", "post:3"]
    assert search_index(index_dir, ANON, "alpha").total == 3


def test_filters_narrow_without_widening(index_dir):
    write_documents(
        index_dir,
        [
            make_doc(1, "alpha", author="Alice", acl=("group:7",)),
            make_doc(2, "alpha", kind="comment", post_id=1, acl=("group:7",)),
            make_doc(3, "alpha", author="alice"),
            make_doc(4, "alpha", created=BASE_TIME + timedelta(days=30)),
        ],
    )
    assert sorted(all_hits(index_dir, ANON, "alpha", kinds=["comment"])) == []
    assert sorted(all_hits(index_dir, IN_GROUP_7, "alpha", kinds=["comment"])) == ["comment:2"]
    assert sorted(all_hits(index_dir, ANON, "alpha", author="ALICE")) == ["post:3"]
    assert sorted(all_hits(index_dir, IN_GROUP_7, "alpha", group_id=7)) == ["comment:2", "post:1"]
    assert sorted(all_hits(index_dir, ANON, "alpha", group_id=7)) == []
    assert all_hits(index_dir, ANON, "alpha", since=BASE_TIME + timedelta(days=1)) == ["post:4"]
    assert sorted(all_hits(index_dir, ANON, "alpha", until=BASE_TIME + timedelta(days=1))) == ["post:3"]


def test_comment_does_not_match_its_posts_title(index_dir):
    write_documents(
        index_dir,
        [make_doc(1, "body", title="zebra"), make_doc(2, "reply", kind="comment", post_id=1, title="zebra")],
    )
    assert all_hits(index_dir, ANON, "zebra") == ["post:1"]


# --- snippets ------------------------------------------------------------------------


def test_snippet_marks_matches_and_escapes_html(index_dir):
    write_documents(index_dir, [make_doc(1, "<i>x</i> alpha <script>y</script>")])
    snippet = search_index(index_dir, ANON, "alpha").hits[0].snippet
    assert "<script" not in snippet and "<i>" not in snippet and "&lt;script&gt;" in snippet
    assert "<mark>alpha</mark>" in snippet


def test_snippet_marks_word_forms_but_not_lookalikes(index_dir):
    body = "intro " * 80 + "Searching for searches; researched nothing."
    write_documents(index_dir, [make_doc(1, body)])
    snippet = search_index(index_dir, ANON, "search").hits[0].snippet
    assert snippet.startswith("…") and snippet.count("<mark>") == 2
    assert "<mark>Searching</mark>" in snippet and "<mark>searches</mark>" in snippet


def test_title_only_posts_have_no_snippet(index_dir):
    write_documents(
        index_dir,
        [make_doc(1, "alpha", title="alpha"), make_doc(2, "alpha", kind="comment", post_id=1), make_doc(3, "alpha")],
    )
    hits = {h.doc_id: h for h in search_index(index_dir, ANON, "alpha", title_only_post_ids={1}).hits}
    assert hits["post:1"].snippet is None and hits["comment:2"].snippet is None
    assert hits["post:3"].snippet


# --- what a reader may type ----------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "x" * 10_000,
        "🙂 🐍",
        "猫 が 好き",
        "مرحبا بالعالم",
        "*",
        "?",
        "alp*",
        "alph?",
        "alpha~2",
        "acl:group:7",
        "title:alpha",
        "[a TO z]",
        "alpha OR",
        "NOT alpha",
        '"unbalanced alpha',
        "(alpha",
        "alpha)",
        '""',
        "\x00\n\t",
    ],
)
def test_hostile_input_never_raises_or_widens(index_dir, text):
    write_documents(index_dir, [make_doc(1, "alpha", acl=("group:7",)), make_doc(2, "bravo")])
    page = search_index(index_dir, ANON, text)
    assert isinstance(page, SearchPage)
    assert all(h.doc_id == "post:2" for h in page.hits)


def test_field_syntax_is_plain_text(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha", acl=("group:7",)), make_doc(2, "bravo")])
    # With field syntax these would match every public document.
    assert search_index(index_dir, ANON, "acl:public").total == 0
    assert search_index(index_dir, ANON, "state:ok").total == 0
    # OR is an operator now, and still only within the audience: the hidden alpha stays out.
    assert [hit.doc_id for hit in search_index(index_dir, ANON, "bravo OR alpha").hits] == ["post:2"]


@pytest.mark.parametrize("text", ["", "   ", "\n", "*", "🙂", "the", '""'])
def test_nothing_searchable_is_an_empty_query(index_dir, text):
    write_documents(index_dir, [make_doc(1, "alpha")])
    page = search_index(index_dir, ANON, text)
    assert page.empty_query and page.total == 0 and page.hits == []


def test_phrases_need_balanced_quotes(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha bravo"), make_doc(2, "bravo alpha")])
    assert all_hits(index_dir, ANON, '"alpha bravo"') == ["post:1"]
    unclosed = search_index(index_dir, ANON, 'alpha "bravo')
    assert unclosed.hits == [] and unclosed.error and "quotation mark" in unclosed.error


def test_too_many_words_are_cut_and_flagged(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha")])
    words = " ".join(["alpha"] + [f"w{i}x" for i in range(MAX_TERMS + 5)])
    assert search_index(index_dir, ANON, words).truncated
    assert not search_index(index_dir, ANON, "alpha").truncated


# --- writers in several processes ----------------------------------------------------


def _write_batch(index_dir: str, worker: int, count: int) -> None:
    for i in range(count):
        n = worker * 1000 + i
        write_documents(index_dir, [make_doc(n, f"alpha from worker {worker}")])


def test_concurrent_writers_lose_nothing(index_dir):
    write_documents(index_dir, [make_doc(999_999, "seed")])
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_write_batch, args=(index_dir, w, 15)) for w in range(1, 5)]
    for process in workers:
        process.start()
    for process in workers:
        process.join(timeout=120)
        assert process.exitcode == 0
    assert search_index(index_dir, ANON, "alpha", per_page=100).total == 60


# --- rebuild -------------------------------------------------------------------------


def test_rebuild_swaps_in_a_fresh_index(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha"), make_doc(2, "alpha")])
    assert search_index(index_dir, ANON, "alpha").total == 2
    old_build = os.path.realpath(index_dir)
    seen = []

    def progress(done: int, total: int) -> None:
        seen.append((done, total))
        # A write during the rebuild must survive the swap (journal replay).
        if len(seen) == 1:
            write_documents(index_dir, [make_doc(50, "alpha late")])

    count = rebuild(index_dir, (make_doc(n, "alpha") for n in range(10, 22)), 12, progress, batch_size=5)
    assert count == 12 and seen[-1] == (12, 12) and len(seen) == 3
    assert os.path.realpath(index_dir) != old_build
    assert sorted(all_hits(index_dir, ANON, "alpha", per_page=50)) == sorted(
        [f"post:{n}" for n in range(10, 22)] + ["post:50"]
    )
    assert not (builds_dir(index_dir) / "journal.jsonl").exists()


def test_rebuild_keeps_only_current_and_previous_builds(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha")])
    for round_ in range(3):
        rebuild(index_dir, [make_doc(round_ + 1, "alpha")], 1)
    builds = [p for p in Path(builds_dir(index_dir)).iterdir() if p.is_dir()]
    assert len(builds) == 2
    assert all_hits(index_dir, ANON, "alpha") == ["post:3"]


def test_failed_rebuild_leaves_the_live_index(index_dir):
    write_documents(index_dir, [make_doc(1, "alpha")])

    def broken():
        yield make_doc(2, "alpha")
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError):
        rebuild(index_dir, broken(), 2)
    assert all_hits(index_dir, ANON, "alpha") == ["post:1"]
    write_documents(index_dir, [make_doc(3, "alpha")])
    assert not (builds_dir(index_dir) / "journal.jsonl").exists()
