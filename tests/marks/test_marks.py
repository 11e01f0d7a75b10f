"""Marked copies: every reader of a marked post gets a text of their own, on every path, and a
leaked excerpt traces back to that reader and nobody else (docs/marks.md)."""

from __future__ import annotations

import html
import re
import textwrap

import pytest

from forum.extensions import db
from forum.queries import marked_copies, traces
from forum.rendering import marks
from forum.rendering.markup import plain_text
from forum.services import marks as mark_service
from forum.services import posts as post_service
from forum.services.audience import audience_of
from forum.services.errors import ServiceError
from tests.factories import login, logout
from tests.marks.conftest import READERS
from tests.marks.corpus import BODY, SENTENCES


def copy_text(post, reader) -> str:
    return plain_text(marked_copies.html_for(reader, post))


def leak(text: str, drop_every: int = 5) -> str:
    """The copy with every `drop_every`-th sentence deleted (20%) and the rest re-wrapped."""
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(text.split()))
    kept = [s for i, s in enumerate(sentences) if i % drop_every != 2]
    return textwrap.fill(" ".join(kept), width=58)


def test_every_reader_gets_a_distinct_copy_and_never_the_source(world):
    post = world["post"]
    copies = [copy_text(post, reader) for reader in world["readers"]]
    assert len(set(copies)) == READERS
    source = plain_text(post.body_html)
    assert source not in copies
    assert "{{" not in "".join(copies)
    # The same reader is always given the same copy.
    assert copy_text(post, world["readers"][0]) == copies[0]


def test_a_copy_with_a_fifth_of_its_sentences_deleted_traces_to_its_reader_alone(world):
    post, ada = world["post"], world["ada"]
    for reader in world["readers"][:10]:
        found = traces.trace(ada, post, leak(copy_text(post, reader)))
        assert found.verdict == traces.NAMED
        assert [m.reader.username for m in found.matches] == [reader.username]
        match = found.matches[0]
        assert match.seen >= 20 and match.matched == match.seen
        assert match.false_accusation < 1e-6


def test_the_source_and_another_posts_text_trace_to_nobody(world):
    post, ada = world["post"], world["ada"]
    source = traces.trace(ada, post, plain_text(post.body_html))
    assert source.verdict == traces.NOBODY and source.seen >= 20
    assert traces.trace(ada, post, plain_text(world["other"].body_html)).verdict == traces.TOO_LITTLE


def test_a_sentence_or_two_is_too_little_to_tell(world):
    post, ada = world["post"], world["ada"]
    excerpt = [line for line in copy_text(post, world["readers"][3]).splitlines() if line.strip()][0]
    found = traces.trace(ada, post, excerpt)
    assert found.verdict == traces.TOO_LITTLE


def test_a_copy_of_an_earlier_version_still_traces_after_an_edit(world):
    post, ada, reader = world["post"], world["ada"], world["readers"][7]
    before = copy_text(post, reader)
    post_service.update_post(post, ada, post.title, BODY + "\n\nA new closing remark.", "", audience_of(post))
    assert copy_text(post, reader) != before
    found = traces.trace(ada, post, leak(before))
    assert [m.reader.username for m in found.matches] == [reader.username] and found.verdict == traces.NAMED


def test_only_the_authors_trace(world):
    assert traces.trace(world["readers"][0], world["post"], "anything") is None


def test_only_an_author_marks_and_only_a_restricted_post(world):
    with pytest.raises(ServiceError):
        mark_service.set_marking(world["post"], world["readers"][0], False)
    db.session.rollback()
    with pytest.raises(ServiceError):
        mark_service.set_marking(world["other"], world["ada"], True)


# --- every path gives a reader their own copy ------------------------------------------------


def _traced_to(world, text: str) -> list[str]:
    found = traces.trace(world["ada"], world["post"], text)
    return [m.reader.username for m in found.matches] if found.verdict == traces.NAMED else []


def _page_text(response) -> str:
    assert response.status_code == 200
    return plain_text(response.get_data(as_text=True))


def test_pages_api_feed_and_versions_give_each_reader_their_own_copy(client, world):
    from forum.services import feed_tokens
    from tests.api.helpers import bearer

    post = world["post"]
    post_service.update_post(post, world["ada"], post.title, BODY + "\n\nAn addendum.", "", audience_of(post))
    for reader in world["readers"][:2]:
        login(client, reader)
        page = _page_text(client.get(f"/posts/{post.id}"))
        assert "Your copy of this post is marked" in page
        assert _traced_to(world, page) == [reader.username]
        versions = _page_text(client.get(f"/posts/{post.id}/revisions"))
        # Two versions on one page: each traces to this reader.
        assert _traced_to(world, versions) == [reader.username]
        compare = client.get(f"/posts/{post.id}/revisions/compare?from=1&to=2").get_data(as_text=True)
        assert _traced_to(world, compare) == [reader.username]
        logout(client)
        api = client.get(f"/api/v1/posts/{post.id}", headers=bearer(reader, "read")).get_json()
        assert _traced_to(world, plain_text(api["body_html"])) == [reader.username]
        assert _traced_to(world, api["body_md"]) == [reader.username]
        assert "{{" not in api["body_md"]
        _token, raw = feed_tokens.rotate(reader)
        feed = client.get(f"/feeds/private/{raw}.atom")
        assert feed.status_code == 200
        assert _traced_to(world, html.unescape(plain_text(feed.get_data(as_text=True)))) == [reader.username]


def test_the_author_sees_the_source_and_is_told_readers_are_marked(client, world):
    post = world["post"]
    login(client, world["ada"])
    page = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert post.body_html in page and "Each reader's copy of this post is marked" in page
    editor = client.get(f"/posts/{post.id}/edit").get_data(as_text=True)
    assert "{{a small|a compact}}" in editor
    assert "distinct copies" in editor


def test_search_excerpts_are_the_readers_own(client, world):
    from forum.search import service

    post = world["post"]
    readers = world["readers"]
    leads = {r.username: " ".join(copy_text(post, r).split())[:120] for r in readers[:8]}
    for reader in readers[:8]:
        found = service.search(reader, "probes")
        [hit] = [r for r in found.items if r.post.id == post.id]
        shown = " ".join(plain_text(str(hit.snippet)).split())
        assert shown.startswith(leads[reader.username])
    assert len(set(leads.values())) > 1  # the excerpts do differ between readers


def test_bad_alternatives_get_a_clear_message_and_the_text_is_kept(client, world):
    login(client, world["ada"])
    post = world["post"]
    typed = BODY + "\n\nAn {{unbalanced|broken sentence."
    response = client.post(
        f"/posts/{post.id}/edit",
        data={"title": post.title, "body": typed, "audience": "restricted", "audience_groups": "lab"},
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "opens alternatives never closed" in page
    assert "An {{unbalanced|broken sentence." in page
    nested = marks.summary("a {{b {{c|d}}|e}}")
    assert "cannot be nested" in nested


def test_the_trace_page_names_the_reader(client, world):
    post, reader = world["post"], world["readers"][11]
    excerpt = leak(copy_text(post, reader))
    login(client, world["ada"])
    page = client.get(f"/posts/{post.id}/marks").get_data(as_text=True)
    assert "Where the text varies" in page
    response = client.post(f"/posts/{post.id}/marks/trace", data={"leaked": excerpt})
    text = response.get_data(as_text=True)
    assert "This text came from the copy of" in text and reader.username in text
    assert excerpt.splitlines()[0] in text  # the pasted text is kept
    short = client.post(f"/posts/{post.id}/marks/trace", data={"leaked": SENTENCES[0]}).get_data(as_text=True)
    assert "Too little text to tell" in short
    logout(client)
    login(client, reader)
    assert client.get(f"/posts/{post.id}/marks").status_code == 403


def test_the_demos_leaked_excerpt_traces_to_chen(app, client):
    from sqlalchemy import select

    from forum.demo.marks import LEAK_TITLE
    from forum.models import Post, User

    app.test_cli_runner().invoke(args=["forum", "seed"])
    post = db.session.scalar(select(Post).where(Post.marks_copies.is_(True)))
    leak = db.session.scalar(select(Post).where(Post.title == LEAK_TITLE))
    dana = db.session.scalar(select(User).where(User.username == "dana"))
    excerpt = leak.body_md.split("```text\n", 1)[1].rsplit("\n```", 1)[0]
    found = traces.trace(dana, post, excerpt)
    assert found.verdict == traces.NAMED and [m.reader.username for m in found.matches] == ["chen"]


def test_readers_are_told_on_the_terms_gate_before_they_read(client, world):
    from forum.services.terms import TermsChoice

    post = world["post"]
    post_service.update_post(
        post, world["ada"], post.title, post.body_md, "", audience_of(post), terms=TermsChoice(None, "Ask first.")
    )
    login(client, world["readers"][0])
    gate = client.get(f"/posts/{post.id}").get_data(as_text=True)
    assert "Ask first." in gate and "Your copy of this post is marked" in gate
    assert "between the two probes" not in gate  # the gate shows no text, marked or not
