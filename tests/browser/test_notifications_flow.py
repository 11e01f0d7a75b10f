"""The bell, live: a reply in a restricted thread reaches its audience without a reload,
and a person outside the audience who is mentioned in it sees nothing at all."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser


@pytest.fixture
def fast_bell(live_app):
    before = live_app.config["NOTIFICATIONS_POLL_SECONDS"]
    live_app.config["NOTIFICATIONS_POLL_SECONDS"] = 1
    yield
    live_app.config["NOTIFICATIONS_POLL_SECONDS"] = before


def test_a_reply_rings_the_bell_of_its_audience_only(forum, signed_in, fast_bell):
    ada, ben, eli = forum.person("ada"), forum.person("ben"), forum.person("eli")
    group = forum.group(ada, ben)
    title = unique("Probe collapse ")
    post_id = forum.post(
        ada, title, "For the reading group.", audience="restricted", groups=(forum.run(lambda: _group(group)),)
    )
    comment_id = forum.comment(ada, post_id, "Layer 20 is where it breaks.")

    ada_page = signed_in(ada)
    eli_page = signed_in(eli)
    for page in (ada_page, eli_page):
        expect(page.locator(".bell-count")).to_have_text("0")
        page.evaluate("window.stillTheSamePage = true")

    # Ben replies to Ada's comment and mentions Eli, who is outside the audience.
    writer = signed_in(ben)
    writer.goto(f"/comments/{comment_id}/reply")
    writer.get_by_label("Comment").fill(f"Same here at layer 21. @{eli.username} should see this?")
    writer.get_by_role("button", name="Reply").click()
    expect(writer.locator("li.comment .prose").last).to_contain_text("Same here at layer 21.")

    # Ada's open page updates by itself, then she opens the reply from her notifications.
    expect(ada_page.locator(".bell-count")).to_have_text("1")
    assert ada_page.evaluate("window.stillTheSamePage") is True
    ada_page.get_by_role("link", name="Notifications").click()
    # A real link (it opens in a new tab too) to the reply's own page; opening it marks it read.
    ada_page.get_by_role("link", name=f"{ben.display_name} replied to your comment on “{title}”").click()
    expect(ada_page.get_by_role("heading", level=1)).to_contain_text(title)
    assert "/comments/" in ada_page.url
    expect(ada_page.locator("li.comment .prose").first).to_contain_text("Same here at layer 21.")
    expect(ada_page.locator(".bell-count")).to_have_text("0")

    # Eli's page polled all along and still says 0; his notifications page is empty.
    eli_page.wait_for_function(
        "() => performance.getEntriesByType('resource')"
        ".filter(e => e.name.includes('/notifications/count')).length >= 3"
    )
    expect(eli_page.locator(".bell-count")).to_have_text("0")
    assert eli_page.evaluate("window.stillTheSamePage") is True
    eli_page.goto("/notifications")
    expect(eli_page.locator("main")).not_to_contain_text(title)
    expect(eli_page.locator("li.notification")).to_have_count(0)


def _group(ref):
    from forum.extensions import db
    from forum.models import Group

    return db.session.get(Group, ref.id)
