"""Front-page cards show a short excerpt of the post (issue 24): plain text computed on save,
and never where the viewer may not read the body (usage terms not accepted, marked copies)."""

from __future__ import annotations

from sqlalchemy import update

from forum.extensions import db
from forum.models import Post
from forum.rendering.excerpts import EXCERPT_CHARS
from forum.services import marks
from forum.services import posts as post_service
from forum.services.audience import audience_of
from tests.factories import login, logout, make_group, make_post, make_user
from tests.test_terms import accept, gated_post

OPENING = "The sparse dictionary splits features"
BODY = f"{OPENING} with **bold** claims, $x^2 < y$ in a formula, and a [link](https://example.org).\n\n" + (
    "More words follow here. " * 20
)


def card_text(client, url: str = "/") -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_card_shows_the_opening_words_as_plain_text(client):
    author = make_user("writer")
    post = make_post(author, "Splitting", BODY, tags="saes")
    assert post.excerpt.startswith(f"{OPENING} with bold claims, x^2 < y in a formula, and a link. More words")
    assert len(post.excerpt) <= EXCERPT_CHARS + 1 and post.excerpt.endswith("words…")
    for url in ("/", "/tags/saes", "/users/writer"):
        page = card_text(client, url)
        assert (
            '<p class="excerpt">The sparse dictionary splits features with bold claims, x^2 &lt; y in a formula' in page
        )
        assert "<strong>bold" not in page and "example.org" not in page


def test_an_edit_or_a_removed_body_changes_the_excerpt(client):
    author = make_user("writer")
    post = make_post(author, "Splitting", BODY)
    post_service.update_post(post, author, post.title, "Rewritten opening.", "", audience_of(post))
    assert post.excerpt == "Rewritten opening."
    assert '<p class="excerpt">Rewritten opening.</p>' in card_text(client)


def test_no_excerpt_for_a_post_with_terms_until_the_viewer_accepts_them(client):
    author, reader = make_user("writer"), make_user("reader")
    post = gated_post(author, "Gated findings", BODY)
    assert post.excerpt.startswith(OPENING)  # stored, but shown only past the terms

    page = card_text(client)
    assert "Gated findings" in page and OPENING not in page  # signed out: the title only
    login(client, reader)
    page = card_text(client)
    assert "Gated findings" in page and OPENING not in page
    assert OPENING not in card_text(client, "/users/writer")
    accept(client, post)
    assert OPENING in card_text(client)
    logout(client)
    login(client, author)
    assert OPENING in card_text(client)


def test_no_excerpt_for_a_post_with_marked_copies(client):
    author, reader = make_user("writer"), make_user("reader")
    group = make_group(author, members=(reader,))
    post = make_post(author, "Marked findings", BODY, audience="restricted", groups=(group,))
    marks.set_marking(post, author, True)
    db.session.commit()
    assert post.excerpt == ""
    for user in (reader, author):
        login(client, user)
        for url in ("/", f"/groups/{group.slug}"):
            page = card_text(client, url)
            assert "Marked findings" in page and OPENING not in page
        logout(client)
    marks.set_marking(post, author, False)
    db.session.commit()
    assert post.excerpt.startswith(OPENING)


def test_an_outsider_sees_neither_the_card_nor_its_excerpt(client):
    author, outsider = make_user("writer"), make_user("outsider")
    post = make_post(author, "Private findings", BODY, audience="restricted", users=(make_user("friend"),))
    assert post.excerpt.startswith(OPENING)
    for url in ("/", "/users/writer"):
        page = card_text(client, url)
        assert "Private findings" not in page and OPENING not in page
    login(client, outsider)
    for url in ("/", "/users/writer"):
        page = card_text(client, url)
        assert "Private findings" not in page and OPENING not in page


def test_rerender_fills_in_missing_excerpts(app):
    post = make_post(make_user("writer"), "Old", BODY)
    db.session.execute(update(Post).where(Post.id == post.id).values(excerpt=""))
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["forum", "rerender"])
    assert result.exit_code == 0, result.output
    assert "1 post excerpts" in result.output
    db.session.expire_all()
    assert db.session.get(Post, post.id).excerpt.startswith(OPENING)
    again = app.test_cli_runner().invoke(args=["forum", "rerender"])
    assert "0 post excerpts" in again.output
