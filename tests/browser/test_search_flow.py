"""Search from the nav box: readers find a post and a comment by a word in them; an
outsider searching the same word finds nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from tests.browser.helpers import unique
from tests.factories import make_post

pytestmark = pytest.mark.browser


def search_from_nav(page, word: str) -> None:
    page.goto("/")
    box = page.get_by_role("searchbox", name="Search the forum")
    box.fill(word)
    box.press("Enter")
    page.wait_for_url("**/search?q=*")


def test_readers_find_by_a_word_and_an_outsider_finds_nothing(forum, signed_in):
    author, reader, outsider = (forum.person(p) for p in ("auth", "read", "out"))
    group = forum.group(author, reader)
    post_word, comment_word = unique("okapiword").lower(), unique("tapirword").lower()
    title = unique("Searchable result ")

    def shared_post() -> int:
        from forum.models import Group, User

        found = db.session.get(User, author.id), db.session.get(Group, group.id)
        return make_post(
            found[0], title, f"The {post_word} appears here.", audience="restricted", groups=(found[1],)
        ).id

    post_id = forum.run(shared_post)
    page = signed_in(reader)
    page.goto(f"/posts/{post_id}")
    page.get_by_label("Comment").fill(f"A reply that mentions {comment_word}.")
    page.get_by_role("button", name="Comment").click()
    expect(page.locator("li.comment .prose")).to_contain_text(comment_word)

    viewer = page
    search_from_nav(viewer, post_word)
    expect(viewer.locator(".search-total")).to_have_text("1 result")
    expect(viewer.get_by_role("link", name=title)).to_be_visible()
    expect(viewer.locator(".search-hit mark")).to_have_text(post_word)
    search_from_nav(viewer, comment_word)
    expect(viewer.locator(".search-total")).to_have_text("1 result")
    expect(viewer.locator(".search-hit h2")).to_contain_text(f"Comment on {title}")

    stranger = signed_in(outsider)
    for word in (post_word, comment_word):
        search_from_nav(stranger, word)
        expect(stranger.locator(".search-total")).to_have_text("0 results")
        expect(stranger.get_by_text(title)).to_have_count(0)
        expect(stranger.locator(".search-hit")).to_have_count(0)
