"""The post page reads the viewer's own relations to it (votes on the post and its comments,
following or muting the thread, the saved post, whom they block) in one statement
(forum/queries/threads.py: `viewer_relations`), and each viewer sees only their own."""

from __future__ import annotations

import pytest

from forum.extensions import db
from forum.services import blocks as block_service
from forum.services import notifications as follow_service
from forum.services import reading_list
from forum.services.votes import cast_vote
from tests.factories import login, logout, make_comment, make_post, make_user, statements

pytestmark = pytest.mark.usefixtures("no_page_cache")

RELATION_TABLES = ("votes", "subscriptions", "saved_items", "blocks")


@pytest.fixture
def page(app):
    author, ann, ben, troll = make_user("author"), make_user("ann"), make_user("ben"), make_user("troll")
    post = make_post(author, "A discussed post")
    first = make_comment(ben, post, "Ben's comment.")
    make_comment(troll, post, "The troll's comment.")
    cast_vote(ann, post, "up")
    cast_vote(ann, first, "agree", axis="agreement")
    follow_service.set_following(ann, "post", post.id, "mute")
    reading_list.save(ann, post)
    block_service.block(ann, troll)
    db.session.commit()
    return {"path": f"/posts/{post.id}", "post": post, "ann": ann, "ben": ben, "troll": troll}


def _relation_statements(seen: list[str]) -> list[str]:
    """Statements that read first from one of the viewer's relation tables."""
    first_from = [" ".join(s.split()).split(" FROM ", 1)[-1] for s in seen]
    return [s for s, after in zip(seen, first_from, strict=True) if after.split(" ", 1)[0] in RELATION_TABLES]


def test_the_viewer_sees_their_own_relations_read_in_one_statement(client, page):
    login(client, page["ann"])
    client.get(page["path"])  # warm up: first-request work is not what this measures
    with statements() as seen:
        html = client.get(page["path"]).get_data(as_text=True)
    assert html.count('aria-pressed="true"') == 2  # the post's up and the comment's agree
    assert "Muted." in html and "Unmute" in html and "Mute thread" not in html
    assert "Saved: remove from reading list" in html
    assert "someone you blocked" in html
    assert len(_relation_statements(seen)) == 1, "\n".join(_relation_statements(seen))


def test_another_viewer_sees_none_of_them(client, page):
    login(client, page["ann"])
    client.get(page["path"])
    logout(client)
    login(client, page["ben"])
    html = client.get(page["path"]).get_data(as_text=True)
    assert 'aria-pressed="true"' not in html
    assert "Muted." not in html and "Unmute" not in html and "Mute thread" in html  # ben follows (he commented)
    assert "Save for later" in html and "Saved: remove" not in html
    assert "someone you blocked" not in html


def test_a_change_shows_on_the_next_request(client, page):
    login(client, page["ann"])
    client.get(page["path"])
    ann, post = page["ann"], page["post"]
    follow_service.set_following(ann, "post", post.id, "unfollow")
    reading_list.unsave(ann, post)
    block_service.unblock(ann, page["troll"])
    db.session.commit()
    html = client.get(page["path"]).get_data(as_text=True)
    assert "Muted." not in html and "Follow thread" in html
    assert "Save for later" in html and "someone you blocked" not in html
