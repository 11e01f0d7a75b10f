"""A restricted post, end to end: shared through the form, read by its audience, invisible to everyone else."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import Membership
from tests.browser.helpers import unique

pytestmark = pytest.mark.browser

NEVER_EXISTED = 2_000_000_000


def main_text(page) -> str:
    return page.locator("main").inner_text()


def test_restricted_post_reaches_only_its_audience(forum, signed_in):
    author, member, named, outsider = (forum.person(p) for p in ("auth", "memb", "named", "out"))
    group = forum.group(author, member)
    title, tag = unique("Dual-use result "), unique("hazard-")

    # The author chooses the audience in the post form.
    page = signed_in(author)
    page.goto("/posts/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill("Details for the audience only.")
    page.get_by_label("Tags").fill(tag)
    page.get_by_label("Restricted: only the people and groups below").check()
    page.get_by_label("People", exact=True).fill(named.username)
    page.get_by_label("Groups", exact=True).fill(group.slug)
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    expect(page.locator(".audience")).to_contain_text(named.display_name)
    expect(page.locator(".audience")).to_contain_text(group.name)
    post_path = page.url.removeprefix(page.url.split("/posts/")[0])

    # A group member reads it and comments.
    reader = signed_in(member)
    expect(reader.get_by_role("link", name=title)).to_be_visible()
    reader.get_by_role("link", name=title).click()
    reader.get_by_label("Comment").fill("Confirmed on our side.")
    reader.get_by_role("button", name="Comment").click()
    expect(reader.locator("li.comment .prose")).to_have_text("Confirmed on our side.")

    # The person named directly reads it too.
    direct = signed_in(named)
    direct.goto(post_path)
    expect(direct.get_by_role("heading", level=1)).to_contain_text(title)
    expect(direct.locator("li.comment .prose")).to_have_text("Confirmed on our side.")

    # The outsider finds no trace: not on the front page, the tag page, or either profile,
    # and the post's own address is the same 404 page as a post that never existed.
    stranger = signed_in(outsider)
    expect(stranger.get_by_text(title)).to_have_count(0)
    assert stranger.goto(f"/tags/{tag}").status == 404
    stranger.goto(f"/users/{author.username}")
    expect(stranger.get_by_role("link", name="Posts (0)")).to_be_visible()
    assert title not in main_text(stranger)
    stranger.goto(f"/users/{member.username}?tab=comments")
    expect(stranger.get_by_role("link", name="Comments (0)")).to_be_visible()
    assert "Confirmed on our side." not in main_text(stranger)

    hidden = stranger.goto(post_path)
    hidden_page = main_text(stranger)
    missing = stranger.goto(f"/posts/{NEVER_EXISTED}")
    assert (hidden.status, missing.status) == (404, 404)
    assert hidden_page == main_text(stranger)
    expect(stranger.get_by_role("heading", level=1)).to_have_text("Not found")

    # Leaving the group closes the post to the member on their next page load.
    def remove_member():
        db.session.delete(db.session.get(Membership, (group.id, member.id)))
        db.session.commit()

    forum.run(remove_member)
    assert reader.reload().status == 404
    reader.goto("/")
    expect(reader.get_by_text(title)).to_have_count(0)
    # The named person's access did not depend on the group.
    assert direct.reload().status == 200
