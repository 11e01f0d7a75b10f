"""Marked copies, end to end: the author turns marking on, two members read, one "leaks" an
excerpt of what their browser shows, and the author's trace names that member (issue 27)."""

from __future__ import annotations

import re
import textwrap

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique
from tests.marks.corpus import BODY

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

    copies = {}
    for reader in (leaker, other):
        reading = signed_in(reader)
        reading.goto(post_url)
        expect(reading.locator(".marks-notice")).to_contain_text("Your copy of this post is marked")
        copies[reader.username] = reading.locator("article.post > .prose").inner_text()
    assert copies[leaker.username] != copies[other.username]

    # The leaker pastes most of their copy somewhere, re-wrapped; the author finds it.
    sentences = re.split(r"(?<=[.!?])\s+", " ".join(copies[leaker.username].split()))
    excerpt = textwrap.fill(" ".join(s for i, s in enumerate(sentences) if i % 5 != 2), width=70)
    page.get_by_label("Leaked text").fill(excerpt)
    page.get_by_role("button", name="Trace").click()
    result = page.get_by_role("region", name="Trace result")
    expect(result).to_contain_text("This text came from the copy of")
    expect(result.locator(".trace-named li")).to_have_count(1)
    expect(result.locator(".trace-named")).to_contain_text(leaker.display_name)
