"""A newcomer finds a group they can trust, joins it, and is let into a listed restricted
post; the author sees the read in the audit (issue 15)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser


def test_newcomer_finds_a_trusted_group_and_is_let_into_a_listed_post(forum, signed_in):
    newcomer, friend, member, owner, author, reader = (
        forum.person(p) for p in ("new", "friend", "memb", "own", "auth", "read")
    )
    interest = unique("probing-")
    title = unique("Deception probe results ")

    def setup():
        from forum.extensions import db
        from forum.models import User
        from forum.services import accounts, vouches
        from tests.factories import make_group
        from tests.trust.helpers import listed_post

        users = {p.username: db.session.get(User, p.id) for p in (newcomer, friend, member, owner, author, reader)}
        accounts.update_profile(users[newcomer.username], newcomer.display_name, "", interest)
        vouches.vouch(users[friend.username], users[newcomer.username], "I supervised their probing project.")
        vouches.vouch(users[member.username], users[friend.username], "Friend's probes replicate.")
        vouches.vouch(users[owner.username], users[member.username], "Runs our probe replications.")
        group = make_group(
            users[owner.username],
            unique("Probe Lab "),
            members=(users[member.username],),
            interests=interest,
            description="We replicate probing results.",
        )
        listed_post(
            users[author.username],
            title,
            body="The detector flags 91% of planted lies.",
            users=(users[reader.username],),
            terms="Cite before building on this.",
            abstract="Which linear probes catch planted deception, and how often. Ask if you work on probes.",
        )
        return group.slug, group.name

    slug, name = forum.run(setup)

    # The newcomer searches groups by their interest and opens the one found.
    page = signed_in(newcomer)
    page.goto("/groups")
    page.get_by_label("Search groups").fill(interest)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=name).click()
    intro = page.locator("#introduction")
    expect(intro).to_contain_text(f"You share these interests with the group: {interest}")
    known = intro.locator("li", has_text="Vouch for people you vouch for or who vouch for you")
    expect(known.get_by_role("link", name=member.display_name)).to_be_visible()
    expect(intro.locator(".vouches")).to_contain_text("Runs our probe replications.")

    # They request to join with a statement; the owner admits them.
    page.get_by_role("link", name="Request to join").click()
    page.get_by_label("Why would you like to join?").fill("I work on probing; my supervisor knows your member.")
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".flash")).to_contain_text("Your request is sent")
    admin = signed_in(owner)
    admin.goto(f"/groups/{slug}/requests")
    expect(admin.locator(".statement")).to_have_text("I work on probing; my supervisor knows your member.")
    admin.get_by_role("button", name="Approve").click()
    page.reload()
    expect(page.locator(".group .meta")).to_contain_text("you are a member")

    # They find the listed restricted post, and ask for access.
    page.get_by_role("link", name="Listed posts").click()
    card = page.locator(".listing-card", has_text=title)
    expect(card).to_contain_text("Which linear probes catch planted deception")
    assert "91%" not in page.locator("main").inner_text()
    card.get_by_role("link", name="Request access").click()
    page.get_by_label("A note for the author (optional)").fill("For our replication.")
    page.get_by_role("button", name="Request access").click()
    expect(page.locator(".flash")).to_contain_text("Your request is sent")

    # The author approves in one click on the audit page.
    writer = signed_in(author)
    writer.goto("/access-requests")
    expect(writer.locator(".requests")).to_contain_text("For our replication.")
    writer.get_by_role("button", name=f"Approve {newcomer.username}").click()
    expect(writer.locator(".flash")).to_contain_text("may now read the post")

    # The newcomer accepts the terms and reads the post, told that the author sees reads.
    page.goto("/listed")
    page.locator(".listing-card", has_text=title).get_by_role("link", name=title).click()
    expect(page.locator(".terms-text")).to_contain_text("Cite before building on this.")
    page.get_by_role("button", name="I agree").click()
    expect(page.locator("article.post > .prose")).to_contain_text("The detector flags 91% of planted lies.")
    expect(page.locator(".audit-notice")).to_be_visible()

    # The author sees the read, and the accepted terms, in the audit.
    writer.goto(page.url.split("?")[0].split("#")[0] + "/audit")
    expect(writer.locator(".read-row", has_text=newcomer.display_name)).to_be_visible()
    expect(writer.locator("table.audit").nth(1)).to_contain_text(newcomer.display_name)
    expect(writer.locator(".requests")).to_contain_text("approved")
