"""A post's usage terms, end to end: set in the post form, agreed to at the gate, listed for the
author, and asked again when the author changes them."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser

NO_SHARING = "I will not share this post, its comments or their contents with anyone outside"


def test_reader_agrees_to_terms_and_is_asked_again_when_they_change(forum, signed_in):
    author, reader = forum.person("auth"), forum.person("read")
    title, body_word = unique("Gated result "), unique("ocelot")

    # The author picks a template in the post form.
    page = signed_in(author)
    page.goto("/posts/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill(f"The {body_word} method, in full.")
    page.get_by_label("Restricted: only the people and groups below").check()
    page.get_by_label("People", exact=True).fill(reader.username)
    page.get_by_label("Do not share outside this audience").check()
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    terms_box = page.locator(".terms-box")
    expect(terms_box).to_contain_text("Readers agree to your usage terms (version 1)")
    post_url = page.url

    # The reader meets the gate: title, terms and "I agree", no body, no comments.
    gate = signed_in(reader)
    gate.goto(post_url)
    expect(gate.get_by_role("heading", level=1)).to_contain_text(title)
    terms = gate.get_by_role("region", name="Usage terms")
    expect(terms).to_contain_text(NO_SHARING)
    expect(terms).to_contain_text("Version 1")
    assert body_word not in gate.locator("main").inner_text()
    expect(gate.get_by_label("Comment")).to_have_count(0)

    terms.get_by_role("button", name="I agree").click()
    expect(gate.get_by_role("status")).to_contain_text("You agreed to this post's terms")
    expect(gate.locator("article.post > .prose")).to_contain_text(f"The {body_word} method, in full.")
    expect(gate.locator(".terms-box")).to_contain_text("You agreed to this post's usage terms (version 1)")
    gate.get_by_label("Comment").fill("Agreed, and thank you.")
    gate.get_by_role("button", name="Comment").click()
    expect(gate.locator("li.comment .prose")).to_have_text("Agreed, and thank you.")

    # The author sees who agreed, to which version.
    page.reload()
    page.locator(".terms-box").get_by_role("link", name="See who agreed").click()
    expect(page).to_have_url(re.compile(r"/posts/\d+/acceptances$"))
    row = page.get_by_role("row", name=re.compile(reader.display_name))
    expect(row.get_by_role("cell").nth(1)).to_have_text("1 current")

    # The author writes their own terms instead: version 2, and the gate comes back.
    page.get_by_role("link", name=title).click()
    page.get_by_role("link", name="Edit", exact=True).click()
    expect(page.get_by_label("Do not share outside this audience")).to_be_checked()
    own_terms = page.get_by_label("Your own terms")
    expect(own_terms).to_be_hidden()  # shown only once "My own terms" is chosen
    page.get_by_label("My own terms").check()
    expect(own_terms).to_be_visible()
    own_terms.fill("Ask me before you run the method on any deployed model.")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("status")).to_contain_text("Your changes are saved")
    expect(page.locator(".terms-box")).to_contain_text("(version 2)")

    gate.reload()
    terms = gate.get_by_role("region", name="Usage terms")
    expect(terms).to_contain_text("The author changed the terms since you last agreed")
    expect(terms).to_contain_text("Ask me before you run the method on any deployed model.")
    expect(terms).to_contain_text("Version 2")
    main = gate.locator("main").inner_text()
    assert body_word not in main and "Agreed, and thank you." not in main
    terms.get_by_role("button", name="I agree").click()
    expect(gate.locator("li.comment .prose")).to_have_text("Agreed, and thank you.")

    page.goto(post_url.rstrip("/") + "/acceptances")
    expect(page.get_by_role("row", name=re.compile(reader.display_name))).to_have_count(2)
    expect(page.locator("tbody")).to_contain_text("2 current")
