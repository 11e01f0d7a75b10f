"""A newcomer finds a group that requires a vouch, asks a member they share an interest
with for one through a conversation, the member vouches from the conversation, and the
newcomer joins with that vouch (issue 26)."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import unique

pytestmark = pytest.mark.browser


def test_newcomer_asks_for_a_vouch_in_a_conversation_and_joins(forum, signed_in):
    newcomer, member, owner = (forum.person(p) for p in ("new", "memb", "own"))
    interest = unique("sparse-coding-")

    def setup():
        from forum.extensions import db
        from forum.models import User
        from forum.services import accounts
        from tests.factories import make_group

        users = {p.username: db.session.get(User, p.id) for p in (newcomer, member, owner)}
        accounts.update_profile(users[newcomer.username], newcomer.display_name, "", interest)
        accounts.update_profile(users[member.username], member.display_name, "", interest, open_to_contact=True)
        group = make_group(
            users[owner.username],
            unique("Vouched Lab "),
            members=(users[member.username],),
            interests=interest,
            join_policy="request",
            requires_vouch=True,
            description="We admit people a member vouches for.",
        )
        return group.slug, group.name

    slug, name = forum.run(setup)

    # The newcomer finds the group by their interest and starts a request: no vouch yet.
    page = signed_in(newcomer)
    page.goto("/groups")
    page.get_by_label("Search groups").fill(interest)
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name=name).click()
    page.get_by_role("link", name="Request to join").click()
    expect(page.locator(".ask-for-vouch")).to_contain_text("Ask a member you know for a vouch")
    page.get_by_role("link", name=f"Ask {member.display_name}").click()

    # The conversation form arrives filled in; they write and send.
    expect(page.get_by_label("To")).to_have_value(member.username)
    expect(page.get_by_label("Subject")).to_have_value(f"A vouch for joining {name}")
    page.get_by_label("Message").fill("We share an interest in sparse coding; would you vouch for my work?")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".messages")).to_contain_text("would you vouch for my work?")

    # The member finds it among their messages (a request: they share no group or vouch yet),
    # accepts, answers and vouches from the conversation.
    other = signed_in(member)
    other.get_by_role("link", name="Messages").click()
    other.get_by_role("link", name=f"A vouch for joining {name}").click()
    other.get_by_role("button", name="Accept").click()
    other.get_by_label("Reply").fill("Gladly: your notes on dictionaries are good.")
    other.get_by_role("button", name="Send").click()
    other.get_by_label(f"Vouch for {newcomer.display_name}").fill("I know their sparse coding notes.")
    other.get_by_role("button", name="Vouch", exact=True).click()
    expect(other.locator(".flash")).to_contain_text(f"You vouch for {newcomer.display_name}")

    # The newcomer reads the answer, then requests to join with that vouch; the owner admits them.
    page.reload()
    expect(page.locator(".messages")).to_contain_text("your notes on dictionaries are good")
    page.goto(f"/groups/{slug}/request")
    page.get_by_label("Why would you like to join?").fill("I work on sparse coding.")
    page.get_by_label("A member who vouches for you").select_option(
        label=f"{member.display_name}: “I know their sparse coding notes.”"
    )
    page.get_by_role("button", name="Send request").click()
    expect(page.locator(".flash")).to_contain_text("Your request is sent")
    admin = signed_in(owner)
    admin.goto(f"/groups/{slug}/requests")
    admin.get_by_role("button", name="Approve").click()
    page.goto(f"/groups/{slug}")
    expect(page.locator(".group .meta")).to_contain_text("you are a member")
