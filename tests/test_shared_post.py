"""The post's kept parts (forum/rendering/post_html.py): the title, byline, audience line,
terms box, notices and tags are rendered once per post version and kind of viewer and
shared; each viewer's own state (their vote, their buttons, saved and follow state, a
comment form with their text, their CSRF token) stays theirs. These tests check that the
parts are really shared (the store's hit counter), that nothing of one viewer reaches
another, and that a change shows on the very next request."""

from __future__ import annotations

import re

import pytest

from config import TestConfig
from forum import create_app
from forum.extensions import db
from forum.models import Post
from forum.rendering.post_html import shared_posts
from forum.services import moderation, posts, reading_list, terms, votes
from forum.services.audience import Audience, audience_of
from forum.services.terms import TermsChoice
from tests.factories import PASSWORD, RequestIsolatedClient, login, make_post, make_user
from tests.moderation_helpers import make_moderator


@pytest.fixture(autouse=True)
def no_page_cache(app, monkeypatch):
    """The page cache would answer repeat reads before the parts are rendered at all."""
    monkeypatch.setitem(app.config, "PAGE_CACHE_SECONDS", 0)


def page(client, post_id: int, status: int = 200) -> str:
    response = client.get(f"/posts/{post_id}")
    assert response.status_code == status
    return response.get_data(as_text=True)


def article(text: str) -> str:
    return text[text.index('<article class="post"') : text.index("</article>")]


def signed_in(app, user):
    client = app.test_client()
    login(client, user)
    return client


def restricted(author, *readers, title="A restricted study", body="Its body."):
    return make_post(author, title, body, audience="restricted", users=readers)


def _edit(post_id: int, **changes):
    post = db.session.get(Post, post_id)
    now = audience_of(post)
    posts.update_post(
        post,
        post.author,
        changes.get("title", post.title),
        changes.get("body", post.body_md),
        [t.name for t in post.tags],
        changes.get("audience", now),
        terms=changes.get("terms", terms.KEEP),
    )


def test_members_share_the_parts_and_never_see_each_others_state(app):
    author, ann, ben = make_user("author"), make_user("ann"), make_user("ben")
    post = make_post(author, "A shared post", "The body.", tags="method")
    votes.cast_vote(ann, db.session.get(Post, post.id), "up")
    reading_list.save(ann, db.session.get(Post, post.id))
    anns_client, bens_client = signed_in(app, ann), signed_in(app, ben)
    store = shared_posts()

    anns = page(anns_client, post.id)
    hits = store.hits
    bens = page(bens_client, post.id)
    assert store.hits >= hits + 2  # Ben's head, byline and comment form came from Ann's page

    assert 'aria-pressed="true"' in article(anns) and "Saved: remove from reading list" in anns
    assert 'aria-pressed="true"' not in article(bens) and "Save for later" in bens
    assert f'value="post:{post.id}:karma:up"' in bens  # Ben may still vote
    for text in (anns, bens):
        assert "A shared post" in text and 'href="/tags/method"' in text and "Visible to everyone." in text


def test_the_authors_and_a_moderators_controls_never_reach_a_reader(app):
    author, reader = make_user("author"), make_user("reader")
    post = restricted(author, reader)
    moderator = make_moderator("mod")
    store = shared_posts()
    authors = page(signed_in(app, author), post.id)
    assert "Who read it" in authors and f"/posts/{post.id}/edit" in authors

    hits = store.hits
    readers = page(signed_in(app, reader), post.id)
    assert "Who read it" not in readers and "The author can see who opened this post" in readers
    assert f"/posts/{post.id}/edit" not in readers and "Delete</button>" not in article(readers)
    assert store.hits == hits + 1  # only the comment form is the same for both

    public = make_post(author, "An open post", "Open body.")
    page(signed_in(app, moderator), public.id)
    readers = page(signed_in(app, reader), public.id)
    assert "remove-post" not in readers and "Remove</button>" not in article(readers)


def test_an_edit_a_narrowing_and_a_terms_change_show_on_the_next_request(app):
    author, reader, other = make_user("author"), make_user("reader"), make_user("other", display_name="Otto")
    post = restricted(author, reader, other)
    readers = signed_in(app, reader)
    authors = signed_in(app, author)
    assert "Otto" in article(page(readers, post.id))

    _edit(post.id, title="A retitled study")
    text = article(page(readers, post.id))
    assert "A retitled study" in text and "A restricted study" not in text

    _edit(post.id, audience=Audience("restricted", frozenset({reader.id})))
    assert "Otto" not in article(page(readers, post.id))

    _edit(post.id, terms=TermsChoice(None, "Cite us, version one."))
    assert "Cite us, version one." in page(authors, post.id)
    _edit(post.id, terms=TermsChoice(None, "Cite us, version two."))
    text = page(authors, post.id)
    assert "Cite us, version two." in text and "version one" not in text

    _edit(post.id, audience=Audience("restricted", frozenset({other.id})))
    page(readers, post.id, status=404)


def test_a_removal_and_a_ban_show_on_the_next_request(app):
    author, reader = make_user("author"), make_user("reader")
    post = make_post(author, "Soon removed", "Body.")
    readers = signed_in(app, reader)
    assert 'class="comment-form"' in page(readers, post.id)

    moderator = make_moderator("mod")
    moderation.ban_user(moderator, db.session.get(type(reader), reader.id), "Spam", days=3)
    text = page(readers, post.id)
    assert 'class="comment-form"' not in text and "You cannot comment while banned." in text

    moderation.remove_post(moderator, db.session.get(Post, post.id), "Off topic")
    page(readers, post.id, status=404)
    assert "Removed by a moderator" in page(signed_in(app, moderator), post.id)  # the notice speaks to each viewer
    assert "Removed by a moderator" not in "".join(shared_posts().texts())


def test_a_failed_comment_keeps_its_text_and_reaches_no_one_else(app):
    author, ann, ben = make_user("author"), make_user("ann"), make_user("ben")
    post = make_post(author, "Comment here", "Body.")
    anns, bens = signed_in(app, ann), signed_in(app, ben)
    page(bens, post.id)  # the empty form is kept
    failed = anns.post(f"/posts/{post.id}/comments", data={"body": "x" * 20_001})
    assert failed.status_code == 400
    text = failed.get_data(as_text=True)
    assert "x" * 20_001 in text and 'aria-invalid="true"' in text
    again = page(bens, post.id)
    assert "x" * 100 not in again and 'aria-invalid="true"' not in again


def test_the_kept_parts_hold_no_post_body_and_no_form_token(database_copy):
    """A post body may be marked per reader (issue 27): never kept. The comment form carries
    each member's own token, never the one of whoever's page kept it."""
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_copy("shared-post"), WTF_CSRF_ENABLED=True)
    app.config["PAGE_CACHE_SECONDS"] = 0
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        author, ann, ben = make_user("author"), make_user("ann"), make_user("ben")
        post = make_post(author, "Tokens", "The post body, never kept.")
        tokens = {}
        for user in (ann, ben):
            client = app.test_client()
            login_page = client.get("/login").get_data(as_text=True)
            token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login_page).group(1)
            assert client.post("/login", data={"username": user.username, "password": PASSWORD, "csrf_token": token})
            text = page(client, post.id)
            form = text[text.index('<form class="comment-form"') :]
            form = form[: form.index("</form>")]
            tokens[user.username] = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', form).group(1)
            # the comment form's token is the one every other form on the page carries
            assert set(re.findall(r'name="csrf_token"[^>]*value="([^"]+)"', text)) == {tokens[user.username]}
        store = shared_posts()
        assert store.hits >= 1 and tokens["ann"] != tokens["ben"]
        kept = "".join(store.texts())
        assert "The post body, never kept." not in kept and 'class="comment-form"' in kept
        assert tokens["ann"] not in kept and tokens["ben"] not in kept
        db.session.remove()
        db.engine.dispose()
