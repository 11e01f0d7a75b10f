"""Marked copies, end to end: the author turns marking on, two members read, one "leaks" an
excerpt of what their browser shows, and the author's trace names that member (issue 27)."""

from __future__ import annotations

import re
import textwrap

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique
from tests.marks.corpus import BODY
from tests.marks.test_figures import figure_png, reencode

pytestmark = pytest.mark.browser


def test_an_author_traces_a_pasted_excerpt_to_the_member_who_leaked_it(forum, signed_in):
    author, leaker, other = forum.person("auth"), forum.person("leak"), forum.person("read")
    title = unique("Marked result ")

    page = signed_in(author)
    page.goto("/posts/new")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Body").fill(BODY)
    page.get_by_label("Restricted: only the people and groups below").check()
    page.get_by_label("People", exact=True).fill(f"{leaker.username}, {other.username}")
    page.get_by_role("button", name="Publish").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(title)
    post_url = page.url

    # Marking is switched on from the audit page.
    page.goto(post_url + "/audit")
    page.get_by_role("link", name="Mark each reader’s copy").click()
    page.get_by_label(re.compile("Mark each reader's copy")).check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Each reader now gets a marked copy")
    expect(page.locator(".marks-sites")).to_contain_text("However / Nevertheless")

    post_id = int(post_url.rsplit("/", 1)[1])
    figure_url = forum.run(lambda: _attach_figure(author, post_id))

    copies, figures = {}, {}
    for reader in (leaker, other):
        reading = signed_in(reader)
        reading.goto(post_url)
        expect(reading.locator(".marks-notice")).to_contain_text("Your copy of this post is marked")
        copies[reader.username] = reading.locator("article.post > .prose").inner_text()
        figures[reader.username] = reading.request.get(figure_url).body()  # "Save image as..."
    assert copies[leaker.username] != copies[other.username]
    assert figures[leaker.username] != figures[other.username]

    # The leaker pastes most of their copy somewhere, re-wrapped; the author finds it.
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(copies[leaker.username].split()))
    excerpt = textwrap.fill(" ".join(s for i, s in enumerate(sentences) if i % 5 != 2), width=70)
    page.get_by_label("Leaked text").fill(excerpt)
    page.get_by_role("button", name="Trace").click()
    result = page.get_by_role("region", name="Trace result")
    expect(result).to_contain_text("This text came from the copy of")
    expect(result.locator(".trace-named li")).to_have_count(1)
    expect(result.locator(".trace-named")).to_contain_text(leaker.display_name)

    # The saved figure, re-compressed as JPEG at quality 75 on its way out, names them too.
    page.get_by_label("Or a leaked figure or PDF").set_input_files(
        files=[{"name": "found.jpg", "mimeType": "image/jpeg", "buffer": reencode(figures[leaker.username], 75)}]
    )
    page.get_by_role("button", name="Trace").click()
    result = page.get_by_role("region", name="Trace result")
    expect(result).to_contain_text("This image came from the copy of")
    expect(result.locator(".trace-named li")).to_have_count(1)
    expect(result.locator(".trace-named")).to_contain_text(leaker.display_name)


def _attach_figure(author, post_id: int) -> str:
    from forum.extensions import db
    from forum.models import Post, User
    from tests.factories import make_attachment

    post = db.session.get(Post, post_id)
    figure = make_attachment(db.session.get(User, author.id), post, data=figure_png())
    return f"/posts/{post_id}/files/{figure.key}"
