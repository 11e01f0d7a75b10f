"""A post written while the session expired: Publish, sign in again, and the text is back in the editor."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import User
from forum.services import sessions
from tests.browser.helpers import unique

pytestmark = pytest.mark.browser


def test_the_text_comes_back_in_the_editor_after_signing_in_again(forum, signed_in):
    writer = forum.person("expired")
    page = signed_in(writer)
    title = unique("Written through an expiry ")
    page.goto("/posts/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill("Three paragraphs of careful work.")
    page.get_by_label("Members: anyone signed in").check()
    # The session ends on the server (idle, or signed out elsewhere) while the page stays open.
    forum.run(lambda: sessions.end_all_sessions(db.session.get(User, writer.id)))
    page.get_by_role("button", name="Publish", exact=True).click()

    page.wait_for_url("**/login?next=/posts/new")
    expect(page.get_by_text("sign in and your text is back in the editor")).to_be_visible()
    page.evaluate("localStorage.clear()")  # what comes back comes from the server
    page.get_by_label("Username").fill(writer.username)
    page.get_by_label("Password").fill(writer.password)
    page.get_by_role("button", name="Sign in").click()

    page.wait_for_url("**/posts/new")
    expect(page.get_by_label("Title")).to_have_value(title)
    expect(page.get_by_label("Body")).to_have_value("Three paragraphs of careful work.")
    expect(page.get_by_label("Members: anyone signed in")).to_be_checked()
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_role("heading", name=title)).to_be_visible()
