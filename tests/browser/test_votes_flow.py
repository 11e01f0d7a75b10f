"""Voting as a person does it: the buttons update the score in place (static/votes.js),
with no page load, and the server keeps what the page shows."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import Person, unique

pytestmark = pytest.mark.browser

MARKER = "window.__stillThisPage"


def stay_on_page(page) -> list[str]:
    """Mark the loaded document and record every main-frame navigation from now on: a
    full page load would drop the marker and show up in the list."""
    page.evaluate(f"{MARKER} = true")
    navigations: list[str] = []
    page.on("framenavigated", lambda frame: navigations.append(frame.url) if frame == page.main_frame else None)
    return navigations


def assert_same_page(page, navigations: list[str]) -> None:
    assert navigations == []
    assert page.evaluate(MARKER) is True


def stored_votes(forum, comment_id: int) -> dict:
    def read():
        from forum.extensions import db
        from forum.models import Comment

        c = db.session.get(Comment, comment_id)
        return {"score": c.score, "agreement": c.agreement, "author_karma": c.author.karma}

    return forum.run(read)


def earn_karma(forum, person: Person, amount: int) -> None:
    """Others up-vote the person's post through the vote service, as the buttons would."""

    def vote():
        from forum.extensions import db
        from forum.models import Post, User
        from forum.services import votes
        from tests.factories import make_post, make_user

        post = make_post(db.session.get(User, person.id), unique("Worth reading "), "Text.")
        for _ in range(amount):
            votes.cast_vote(make_user(unique("fan")), db.session.get(Post, post.id), "up")
        assert db.session.get(User, person.id).karma == amount

    forum.run(vote)


def test_up_vote_a_comment_and_see_the_score_change_in_place(forum, signed_in):
    author, voter = forum.person("auth"), forum.person("voter")
    post_id = forum.post(author, unique("Probe results "), "Findings.")
    comment_id = forum.comment(author, post_id, "Layer twelve carries the feature.")

    page = signed_in(voter)
    page.goto(f"/posts/{post_id}")
    karma = page.locator(f"#c{comment_id} .vote-karma")
    total = karma.locator("[data-vote-total]")
    up = karma.get_by_role("button", name="Up-vote", exact=True)
    expect(total).to_have_text("0")
    expect(up).to_have_attribute("aria-pressed", "false")
    navigations = stay_on_page(page)

    up.click()
    expect(total).to_have_text("1")
    expect(total).to_have_attribute("title", "1 vote")
    expect(up).to_have_attribute("aria-pressed", "true")
    assert_same_page(page, navigations)
    assert stored_votes(forum, comment_id) == {"score": 1, "agreement": 0, "author_karma": 1}

    # Pressing it again takes the vote back, still in place.
    up.click()
    expect(total).to_have_text("0")
    expect(up).to_have_attribute("aria-pressed", "false")
    assert_same_page(page, navigations)
    assert stored_votes(forum, comment_id) == {"score": 0, "agreement": 0, "author_karma": 0}

    # Agreement is its own tally beside the score and never moves karma.
    agreement = page.locator(f"#c{comment_id} .vote-agreement")
    agree = agreement.get_by_role("button", name="Agree", exact=True)
    agree.click()
    expect(agreement.locator("[data-vote-total]")).to_have_text("1")
    expect(agree).to_have_attribute("aria-pressed", "true")
    expect(total).to_have_text("0")
    agreement.get_by_role("button", name="Disagree", exact=True).click()
    expect(agreement.locator("[data-vote-total]")).to_have_text("-1")
    expect(agree).to_have_attribute("aria-pressed", "false")
    expect(agreement.get_by_role("button", name="Disagree", exact=True)).to_have_attribute("aria-pressed", "true")
    assert_same_page(page, navigations)
    assert stored_votes(forum, comment_id) == {"score": 0, "agreement": -1, "author_karma": 0}

    # What the page showed is what the server kept.
    page.reload()
    expect(page.locator(f"#c{comment_id} .vote-agreement [data-vote-total]")).to_have_text("-1")
    expect(
        page.locator(f"#c{comment_id} .vote-agreement").get_by_role("button", name="Disagree", exact=True)
    ).to_have_attribute("aria-pressed", "true")


def test_down_votes_open_up_once_the_voter_has_the_karma(forum, signed_in):
    author, voter = forum.person("auth"), forum.person("critic")
    post_id = forum.post(author, unique("Bold claim "), "Trust me.")
    comment_id = forum.comment(author, post_id, "No need for controls.")

    page = signed_in(voter)
    page.goto(f"/posts/{post_id}")
    down = page.locator(f"#c{comment_id} .vote-karma").get_by_role("button", name="Down-vote", exact=True)
    expect(down).to_be_disabled()
    expect(down).to_have_attribute("title", "Down-votes need 10 karma")

    earn_karma(forum, voter, 10)
    page.reload()
    karma = page.locator(f"#c{comment_id} .vote-karma")
    down = karma.get_by_role("button", name="Down-vote", exact=True)
    expect(down).to_be_enabled()
    navigations = stay_on_page(page)
    down.click()
    expect(karma.locator("[data-vote-total]")).to_have_text("-1")
    expect(down).to_have_attribute("aria-pressed", "true")
    assert_same_page(page, navigations)
    assert stored_votes(forum, comment_id)["score"] == -1
