"""A newcomer finds a group that requires a vouch, asks a member they share an interest
with for one through a conversation, the member vouches from the conversation, and the
newcomer joins with that vouch (issue 26)."""

from __future__ import annotations

import re

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


def test_a_reported_message_is_removed_from_its_copy_and_its_author_edits_another(forum, signed_in, open_page):
    """A participant reports a message; a moderator outside the conversation removes it from
    the report's copy and never opens the conversation; the public log says nothing of it. The
    reporter mutes the conversation; its author edits another message, shown as edited."""
    writer, reader, mod = (forum.person(p) for p in ("wri", "rea", "mod"))
    context_word, reported_word = unique("heliotrope"), unique("quincunx")

    def setup():
        from forum.extensions import db
        from forum.models import User
        from forum.services import conversations, moderation
        from tests.factories import make_group

        users = {p.username: db.session.get(User, p.id) for p in (writer, reader, mod)}
        moderation.set_role(None, users[mod.username], "moderator")
        make_group(users[writer.username], unique("Lab "), members=(users[reader.username],))
        talk = conversations.start(
            users[writer.username], [users[reader.username]], f"About {context_word}", f"The {context_word} plan."
        )
        me = conversations.place_of(talk, users[writer.username])
        reported = conversations.write(users[writer.username], talk, me, f"A {reported_word} remark.")
        return talk.id, reported.id

    conversation_id, message_id = forum.run(setup)

    # The reader reports the message; the form says the moderators see that message alone.
    page = signed_in(reader)
    page.goto(f"/messages/{conversation_id}")
    page.locator(f"#m{message_id}").get_by_role("link", name="Report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a message")
    expect(page.locator(".notice")).to_contain_text("nothing else of the conversation")
    page.get_by_label("Harassment").check()
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("status")).to_contain_text("The moderators will look at a copy of this message")
    page.get_by_role("button", name="Mute this conversation").click()
    expect(page.get_by_role("status")).to_contain_text("Muted")

    # The moderator judges from the copy, removes it, and still cannot open the conversation.
    moderator = signed_in(mod)
    moderator.goto("/moderation")
    report = moderator.locator("article.report", has_text=reported_word)
    expect(report.locator(".report-copy")).to_contain_text(f"A {reported_word} remark.")
    expect(report).to_contain_text("it stays closed to you")
    assert context_word not in moderator.locator("main").inner_text()
    report.get_by_label("Remove the content").check()
    report.get_by_label(re.compile(r"^Reason")).fill("Personal attack.")
    report.get_by_role("button", name="Decide").click()
    expect(moderator.get_by_role("status")).to_contain_text("Decision recorded in the moderation log")
    assert moderator.goto(f"/messages/{conversation_id}").status == 404
    anonymous = open_page()
    for viewer in (moderator, anonymous):
        viewer.goto("/moderation/log")
        text = viewer.locator("main").inner_text()
        assert reported_word not in text and "Personal attack" not in text and writer.display_name not in text

    # The participants see the removal; the writer edits their first message.
    own = signed_in(writer)
    own.goto(f"/messages/{conversation_id}")
    expect(own.locator(f"#m{message_id}")).to_contain_text("[removed by a moderator: Personal attack.]")
    assert reported_word not in own.locator("main").inner_text()
    own.locator(".message").first.get_by_role("link", name="Edit").click()
    own.get_by_label("Message").fill(f"The revised {context_word} plan.")
    own.get_by_role("button", name="Save").click()
    expect(own.locator(".message").first).to_contain_text(f"The revised {context_word} plan.")
    expect(own.locator(".message").first.locator(".meta")).to_contain_text("edited")
    page.reload()
    expect(page.locator(".message").first).to_contain_text("edited")
    expect(page.get_by_role("button", name="Unmute")).to_be_visible()
