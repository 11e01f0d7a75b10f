"""The foundation, as a person uses it: account, post, comment, reply, preview, a failed form."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import publish_to_everyone, unique

pytestmark = pytest.mark.browser

PASSWORD = "a long enough password"


def comment_id(page) -> int:
    """The id in the #c<id> anchor a new comment redirects to."""
    match = re.search(r"#c(\d+)$", page.url)
    assert match, page.url
    return int(match.group(1))


def test_register_post_comment_and_reply(open_page, forum):
    page = open_page()
    username = unique("ada")

    page.goto("/")
    page.get_by_role("link", name="Register").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Display name").fill("Ada Researcher")
    page.get_by_label("Email address").fill(f"{username}@example.org")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat password").fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Welcome, Ada Researcher")
    # Posting waits for the address: confirm it by the emailed link (tests/browser/test_account_flow.py).
    page.goto(forum.link_mailed_to(f"{username}@example.org", "/verify/"))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("status")).to_contain_text("is confirmed")

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("status")).to_contain_text("You are signed out")
    # The account menu, named by the signed-in person, is gone.
    expect(page.get_by_role("navigation", name="Site").get_by_text("Ada Researcher")).to_have_count(0)

    page.get_by_role("link", name="Sign in").click()
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(
        page.get_by_role("navigation", name="Site").get_by_text("Ada Researcher")
    ).to_be_visible()  # the header's account menu

    tag = unique("probing-")
    page.get_by_role("link", name="New post").click()
    page.get_by_label("Title").fill("Linear probes find the feature")
    page.get_by_label("Body").fill("We find **strong** evidence.\n\n- first point\n- second point")
    page.get_by_label("Tags").fill(tag)
    publish_to_everyone(page)

    expect(page.get_by_role("heading", level=1)).to_contain_text("Linear probes find the feature")
    post = page.locator("article.post")
    expect(post.locator(".prose strong")).to_have_text("strong")
    expect(post.locator(".prose li")).to_have_text(["first point", "second point"])
    expect(post.get_by_role("link", name=tag)).to_be_visible()
    post_url = page.url

    page.get_by_label("Comment").fill("Which layer did you probe?")
    page.get_by_role("button", name="Comment").click()
    parent_id = comment_id(page)
    parent = page.locator(f"#c{parent_id}")
    expect(parent.locator(".prose")).to_have_text("Which layer did you probe?")

    # The reply box opens under the comment itself (a <details>: no JavaScript needed).
    parent.locator("details.reply-inline > summary").click()
    parent.get_by_label("Your reply").fill("Layer *twelve*, mostly.")
    parent.get_by_role("button", name="Reply").click()

    reply_id = comment_id(page)
    assert page.url.startswith(post_url)
    # The reply sits in the parent's nested thread, not beside it.
    nested = page.locator(f"#c{parent_id} > details > ol.thread > li#c{reply_id}")
    expect(nested.locator(".prose em")).to_have_text("twelve")
    expect(page.locator("#comments > ol.thread > li.comment")).to_have_count(1)
    expect(page.locator("#comments h2")).to_have_text("2 comments")


def test_preview_renders_markdown_without_publishing(forum, signed_in):
    author = forum.person("pre")
    page = signed_in(author)
    title = unique("Draft ")

    page.goto("/posts/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill("An _emphasised_ claim with `code`.")
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_role("region", name="Preview")
    expect(preview.locator("em")).to_have_text("emphasised")
    expect(preview.locator("code")).to_have_text("code")
    # Still the editor, with the text kept for more editing.
    expect(page.get_by_label("Body")).to_have_value("An _emphasised_ claim with `code`.")
    expect(page.get_by_label("Title")).to_have_value(title)

    page.goto(f"/users/{author.username}")
    expect(page.get_by_text(title)).to_have_count(0)
    expect(page.get_by_role("link", name="Posts (0)")).to_be_visible()


def test_failed_post_keeps_what_was_typed(forum, signed_in):
    page = signed_in(forum.person("oops"))
    body = "Three paragraphs of careful argument.\n\nNot to be lost."

    page.goto("/posts/new")
    page.get_by_label("Body").fill(body)
    page.get_by_label("Tags").fill("careful")
    response_status = []
    page.on("response", lambda r: response_status.append(r.status) if r.request.method == "POST" else None)
    page.get_by_role("button", name="Publish").click()

    expect(page.locator(".field.has-error")).to_contain_text("A post needs a title.")
    expect(page.get_by_label("Title")).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("Body")).to_have_value(body)
    expect(page.get_by_label("Tags")).to_have_value("careful")
    assert response_status == [400]


def test_comment_thread_collapses_and_reopens(forum, open_page):
    ada, ben = forum.person("ada"), forum.person("ben")
    post_id = forum.post(ada, unique("Thread "))
    parent = forum.comment(ben, post_id, "Parent comment.")
    child = forum.comment(ada, post_id, "Child reply.", parent)
    forum.comment(ben, post_id, "Grandchild reply.", child)
    page = open_page()
    page.goto(f"/posts/{post_id}")

    head = page.locator(f"#c{parent} > details > summary")
    body = page.locator(f"#c{parent} > details > .prose")
    note = page.locator(f"#c{parent} > .comment-head .collapsed-note")
    expect(note).to_be_hidden()

    head.click(position={"x": 6, "y": 8})  # the −/+ box, not the author's link
    expect(body).to_be_hidden()
    expect(page.get_by_text("Child reply.", exact=True)).to_be_hidden()
    expect(note).to_have_text("(2 replies hidden)")
    head.click(position={"x": 6, "y": 8})
    expect(page.get_by_text("Grandchild reply.")).to_be_visible()

    # The line beside the replies collapses the comment they answer (forum.js).
    page.locator(f"#c{parent} > details > ol.thread").click(position={"x": 2, "y": 10})
    expect(body).to_be_hidden()
    expect(page.get_by_text("Grandchild reply.")).to_be_hidden()

    # A link to a comment inside a collapsed thread opens the way to it.
    page.evaluate(f"location.hash = 'c{child}'")
    expect(page.get_by_text("Child reply.", exact=True)).to_be_visible()
    expect(body).to_be_visible()
