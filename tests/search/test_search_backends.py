"""What every search backend must also hold: phrases inside one field, ranks and pages
that hidden posts cannot move, typed operators as plain words, escaped snippets, and a
backend that cannot answer saying so (503) instead of falling back to anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from forum import visibility
from forum.extensions import db
from forum.search import indexing, service
from tests.factories import login, make_group, make_post, make_user
from tests.search.test_app_search import hits

pytestmark = pytest.mark.usefixtures("search_backend")


def test_a_phrase_stays_inside_the_title_or_the_body(app):
    post = make_post(make_user(), "Notes on the quokka", "wombat habits come next")
    assert hits(None, '"quokka wombat"') == (set(), 0)
    assert hits(None, '"wombat habits"') == ({("post", post.id)}, 1)
    assert hits(None, '"notes on the quokka"') == ({("post", post.id)}, 1)


def test_hidden_posts_move_neither_ranks_nor_pages(app):
    author, outsider = make_user(), make_user()
    group = make_group(author)
    for n in range(7):
        make_post(author, f"Open {n}", "heron " * (n % 3 + 1) + "and other words")

    def seen():
        found = indexing.backend().query(visibility.principals(outsider), "heron", per_page=3)
        pages = [
            [
                (hit.doc_id, hit.score)
                for hit in indexing.backend()
                .query(visibility.principals(outsider), "heron", per_page=3, page=page)
                .hits
            ]
            for page in (1, 2, 3)
        ]
        return found.total, pages

    before = seen()
    shown = [doc for page in before[1] for doc, _ in page]
    assert before[0] == 7 and len(shown) == len(set(shown)) == 7  # no page repeats or skips a hit
    for n in range(5):
        make_post(author, f"Heron heron {n}", "heron " * 30, audience="restricted", groups=(group,))
    assert seen() == before


@pytest.mark.parametrize(
    "typed, found",
    [
        ("alph:*", 0),
        ("!gecko", 1),
        ("gecko | zzzz", 0),
        ("gecko & alphabet", 1),
        ("gecko <-> soup", 1),
        ("'gecko'", 1),
        ("gecko\\", 1),
        ("(gecko)", 1),
        ("gecko:A", 1),
        ("-gecko", 0),  # only an exclusion: a syntax error, explained
        ("gecko -zzzz", 1),
        ("gecko or zzzz", 0),
    ],
)
def test_operators_typed_are_plain_words(app, typed, found):
    make_post(make_user(), "Alpha note", "alphabet soup with a gecko")
    assert hits(None, typed)[1] == found


def test_snippets_are_escaped_text_with_marks_only_around_matches(client):
    make_post(make_user(), "Angles", "Compare `<secretword>` with `x < y & z` and \ue000`</mark>`\ue001 done.")
    snippet = service.search(None, "secretword").items[0].snippet
    assert "&lt;<mark>secretword</mark>&gt;" in snippet and "x &lt; y &amp; z" in snippet
    assert snippet.count("<mark>") == snippet.count("</mark>") == 1
    assert "<secretword>" not in snippet and "&lt;/mark&gt;" in snippet


def _break(app, backend: str, tmp_path: Path):
    """A real fault: an index directory that cannot be opened, or a missing table."""
    if backend == "whoosh":
        blocker = tmp_path / "not-a-directory"
        blocker.write_text("")
        app.config["SEARCH_INDEX_DIR"] = str(blocker / "index")
        return lambda: None
    with db.engine.begin() as connection:
        connection.execute(text("ALTER TABLE search_entries RENAME TO search_entries_away"))

    def restore():
        with db.engine.begin() as connection:
            connection.execute(text("ALTER TABLE search_entries_away RENAME TO search_entries"))

    return restore


def test_a_backend_that_cannot_answer_says_so(client, search_backend, tmp_path):
    author = make_user()
    make_post(author, "Findable ibis", "ibis text", audience="restricted", users=(make_user(),))
    login(client, author)
    restore = _break(client.application, search_backend, tmp_path)
    try:
        page = client.get("/search?q=ibis")
        api = client.get("/api/v1/search?q=ibis")
    finally:
        restore()
    assert page.status_code == 503 and "Search is unavailable" in page.get_data(as_text=True)
    assert "Findable" not in page.get_data(as_text=True)
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "unavailable"
    if search_backend == "postgres":
        assert "1 result" in client.get("/search?q=ibis").get_data(as_text=True)


def test_nul_in_any_filter_is_bad_input_not_a_failure(client):
    """PostgreSQL refuses NUL in a parameter; whatever layer meets it first, the answer
    is a normal page or a 400, never a 500 or a 503."""
    make_post(make_user(), "Alpha", "alpha text")
    for name in ("q", "author", "group", "kind", "sort", "since"):
        args = {"q": "alpha", name: "al\x00pha"}
        assert client.get("/search", query_string=args).status_code in (200, 400), name
        assert client.get("/api/v1/search", query_string=args).status_code in (200, 400), name
