"""An editor's form survives an expired session: the text is kept on the server, the writer signs
in, and the same editor opens with the text back in it, in that browser and for that writer only."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from config import TestConfig
from forum import create_app
from forum.extensions import db, limiter
from forum.models import Comment, FormStash, Post
from forum.models._time import utcnow
from forum.services import sessions
from forum.services.form_stash import MAX_BYTES
from forum.views.kept_forms import COOKIE
from tests.factories import PASSWORD, RequestIsolatedClient, login, make_comment, make_post, make_user

SAME_SITE = {"Origin": "http://localhost"}
TYPED = {"title": "An hour of work", "body": "Careful words, typed before the session expired.", "tags": "kept"}


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def expire_session(user) -> None:
    sessions.end_all_sessions(user)


def test_a_new_post_sent_signed_out_comes_back_after_sign_in(client):
    ada = make_user("ada")
    login(client, ada)
    expire_session(ada)
    sent = client.post("/posts/new", data={**TYPED, "audience": "members", "submit": "Publish"}, headers=SAME_SITE)
    assert sent.status_code == 302 and sent.location.startswith("/login?next=/posts/new")
    assert count(Post) == 0 and client.get_cookie(COOKIE) is not None
    assert "sign in and your text is back" in client.get(sent.location).get_data(as_text=True)

    signed_in = client.post("/login", data={"username": "ada", "password": PASSWORD, "next": "/posts/new"})
    assert signed_in.location == "/posts/new"
    page = client.get("/posts/new").get_data(as_text=True)
    assert 'value="An hour of work"' in page and "Careful words, typed before the session expired.</textarea>" in page
    assert re.search(r'<input[^>]*checked[^>]*value="members"|<input[^>]*value="members"[^>]*checked', page)
    assert "data-unsaved" in page
    # Used once: gone from the server and the browser.
    assert count(FormStash) == 0 and client.get_cookie(COOKIE) is None
    assert "Careful words" not in client.get("/posts/new").get_data(as_text=True)


def test_another_browser_or_another_account_gets_nothing(app, client):
    ada, ben = make_user("ada"), make_user("ben")
    login(client, ada)
    expire_session(ada)
    client.post("/posts/new", data=TYPED, headers=SAME_SITE)
    elsewhere = app.test_client()
    login(elsewhere, ada)
    assert "Careful words" not in elsewhere.get("/posts/new").get_data(as_text=True)
    # Ben signing in in ada's browser: the text is ada's (her ended session named her), not his.
    login(client, ben)
    assert "Careful words" not in client.get("/posts/new").get_data(as_text=True)
    assert count(FormStash) == 1
    login(client, ada)
    assert "Careful words" in client.get("/posts/new").get_data(as_text=True)


def test_edits_comments_and_replies_come_back_where_they_were_written(client):
    ada = make_user("ada")
    post = make_post(ada, "Saved title", body="Saved body.")
    parent = make_comment(ada, post, "The parent.")
    mine = make_comment(ada, post, "My old comment.")
    cases = [
        (f"/posts/{post.id}/edit", {**TYPED, "audience": "public"}, f"/posts/{post.id}/edit", TYPED["body"]),
        (f"/posts/{post.id}/comments", {"body": "A top-level comment."}, f"/posts/{post.id}", "A top-level comment."),
        (
            f"/posts/{post.id}/comments",
            {"body": "A reply, kept.", "parent_id": str(parent.id)},
            f"/comments/{parent.id}/reply",
            "A reply, kept.",
        ),
        (
            f"/comments/{mine.id}/edit",
            {"body": "My edited comment."},
            f"/comments/{mine.id}/edit",
            "My edited comment.",
        ),
    ]
    for action, data, editor, text in cases:
        client.get("/")  # signed out
        sent = client.post(action, data=data, headers=SAME_SITE)
        assert sent.location == f"/login?next={editor}", action
        login(client, ada)
        assert f"{text}</textarea>" in client.get(editor).get_data(as_text=True), action
        client.post("/logout")
    db.session.expire_all()
    assert count(Comment) == 2 and post.title == "Saved title" and mine.body_md == "My old comment."


def test_a_form_from_another_site_or_too_large_is_not_kept(client):
    for headers in ({}, {"Origin": "https://elsewhere.example"}, {"Referer": "https://elsewhere.example/x"}):
        response = client.post("/posts/new", data=TYPED, headers=headers)
        assert response.status_code == 302 and client.get_cookie(COOKIE) is None
    huge = {**TYPED, "body": "x" * (MAX_BYTES + 1)}
    client.post("/posts/new", data=huge, headers=SAME_SITE)
    assert count(FormStash) == 0 and client.get_cookie(COOKIE) is None


def test_a_stash_older_than_a_day_is_not_given_back(client):
    ada = make_user("ada")
    client.post("/posts/new", data=TYPED, headers=SAME_SITE)
    db.session.execute(update(FormStash).values(created_at=utcnow() - timedelta(days=1, minutes=1)))
    db.session.commit()
    login(client, ada)
    assert "Careful words" not in client.get("/posts/new").get_data(as_text=True)


@pytest.fixture
def csrf_app(database_copy):
    app = create_app(TestConfig, SQLALCHEMY_DATABASE_URI=database_copy("kept_csrf"), WTF_CSRF_ENABLED=True)
    app.test_client_class = RequestIsolatedClient
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def _token(client, path: str) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get(path).get_data(as_text=True))[1]


def _sign_in(client, username: str) -> None:
    token = _token(client, "/login")
    data = {"username": username, "password": PASSWORD, "csrf_token": token}
    assert client.post("/login", data=data).status_code == 302


def test_an_expired_csrf_token_sends_the_text_back_into_the_editor(csrf_app):
    make_user("ada")
    browser = csrf_app.test_client()
    _sign_in(browser, "ada")
    # Still signed in, but the form's token is not this session's (a stale tab): nothing saved.
    sent = browser.post("/posts/new", data={**TYPED, "csrf_token": "stale"}, headers=SAME_SITE)
    assert sent.status_code == 302 and sent.location == "/posts/new" and count(Post) == 0
    assert "Careful words, typed before" in browser.get("/posts/new").get_data(as_text=True)


def test_a_signed_out_post_whose_token_died_with_its_session_comes_back_after_sign_in(csrf_app):
    make_user("ada")
    browser = csrf_app.test_client()
    sent = browser.post("/posts/new", data={**TYPED, "csrf_token": "from-a-dead-session"}, headers=SAME_SITE)
    assert sent.status_code == 302 and sent.location == "/login?next=/posts/new" and count(Post) == 0
    _sign_in(browser, "ada")
    assert "Careful words, typed before" in browser.get("/posts/new").get_data(as_text=True)
    # Without the Origin check passing, the old answer: the text handed back on the error page.
    refused = browser.post("/posts/new", data={**TYPED, "csrf_token": "x"})
    assert refused.status_code == 400 and "Careful words, typed before" in refused.get_data(as_text=True)


def test_deleting_the_account_deletes_its_kept_text_and_writing_settings(app):
    from forum.services import account_data, form_stash

    ada = make_user("ada")
    ada.default_audience = "members"
    form_stash.stash(None, "/posts/new", [("body", "Kept for ada.")], ada.id)
    account_data.delete_account(ada, PASSWORD, account_data.confirmation_for(ada))
    db.session.expire_all()
    assert count(FormStash) == 0 and ada.default_audience is None


def test_keeping_is_limited_per_address(app):
    """Anyone signed out can send a form, so how many are kept per address is capped (then the old answer).
    CSRF is on in this app, as in production: a signed-out form's token fails first."""
    limited = create_app(
        TestConfig,
        SQLALCHEMY_DATABASE_URI=app.config["SQLALCHEMY_DATABASE_URI"],
        RATELIMIT_ENABLED=True,
        KEPT_FORM_LIMIT="2 per hour",
    )
    limited.test_client_class = RequestIsolatedClient
    limiter.reset()
    with limited.app_context():
        browser = limited.test_client()
        answers = [browser.post("/posts/new", data=TYPED, headers=SAME_SITE) for _ in range(3)]
        assert [a.location for a in answers[:2]] == ["/login?next=/posts/new"] * 2
        # The third is not kept: the form's refusal (its token died with the session) hands the text back.
        assert answers[2].status_code == 400 and "Careful words, typed before" in answers[2].get_data(as_text=True)
        assert count(FormStash) == 1  # one per browser: the newest replaced the first
        db.session.remove()
        db.engine.dispose()
