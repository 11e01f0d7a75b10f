"""A member's header is kept per worker under everything it prints (forum/rendering/
header_html.py): never another member's, never a stale ban, bell, role or name, and never
another request's CSRF token."""

from __future__ import annotations

import re

import pytest

from forum.extensions import db
from forum.rendering.header_html import shared_headers
from forum.services import accounts, moderation
from tests.factories import login, make_comment, make_post, make_user, page_text
from tests.moderation_helpers import make_moderator

pytestmark = pytest.mark.usefixtures("no_page_cache")


def header(client, path: str = "/about") -> str:
    page = page_text(client.get(path))
    return page[page.index('<header class="site-header">') : page.index("</header>")]


def kept_hits(app) -> int:
    with app.test_request_context():
        store = shared_headers()
        assert store is not None
        return store.hits


def test_members_never_get_each_others_header(app):
    ada = make_user("ada", display_name="Ada Lovelace")
    ben = make_user("ben", display_name="Ben Franklin")
    # Everything else their headers print is the same: one unread thread each.
    make_comment(ben, make_post(ada, "Ada's notes"), "A reply to Ada.")
    make_comment(ada, make_post(ben, "Ben's notes"), "A reply to Ben.")
    ada_client, ben_client = app.test_client(), app.test_client()
    login(ada_client, ada)
    login(ben_client, ben)
    hits = kept_hits(app)
    for _ in range(2):
        mine, theirs = header(ada_client), header(ben_client)
        assert "Ada Lovelace" in mine and 'href="/users/ada"' in mine and ">1</span>" in mine
        assert "Ben Franklin" in theirs and 'href="/users/ben"' in theirs and ">1</span>" in theirs
        assert "Ada" not in theirs and "/users/ada" not in theirs
        assert "Ben" not in mine and "/users/ben" not in mine
    assert kept_hits(app) >= hits + 2  # the second round was kept
    visitor = header(app.test_client())
    assert "Ada" not in visitor and "Ben" not in visitor and "Sign in" in visitor


def test_what_the_header_prints_changes_on_the_next_request(app, client):
    member = make_user("member", display_name="Member One")
    other = make_user("other")
    moderator = make_moderator("mod")
    posts = [make_post(member, "Member's notes"), make_post(member, "More notes")]
    login(client, member)
    first = header(client)
    assert header(client) == first  # kept
    assert "New post" in first and "Moderation" not in first and ">0</span>" in first

    make_comment(other, posts[0], "A new reply.")
    assert ">1</span>" in header(client)
    make_comment(other, posts[1], "Another reply.")
    assert ">2</span>" in header(client)

    accounts.update_profile(member, "Renamed Member", "", "")
    assert "Renamed Member" in header(client) and "Member One" not in header(client)

    moderation.set_role(None, member, "moderator")
    shown = header(client)
    assert 'href="/moderation">Moderation</a>' in shown
    moderation.report(other, make_post(other, "Other's post"), None, "spam")
    assert 'href="/moderation">Moderation (1)</a>' in header(client)

    moderation.set_role(None, member, "user")
    moderation.ban_user(moderator, member, "Spam.", days=3)
    shown = header(client)
    assert "New post" not in shown and "Moderation" not in shown


def tokens(page: str) -> set[str]:
    return set(re.findall(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"', page))


def test_each_session_gets_its_own_csrf_token_in_the_kept_header(app):
    """Two browsers of one member share the kept header; each gets the token of its own
    session, the same as every other form on its page carries, and nothing kept holds one."""
    member, other = make_user("member"), make_user("other")
    browsers = [app.test_client(), app.test_client()]
    seen = []
    for browser in browsers:
        login(browser, member)
        for _ in range(2):
            page = browser.get("/users/other").get_data(as_text=True)
            assert "Sign out" in page and ">Block</button>" in page
            found = tokens(page)
            assert len(found) == 1, found  # the header's sign-out forms and the page's block form
            seen.append(found.pop())
    assert seen[0] != seen[2]  # two sessions, two tokens
    with app.test_request_context():
        kept = "".join(shared_headers().texts())  # type: ignore[union-attr]
    assert "Sign out" in kept and not any(token in kept for token in seen)
    assert other.username not in kept
    db.session.rollback()


def test_a_visitors_kept_header_signs_in_back_to_its_own_page(app, client):
    """Every visitor's header is the same text but for where its sign-in link comes back to:
    kept once, each page gets its own address there, escaped as the template would."""
    author = make_user("author")
    post = make_post(author, "Open notes")
    hits = kept_hits(app)
    for _ in range(2):
        assert 'href="/login?next=/about?"' in header(client, "/about")
        page = header(client, f"/posts/{post.id}?sort=new&page=1")
        assert f'href="/login?next=/posts/{post.id}?sort%3Dnew%26page%3D1"' in page
        assert "\x00" not in page
    assert kept_hits(app) >= hits + 2  # the second round was kept
    login(client, author)
    assert "Sign in" not in header(client, "/about") and "/login?next" not in header(client, "/about")
