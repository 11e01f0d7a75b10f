"""A report on a restricted thread, end to end: reported by a reader, judged from its copy by a
moderator outside the audience, logged in public without the restricted text, explained to its author."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from forum.extensions import db
from forum.models import User
from tests.browser.helpers import unique

pytestmark = pytest.mark.browser


def make_moderator(forum, person) -> None:
    def promote():
        db.session.get(User, person.id).role = "moderator"
        db.session.commit()

    forum.run(promote)


def main_text(page) -> str:
    return page.locator("main").inner_text()


def test_moderator_outside_the_audience_removes_a_reported_comment(forum, signed_in, open_page):
    author, reporter, commenter, mod = (forum.person(p) for p in ("auth", "rep", "com", "mod"))
    make_moderator(forum, mod)
    group = forum.group(author, reporter, commenter)
    # Marker words that must never reach anyone outside the audience.
    title_word, body_word, comment_word = unique("Zircon"), unique("quokka"), unique("pangolin")
    post_id = forum.post(
        author,
        f"{title_word} uplift result",
        f"The {body_word} protocol works.",
        audience="restricted",
        groups=(group,),
    )
    comment_id = forum.comment(commenter, post_id, f"Try the {comment_word} variant, it is faster.")
    restricted_words = (title_word, body_word, comment_word)

    # A member of the group reports the comment; the form says what moderators will see.
    page = signed_in(reporter)
    page.goto(f"/posts/{post_id}")
    page.locator(f"#c{comment_id}").get_by_role("link", name="Report").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Report a comment")
    expect(page.locator(".notice")).to_contain_text("Moderators outside its audience will see a copy of the comment")
    page.get_by_label("Hazardous information").check()
    page.get_by_label("Anything the moderators should know").fill("Operational detail for a hazardous method.")
    page.get_by_role("button", name="Send report").click()
    expect(page.get_by_role("status")).to_contain_text("The moderators will look at your report")
    expect(page).to_have_url(re.compile(rf"/posts/{post_id}#c{comment_id}$"))

    # The moderator is outside the audience: the post itself is the 404 of a missing post...
    moderator = signed_in(mod)
    assert moderator.goto(f"/posts/{post_id}").status == 404
    # ...but the queue holds a copy of the reported comment, and only of the comment.
    moderator.get_by_role("navigation", name="Site").get_by_role("link", name=re.compile(r"^Moderation")).click()
    expect(moderator).to_have_url(re.compile(r"/moderation$"))
    report = moderator.locator("article.report", has_text=comment_word)
    expect(report.locator(".report-copy")).to_contain_text(f"Try the {comment_word} variant")
    expect(report).to_contain_text("Hazardous information")
    expect(report).to_contain_text("You are not in this post's audience: judge from the copy above.")
    expect(report.get_by_role("link", name="Open the live comment")).to_have_count(0)
    assert title_word not in main_text(moderator) and body_word not in main_text(moderator)

    expect(report.get_by_label("Ban length")).to_be_hidden()  # until "Ban its author" is chosen
    report.get_by_label("Remove the content").check()
    report.get_by_label(re.compile(r"^Reason")).fill("Step-by-step hazardous detail.")
    report.get_by_role("button", name="Decide").click()
    expect(moderator.get_by_role("status")).to_contain_text("Decision recorded in the moderation log")
    expect(moderator.locator("article.report", has_text=comment_word)).to_have_count(0)
    moderator.get_by_role("link", name="Resolved").click()
    expect(moderator.locator("article.report", has_text=comment_word)).to_contain_text("resolved: removed")

    # The public log says nothing of activity on a post the viewer cannot read: no line at
    # all (no moderator, no time, no reason), for the moderator who made it and for an
    # anonymous visitor alike.
    anonymous = open_page()
    for viewer in (moderator, anonymous):
        viewer.goto("/moderation/log")
        expect(viewer.locator("ol.modlog")).to_be_attached()
        text = main_text(viewer)
        assert f"{mod.display_name} removed a comment" not in text
        for word in (*restricted_words, "Step-by-step hazardous detail", commenter.display_name, group.name):
            assert word not in text, word

    # The comment's author sees why, on the post page; for the other readers the comment is gone.
    own = signed_in(commenter)
    own.goto(f"/posts/{post_id}")
    notice = own.locator(f"#c{comment_id} .removal-notice")
    expect(notice).to_contain_text("A moderator removed your comment. Their reason: “Step-by-step hazardous detail.”")
    # A reader of the post finds the log entry under the post's title, with the reason.
    notice.get_by_role("link", name="moderation log").click()
    expect(own.locator("ol.modlog > li", has_text=title_word).first).to_contain_text("“Step-by-step hazardous detail.”")

    page.reload()
    expect(page.locator(f"#c{comment_id}")).to_have_count(0)
    expect(page.locator("#comments h2")).to_have_text("0 comments")
    assert comment_word not in main_text(page)
